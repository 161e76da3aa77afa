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
  public static func bestMatch(acceptLanguage header: String) -> Language? {
    var best: (language: Language, quality: Double, order: Int)?
    var refused: Set<Language> = []
    for (order, entry) in header.split(separator: ",").enumerated() {
      let fields = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
      guard let range = fields.first, !range.isEmpty else { continue }
      var quality = 1.0
      for parameter in fields.dropFirst() {
        let pair = parameter.split(separator: "=", maxSplits: 1).map {
          $0.trimmingCharacters(in: .whitespaces)
        }
        if pair.count == 2, pair[0].lowercased() == "q" {
          guard let q = Double(pair[1]), (0...1).contains(q) else {
            quality = -1
            break
          }
          quality = q
        }
      }
      guard quality >= 0 else { continue }
      let candidates: [Language]
      if range == "*" {
        candidates = Language.allCases
      } else if let language = LanguageTag(range)?.supported {
        candidates = [language]
      } else {
        continue
      }
      for language in candidates {
        if quality == 0 {
          refused.insert(language)
          continue
        }
        guard !refused.contains(language) else { continue }
        if best == nil || quality > best!.quality { best = (language, quality, order) }
      }
    }
    return best?.language
  }
}
