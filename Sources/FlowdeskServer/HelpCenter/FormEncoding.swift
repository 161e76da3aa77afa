import Foundation

/// Query strings as HTML forms send them (application/x-www-form-urlencoded, as the WHATWG
/// URL standard defines it): a space is `+`, and every byte of the UTF-8 text other than
/// ASCII letters, digits and `*-._` is percent-encoded, so `&`, `=`, `+`, `#` and `%` in a
/// value never split or end it.
enum FormEncoding {
  /// `name=value` pairs joined with `&`.
  static func encode(_ pairs: [(name: String, value: String)]) -> String {
    pairs.map { "\(encode($0.name))=\(encode($0.value))" }.joined(separator: "&")
  }

  static func encode(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "_"):
        result.unicodeScalars.append(Unicode.Scalar(byte))
      case UInt8(ascii: " "):
        result += "+"
      default:
        result +=
          "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
      }
    }
    return result
  }

  /// The pairs of a raw query string, in order. `+` is a space; a malformed percent escape is
  /// kept as written.
  static func decode(_ query: String?) -> [(name: String, value: String)] {
    guard let query, !query.isEmpty else { return [] }
    return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
      guard let equals = pair.firstIndex(of: "=") else { return (decodeComponent(pair), "") }
      return (decodeComponent(pair[..<equals]), decodeComponent(pair[pair.index(after: equals)...]))
    }
  }

  /// The first value named `name` in a raw query string.
  static func value(_ name: String, in query: String?) -> String? {
    decode(query).first { $0.name == name }?.value
  }

  static func decodeComponent(_ text: Substring) -> String {
    let spaced = text.replacingOccurrences(of: "+", with: " ")
    return spaced.removingPercentEncoding ?? spaced
  }
}
