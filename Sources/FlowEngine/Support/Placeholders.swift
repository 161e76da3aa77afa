import Foundation

/// Named parameters in messages, written `{name}`.
public enum Placeholders {
  /// The names of the placeholders in `text`, in order of first appearance.
  public static func names(in text: String) -> [String] {
    var names: [String] = []
    var current: String?
    for character in text {
      switch character {
      case "{": current = ""
      case "}":
        if let name = current, !name.isEmpty, !names.contains(name) { names.append(name) }
        current = nil
      default:
        if current != nil {
          if character.isLetter || character.isNumber { current?.append(character) } else { current = nil }
        }
      }
    }
    return names
  }

  /// Replaces each `{name}` with its value, and writes the ones without a value as a name a
  /// reader recognizes as such, `‹name›`, never as raw `{name}`.
  public static func fillForReaders(_ text: String, with parameters: [String: String]) -> String {
    var result = fill(text, with: parameters)
    for name in names(in: result) {
      result = result.replacingOccurrences(of: "{\(name)}", with: "‹\(name)›")
    }
    return result
  }

  /// Replaces each `{name}` with its value; unknown names stay as written.
  public static func fill(_ text: String, with parameters: [String: String]) -> String {
    guard !parameters.isEmpty, text.contains("{") else { return text }
    var result = text
    for (name, value) in parameters {
      result = result.replacingOccurrences(of: "{\(name)}", with: value)
    }
    return result
  }
}
