import Foundation

/// Reading back the flat JSON the store writes: a list of strings, or a map of strings to
/// strings. Contacts and participants are read by the thousand when paging, and Foundation's
/// JSON parser cost more than the rest of the row. Anything this reader does not expect
/// (nesting, numbers, malformed text) goes to `JSONSerialization` instead.
extension SQLiteFlowStore {
  static func jsonStrings(_ text: String?) -> [String]? {
    guard let text else { return nil }
    var reader = FlatJSONReader(text)
    return reader.strings() ?? jsonObject(text, as: [String].self)
  }

  static func jsonStringMap(_ text: String?) -> [String: String]? {
    guard let text else { return nil }
    var reader = FlatJSONReader(text)
    return reader.stringMap() ?? jsonObject(text, as: [String: String].self)
  }
}

/// A reader of RFC 8259 text limited to one array of strings or one object of strings.
struct FlatJSONReader {
  private let bytes: [UInt8]
  private var position = 0

  init(_ text: String) { bytes = Array(text.utf8) }

  mutating func strings() -> [String]? {
    guard take(UInt8(ascii: "[")) else { return nil }
    var list: [String] = []
    if take(UInt8(ascii: "]")) { return atEnd() ? list : nil }
    repeat {
      guard let item = string() else { return nil }
      list.append(item)
    } while take(UInt8(ascii: ","))
    return take(UInt8(ascii: "]")) && atEnd() ? list : nil
  }

  mutating func stringMap() -> [String: String]? {
    guard take(UInt8(ascii: "{")) else { return nil }
    var map: [String: String] = [:]
    if take(UInt8(ascii: "}")) { return atEnd() ? map : nil }
    repeat {
      guard let key = string(), take(UInt8(ascii: ":")), let value = string() else { return nil }
      map[key] = value
    } while take(UInt8(ascii: ","))
    return take(UInt8(ascii: "}")) && atEnd() ? map : nil
  }

  private mutating func skipSpace() {
    while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
  }

  private mutating func take(_ byte: UInt8) -> Bool {
    skipSpace()
    guard position < bytes.count, bytes[position] == byte else { return false }
    position += 1
    return true
  }

  private mutating func atEnd() -> Bool {
    skipSpace()
    return position == bytes.count
  }

  /// A string literal; nil when malformed.
  private mutating func string() -> String? {
    guard take(UInt8(ascii: "\"")) else { return nil }
    var start = position
    var result = ""
    var hasEscapes = false
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        let tail = String(decoding: bytes[start..<position], as: UTF8.self)
        position += 1
        return hasEscapes ? result + tail : tail
      }
      if byte < 0x20 { return nil }
      guard byte == UInt8(ascii: "\\") else {
        position += 1
        continue
      }
      hasEscapes = true
      result += String(decoding: bytes[start..<position], as: UTF8.self)
      position += 1
      guard position < bytes.count else { return nil }
      let escape = bytes[position]
      position += 1
      switch escape {
      case UInt8(ascii: "\""): result += "\""
      case UInt8(ascii: "\\"): result += "\\"
      case UInt8(ascii: "/"): result += "/"
      case UInt8(ascii: "b"): result += "\u{08}"
      case UInt8(ascii: "f"): result += "\u{0C}"
      case UInt8(ascii: "n"): result += "\n"
      case UInt8(ascii: "r"): result += "\r"
      case UInt8(ascii: "t"): result += "\t"
      case UInt8(ascii: "u"):
        guard var scalar = hex4() else { return nil }
        if (0xD800..<0xDC00).contains(scalar) {
          // A high surrogate must be followed by an escaped low one.
          guard take(UInt8(ascii: "\\")), position < bytes.count, bytes[position] == UInt8(ascii: "u") else {
            return nil
          }
          position += 1
          guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else { return nil }
        result.unicodeScalars.append(unicode)
      default: return nil
      }
      start = position
    }
    return nil
  }

  private mutating func hex4() -> UInt32? {
    guard position + 4 <= bytes.count else { return nil }
    var value: UInt32 = 0
    for byte in bytes[position..<position + 4] {
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: return nil
      }
      value = value << 4 + UInt32(digit)
    }
    position += 4
    return value
  }
}
