/// JSON text written directly (RFC 8259), for the paths where Foundation's encoders cost more
/// than the work around them: a store row's list columns and the body of every webhook.
public enum JSONText {
  /// Appends `string` as a JSON string literal: quotes, backslashes and control characters
  /// escaped, everything else (slashes and non-ASCII included) as it is.
  public static func appendString(_ string: String, to text: inout String) {
    text += "\""
    defer { text += "\"" }
    // Most strings need no escape: appended whole, not a scalar at a time.
    guard string.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) else {
      text += string
      return
    }
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": text += "\\\""
      case "\\": text += "\\\\"
      case "\n": text += "\\n"
      case "\r": text += "\\r"
      case "\t": text += "\\t"
      case _ where scalar.value < 0x20:
        let digits = Array("0123456789abcdef".unicodeScalars)
        text += "\\u00"
        text.unicodeScalars.append(digits[Int(scalar.value >> 4)])
        text.unicodeScalars.append(digits[Int(scalar.value & 0xF)])
      default: text.unicodeScalars.append(scalar)
      }
    }
  }

  /// Appends the name of an object's member, `"name":`, after a comma unless it is the
  /// object's first (`first` then becomes false). Names are the writer's own identifiers, so
  /// they are not escaped.
  public static func appendMemberName(_ name: String, first: inout Bool, to text: inout String) {
    text += first ? "\"" : ",\""
    text += name
    text += "\":"
    first = false
  }

  /// Appends `string` as a JSON string literal, or `null` when it is nil.
  public static func appendString(orNull string: String?, to text: inout String) {
    if let string { appendString(string, to: &text) } else { text += "null" }
  }

}
