import Foundation

/// The text of an XML document as UTF-8, whatever encoding it was stored in.
///
/// The encoding is detected as the XML specification's Appendix F describes: a byte order mark,
/// else the byte pattern of the first characters (`<?` in UTF-16 or UTF-32), else the
/// encoding the XML declaration names. Checks that look at the text (such as the refusal of
/// DOCTYPE and ENTITY declarations) run on the UTF-8 text, and the parser is given that same
/// text, so what is checked is exactly what is parsed.
public struct XMLText: Sendable, Hashable {
  public enum Encoding: String, Sendable, Hashable {
    case utf8 = "UTF-8"
    case utf16LittleEndian = "UTF-16LE"
    case utf16BigEndian = "UTF-16BE"
    case utf32LittleEndian = "UTF-32LE"
    case utf32BigEndian = "UTF-32BE"
    case latin1 = "ISO-8859-1"
  }

  /// Why a document's bytes could not be read as text.
  public struct DecodingFailure: Error, Sendable, Hashable {
    public var reason: String
  }

  /// The encoding the document was stored in.
  public let encoding: Encoding
  /// The document as UTF-8, without a byte order mark.
  public let utf8: Data

  /// Detects the encoding of `data` and transcodes it to UTF-8.
  public init(decoding data: Data) throws(DecodingFailure) {
    let bytes = [UInt8](data.prefix(4))
    let (encoding, markLength) = try Self.detect(data, start: bytes)
    self.encoding = encoding
    let body = data.dropFirst(markLength)
    switch encoding {
    case .utf8:
      self.utf8 = Data(body)
    case .latin1:
      // Every byte is the code point of the same number.
      self.utf8 = Data(String(String.UnicodeScalarView(body.map { Unicode.Scalar($0) })).utf8)
    case .utf16LittleEndian, .utf16BigEndian:
      guard body.count % 2 == 0 else {
        throw DecodingFailure(reason: "is \(encoding.rawValue) but has an odd number of bytes")
      }
      let little = encoding == .utf16LittleEndian
      let units = stride(from: body.startIndex, to: body.endIndex, by: 2).map { index -> UInt16 in
        let first = UInt16(body[index])
        let second = UInt16(body[index + 1])
        return little ? first | second << 8 : first << 8 | second
      }
      self.utf8 = try Self.transcode(units, from: UTF16.self, named: encoding)
    case .utf32LittleEndian, .utf32BigEndian:
      guard body.count % 4 == 0 else {
        throw DecodingFailure(
          reason: "is \(encoding.rawValue) but its length is not a multiple of four bytes")
      }
      let little = encoding == .utf32LittleEndian
      let units = stride(from: body.startIndex, to: body.endIndex, by: 4).map { index -> UInt32 in
        let quad = (0..<4).map { UInt32(body[index + $0]) }
        return little
          ? quad[0] | quad[1] << 8 | quad[2] << 16 | quad[3] << 24
          : quad[0] << 24 | quad[1] << 16 | quad[2] << 8 | quad[3]
      }
      self.utf8 = try Self.transcode(units, from: UTF32.self, named: encoding)
    }
  }

  /// The encoding, and the length of its byte order mark.
  private static func detect(_ data: Data, start bytes: [UInt8]) throws(DecodingFailure) -> (Encoding, Int) {
    func starts(with prefix: [UInt8]) -> Bool {
      bytes.count >= prefix.count && Array(bytes.prefix(prefix.count)) == prefix
    }
    // Byte order marks; UTF-32's little-endian mark starts like UTF-16's, so it goes first.
    if starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return (.utf32BigEndian, 4) }
    if starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return (.utf32LittleEndian, 4) }
    if starts(with: [0xFE, 0xFF]) { return (.utf16BigEndian, 2) }
    if starts(with: [0xFF, 0xFE]) { return (.utf16LittleEndian, 2) }
    if starts(with: [0xEF, 0xBB, 0xBF]) { return (.utf8, 3) }
    // No mark: the first character, `<` (or any ASCII character), as each encoding writes it.
    if bytes.count == 4 {
      if bytes[0] == 0, bytes[1] == 0, bytes[2] == 0, bytes[3] != 0 { return (.utf32BigEndian, 0) }
      if bytes[0] != 0, bytes[1] == 0, bytes[2] == 0, bytes[3] == 0 { return (.utf32LittleEndian, 0) }
      if bytes[0] == 0, bytes[1] != 0, bytes[2] == 0 { return (.utf16BigEndian, 0) }
      if bytes[0] != 0, bytes[1] == 0, bytes[3] == 0 { return (.utf16LittleEndian, 0) }
    }
    // An ASCII-compatible encoding: the declaration names it, UTF-8 when it does not.
    guard let declared = declaredEncoding(data) else { return (.utf8, 0) }
    switch declared.uppercased() {
    case "UTF-8", "UTF8", "US-ASCII", "ASCII": return (.utf8, 0)
    case "ISO-8859-1", "ISO_8859-1", "LATIN1", "LATIN-1": return (.latin1, 0)
    case let name where name.hasPrefix("UTF-16") || name.hasPrefix("UTF-32") || name.hasPrefix("UCS"):
      throw DecodingFailure(reason: "declares the encoding \"\(declared)\" but its bytes are not in it")
    default:
      throw DecodingFailure(
        reason:
          "declares the encoding \"\(declared)\", which is not read; save it as UTF-8 (or UTF-16, UTF-32)")
    }
  }

  /// The `encoding` pseudo-attribute of an XML declaration at the very start, if any.
  static func declaredEncoding(_ data: Data) -> String? {
    let head = [UInt8](data.prefix(256))
    guard head.starts(with: Array("<?xml".utf8)), let end = head.firstIndex(of: UInt8(ascii: ">")) else {
      return nil
    }
    let declaration = String(decoding: head[..<end], as: UTF8.self)
    guard let key = declaration.range(of: "encoding") else { return nil }
    let rest = declaration[key.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
    guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
    return String(rest.dropFirst().prefix { $0 != quote })
  }

  private static func transcode<Codec: UnicodeCodec>(
    _ units: [Codec.CodeUnit], from codec: Codec.Type, named encoding: Encoding
  ) throws(DecodingFailure) -> Data {
    var output: [UInt8] = []
    output.reserveCapacity(units.count)
    let failed = Swift.transcode(
      units.makeIterator(), from: codec, to: UTF8.self, stoppingOnError: true
    ) { output.append($0) }
    guard !failed else { throw DecodingFailure(reason: "is not valid \(encoding.rawValue)") }
    return Data(output)
  }
}
