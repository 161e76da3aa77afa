import FuzzSupport
import Localization

/// A `lang` value and an Accept-Language header: the input's first line is the `lang` value
/// (none when the input has no newline), the rest is the header.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLanguage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  let newline = bytes.firstIndex(of: UInt8(ascii: "\n"))
  let explicit = newline.map { String(decoding: bytes[..<$0], as: UTF8.self) }
  let header = String(decoding: newline.map { bytes[($0 + 1)...] } ?? bytes[...], as: UTF8.self)

  let best = LanguageNegotiation.bestMatch(acceptLanguage: header)
  // Without an explicit language, negotiation is the header's best match, else English.
  guard let plain = try? LanguageNegotiation.negotiate(explicit: nil, acceptLanguage: header) else {
    fatalError("negotiation without an explicit language threw")
  }
  if plain.language != (best ?? .en) || (plain.source == .fallback) != (best == nil) {
    fatalError("negotiate \(plain) disagrees with bestMatch \(String(describing: best))")
  }
  // A header that refuses everything matches nothing.
  if LanguageNegotiation.bestMatch(acceptLanguage: "*;q=0, " + header) != nil {
    fatalError("a header that starts by refusing every language matched one")
  }
  if let explicit {
    let tag = LanguageTag(explicit)
    do {
      let chosen = try LanguageNegotiation.negotiate(explicit: explicit, acceptLanguage: header)
      if let supported = tag?.supported, chosen.language != supported || chosen.source != .explicit {
        fatalError("an explicit supported language \(supported) lost to \(chosen)")
      }
    } catch {
      if tag != nil { fatalError("a well-formed tag \(explicit) was refused") }
    }
    if let tag, LanguageTag(tag.description) == nil {
      fatalError("a parsed tag does not parse again: \(tag)")
    }
  }
  return 0
}

runLibFuzzer(fuzzLanguage)
