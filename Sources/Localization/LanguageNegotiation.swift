import Foundation

/// How the language of an answer was chosen.
public struct NegotiatedLanguage: Sendable, Hashable {
  public enum Source: String, Sendable, Hashable, Codable {
    /// Asked for by name (`?lang=`, `--lang`).
    case explicit
    /// Taken from an Accept-Language header.
    case acceptLanguage
    /// Nothing asked for matched; English is the default.
    case fallback
  }

  public let language: Language
  public let source: Source

  public init(language: Language, source: Source) {
    self.language = language
    self.source = source
  }
}

/// An explicit language that is not a well-formed BCP 47 tag.
public struct InvalidLanguageTag: Error, Sendable, Hashable, CustomStringConvertible {
  public let text: String
  public var description: String {
    "\"\(text)\" is not a language tag; use one of \(Language.allCases.map(\.rawValue).joined(separator: ", "))"
  }
}

/// Picks the language of an answer: the explicit language wins, then Accept-Language by
/// q-value (a regional tag falls back to its language: `nl-BE` to `nl`), then English.
public enum LanguageNegotiation {
  public static func negotiate(explicit: String? = nil, acceptLanguage: String? = nil)
    throws(InvalidLanguageTag)
    -> NegotiatedLanguage
  {
    if let explicit, !explicit.trimmingCharacters(in: .whitespaces).isEmpty {
      guard let tag = LanguageTag(explicit) else { throw InvalidLanguageTag(text: explicit) }
      if let language = tag.supported { return NegotiatedLanguage(language: language, source: .explicit) }
    }
    if let acceptLanguage, let language = bestMatch(acceptLanguage: acceptLanguage) {
      return NegotiatedLanguage(language: language, source: .acceptLanguage)
    }
    return NegotiatedLanguage(language: .en, source: .fallback)
  }

  /// The supported language with the highest q-value in an Accept-Language header (RFC 9110).
  /// Ties keep the header's order; `q=0` means "not this one"; malformed entries are ignored.
  ///
  /// It reads the header's bytes in place and allocates nothing: it runs on every request.
  public static func bestMatch(acceptLanguage header: String) -> Language? {
    var best: Language?
    var bestQuality = -1
    var refused: UInt8 = 0  // a bit per language
    var header = header
    return header.withUTF8 { bytes -> Language? in
      var index = 0
      let count = bytes.count
      while index < count {
        // One entry: a language range, then optional ";name=value" parameters, up to a comma.
        var end = index
        while end < count, bytes[end] != UInt8(ascii: ",") { end += 1 }
        if let (candidates, quality) = parseEntry(bytes, index, end) {
          for language in Language.allCases where candidates & language.bit != 0 {
            if quality == 0 {
              refused |= language.bit
            } else if refused & language.bit == 0, quality > bestQuality {
              best = language
              bestQuality = quality
            }
          }
        }
        index = end + 1
      }
      return best
    }
  }

  /// Parses one entry: the languages it names (as bits) and its quality in thousandths.
  private static func parseEntry(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (
    UInt8, Int
  )? {
    var index = start
    func skipSpaces() {
      while index < end, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
        index += 1
      }
    }
    skipSpaces()
    let rangeStart = index
    // Optional white space (RFC 9110, section 5.6.3) is spaces and horizontal tabs.
    while index < end, bytes[index] != UInt8(ascii: ";"), bytes[index] != UInt8(ascii: " "),
      bytes[index] != UInt8(ascii: "\t")
    {
      index += 1
    }
    let rangeEnd = index
    guard rangeEnd > rangeStart else { return nil }
    var candidates: UInt8 = 0
    if rangeEnd - rangeStart == 1, bytes[rangeStart] == UInt8(ascii: "*") {
      candidates = Language.allCases.reduce(0) { $0 | $1.bit }
    } else {
      // A well-formed tag: letters, digits and hyphens, a primary subtag of 2 to 8 letters.
      var primaryEnd = rangeStart
      while primaryEnd < rangeEnd, bytes[primaryEnd] != UInt8(ascii: "-") { primaryEnd += 1 }
      let primaryLength = primaryEnd - rangeStart
      guard (2...8).contains(primaryLength) else { return nil }
      for position in rangeStart..<rangeEnd {
        let byte = bytes[position]
        let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
        let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        guard
          isLetter || (position > primaryEnd && (isDigit || byte == UInt8(ascii: "-")))
            || (position == primaryEnd)
        else {
          return nil
        }
      }
      guard primaryLength == 2 else { return (0, 0) }
      let first = bytes[rangeStart] | 0x20
      let second = bytes[rangeStart + 1] | 0x20
      for language in Language.allCases {
        let code = language.rawValue.utf8
        if code.first == first, code.dropFirst().first == second { candidates = language.bit }
      }
    }
    var quality = 1000
    while index < end {
      skipSpaces()
      guard index < end, bytes[index] == UInt8(ascii: ";") else {
        index += 1
        continue
      }
      index += 1
      skipSpaces()
      guard index + 1 < end, bytes[index] | 0x20 == UInt8(ascii: "q"), bytes[index + 1] == UInt8(ascii: "=")
      else {
        while index < end, bytes[index] != UInt8(ascii: ";") { index += 1 }
        continue
      }
      index += 2
      guard let parsed = parseQuality(bytes, &index, end) else { return nil }
      quality = parsed
    }
    return (candidates, quality)
  }

  /// A q-value, "0" to "1" with up to three decimals, in thousandths.
  private static func parseQuality(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ end: Int)
    -> Int?
  {
    guard index < end, bytes[index] == UInt8(ascii: "0") || bytes[index] == UInt8(ascii: "1") else {
      return nil
    }
    let whole = Int(bytes[index] - UInt8(ascii: "0"))
    index += 1
    var fraction = 0
    var scale = 100
    if index < end, bytes[index] == UInt8(ascii: ".") {
      index += 1
      while index < end, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
        guard scale > 0 else { return nil }
        fraction += Int(bytes[index] - UInt8(ascii: "0")) * scale
        scale /= 10
        index += 1
      }
    }
    while index < end, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
    guard index == end || bytes[index] == UInt8(ascii: ";") else { return nil }
    let quality = whole * 1000 + fraction
    return quality <= 1000 ? quality : nil
  }
}

extension Language {
  fileprivate var bit: UInt8 {
    switch self {
    case .en: 1
    case .nl: 2
    case .sv: 4
    }
  }
}
