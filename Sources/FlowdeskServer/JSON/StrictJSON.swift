import Foundation

/// A JSON value, as RFC 8259 defines it. Numbers keep their text, so nothing is rounded on
/// the way through a merge patch.
indirect enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case number(String)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// The value as compact JSON text.
  var serialized: String {
    var out = ""
    write(into: &out)
    return out
  }

  private func write(into out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .number(let text): out += text
    case .string(let text): Self.quote(text, into: &out)
    case .array(let items):
      out += "["
      for (index, item) in items.enumerated() {
        if index > 0 { out += "," }
        item.write(into: &out)
      }
      out += "]"
    case .object(let members):
      out += "{"
      for (index, key) in members.keys.sorted().enumerated() {
        if index > 0 { out += "," }
        Self.quote(key, into: &out)
        out += ":"
        members[key]!.write(into: &out)
      }
      out += "}"
    }
  }

  /// The same escaping as `JSONText.appendString`, written again: the fuzz package compiles
  /// this file on its own, without FlowEngine.
  private static func quote(_ text: String, into out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        out +=
          "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
          + String(scalar.value, radix: 16)
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }

  /// RFC 7396: applies a JSON merge patch to this value.
  func merging(patch: JSONValue) -> JSONValue {
    guard case .object(let changes) = patch else { return patch }
    var members: [String: JSONValue]
    if case .object(let current) = self { members = current } else { members = [:] }
    for (key, change) in changes {
      if change == .null {
        members[key] = nil
      } else {
        members[key] = (members[key] ?? .null).merging(patch: change)
      }
    }
    return .object(members)
  }
}

/// One step of the way to a field of a body: a member's key or an item's index.
enum FieldPathStep: Sendable, Equatable {
  case key(String)
  case index(Int)

  /// A field's name as problems give it, `steps[1].name`; `(body)` for the body itself.
  static func name(of path: some Sequence<FieldPathStep>) -> String {
    var text = ""
    for step in path {
      switch step {
      case .key(let key): text += text.isEmpty ? key : ".\(key)"
      case .index(let index): text += "[\(index)]"
      }
    }
    return text.isEmpty ? "(body)" : text
  }
}

/// Why a body is not JSON, or holds what no field may, with where: each reason but
/// `nulCharacter` has a catalog string `json.<reason>`.
struct JSONSyntaxError: Error, Sendable, Equatable {
  enum Reason: String, Sendable {
    case unexpectedEnd, unexpectedCharacter, trailingComma, invalidNumber, invalidString, invalidEscape,
      invalidUTF8, tooDeep, duplicateKey, trailingData, emptyBody
    /// `\u0000` in a string: valid JSON, but a field problem (`reason.nulCharacter`), since
    /// no text can keep it (SQLite's readers end a text at it, and PostgreSQL refuses it).
    case nulCharacter
  }
  let reason: Reason
  /// Byte offset, 1-based line and column (in characters) of the problem.
  let offset: Int
  let line: Int
  let column: Int
  /// For `nulCharacter`: the steps to the field the problem is in, innermost first, added
  /// by each enclosing object and array as the error leaves it (`inside(_:)`), so that
  /// parsing keeps no path while nothing is wrong.
  private(set) var stepsOut: [FieldPathStep] = []

  /// The field the problem is in, written as field problems name it (`steps[1].name`);
  /// `(body)` at the top. Set for `nulCharacter` only.
  var field: String? { reason == .nulCharacter ? FieldPathStep.name(of: stepsOut.reversed()) : nil }

  /// This error as seen from the object member or array item that holds where it is.
  func inside(_ step: FieldPathStep) -> JSONSyntaxError {
    guard reason == .nulCharacter else { return self }
    var outer = self
    outer.stepsOut.append(step)
    return outer
  }
}

/// A strict RFC 8259 parser: no trailing commas, no comments, no duplicate keys, valid
/// UTF-8 only, no U+0000 in a string, and nesting bounded, so that nothing it accepts can
/// fail to be stored or read back. JSONDecoder then decodes what it accepted.
struct StrictJSONParser {
  /// The deepest nesting of arrays and objects a request body may have.
  static let maximumDepth = 32
  /// The deepest nesting accepted when re-reading what Flowdesk itself wrote (a stored
  /// definition, encoded again): it was accepted at most `maximumDepth` deep, and encoding
  /// it adds no more than a few levels. Finite, so that no input, stored or not, can carry
  /// the parser's recursion off the end of its thread's stack.
  static let storedMaximumDepth = 4 * maximumDepth

  private let bytes: [UInt8]
  private var index = 0
  private let maximumDepth: Int
  private let allowsNul: Bool

  private init(_ bytes: [UInt8], maximumDepth: Int, allowsNul: Bool) {
    self.bytes = bytes
    self.maximumDepth = maximumDepth
    self.allowsNul = allowsNul
  }

  /// `allowsNul`: U+0000 is accepted in strings; only for re-reading what Flowdesk itself
  /// wrote before NUL characters were refused.
  static func parse(
    _ data: some Collection<UInt8>, maximumDepth: Int = maximumDepth, allowsNul: Bool = false
  ) throws(JSONSyntaxError) -> JSONValue {
    var parser = StrictJSONParser(Array(data), maximumDepth: maximumDepth, allowsNul: allowsNul)
    // A UTF-8 byte order mark is not JSON text (RFC 8259, section 8.1) but is tolerated.
    if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
    parser.skipWhitespace()
    guard parser.index < parser.bytes.count else { throw parser.error(.emptyBody) }
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.index == parser.bytes.count else { throw parser.error(.trailingData) }
    return value
  }

  private func error(_ reason: JSONSyntaxError.Reason, at offset: Int? = nil) -> JSONSyntaxError {
    let offset = min(offset ?? index, bytes.count)
    var line = 1
    var column = 1
    for byte in bytes[..<offset] {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return JSONSyntaxError(reason: reason, offset: offset, line: line, column: column)
  }

  private mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

  private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    guard let byte = current else { throw error(.unexpectedEnd) }
    switch byte {
    case UInt8(ascii: "{"): return try object(depth: depth + 1)
    case UInt8(ascii: "["): return try array(depth: depth + 1)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
    default: throw error(.unexpectedCharacter)
    }
  }

  private mutating func literal(_ word: String, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
    for expected in word.utf8 {
      guard let byte = current else { throw error(.unexpectedEnd) }
      guard byte == expected else { throw error(.unexpectedCharacter) }
      index += 1
    }
    return value
  }

  private mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    guard depth <= maximumDepth else { throw error(.tooDeep) }
    index += 1
    var members: [String: JSONValue] = [:]
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard let byte = current else { throw error(.unexpectedEnd) }
      guard byte == UInt8(ascii: "\"") else {
        throw error(byte == UInt8(ascii: "}") && !members.isEmpty ? .trailingComma : .unexpectedCharacter)
      }
      let keyStart = index
      let key = try string()
      guard members[key] == nil else { throw error(.duplicateKey, at: keyStart) }
      skipWhitespace()
      guard let colon = current else { throw error(.unexpectedEnd) }
      guard colon == UInt8(ascii: ":") else { throw error(.unexpectedCharacter) }
      index += 1
      skipWhitespace()
      do {
        members[key] = try value(depth: depth)
      } catch {
        throw error.inside(.key(key))
      }
      skipWhitespace()
      guard let next = current else { throw error(.unexpectedEnd) }
      index += 1
      if next == UInt8(ascii: "}") { return .object(members) }
      guard next == UInt8(ascii: ",") else {
        index -= 1
        throw error(.unexpectedCharacter)
      }
    }
  }

  private mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    guard depth <= maximumDepth else { throw error(.tooDeep) }
    index += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      index += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      if current == UInt8(ascii: "]") { throw error(.trailingComma) }
      do {
        items.append(try value(depth: depth))
      } catch {
        throw error.inside(.index(items.count))
      }
      skipWhitespace()
      guard let next = current else { throw error(.unexpectedEnd) }
      index += 1
      if next == UInt8(ascii: "]") { return .array(items) }
      guard next == UInt8(ascii: ",") else {
        index -= 1
        throw error(.unexpectedCharacter)
      }
    }
  }

  private mutating func number() throws(JSONSyntaxError) -> JSONValue {
    let start = index
    func digits() -> Int {
      var count = 0
      while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
        index += 1
        count += 1
      }
      return count
    }
    if current == UInt8(ascii: "-") { index += 1 }
    if current == UInt8(ascii: "0") {
      index += 1
    } else if digits() == 0 {
      throw error(.invalidNumber, at: start)
    }
    if current == UInt8(ascii: ".") {
      index += 1
      guard digits() > 0 else { throw error(.invalidNumber, at: start) }
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      index += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
      guard digits() > 0 else { throw error(.invalidNumber, at: start) }
    }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    guard let value = Double(text), value.isFinite else { throw error(.invalidNumber, at: start) }
    return .number(text)
  }

  private mutating func string() throws(JSONSyntaxError) -> String {
    index += 1
    var scalars = String.UnicodeScalarView()
    while true {
      guard let byte = current else { throw error(.unexpectedEnd) }
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        return String(scalars)
      case UInt8(ascii: "\\"):
        index += 1
        scalars.append(try escape())
      case 0..<0x20:
        throw error(.invalidString)
      case 0..<0x80:
        scalars.append(Unicode.Scalar(byte))
        index += 1
      default:
        scalars.append(try utf8Scalar())
      }
    }
  }

  private mutating func escape() throws(JSONSyntaxError) -> Unicode.Scalar {
    let start = index - 1
    guard let byte = current else { throw error(.unexpectedEnd) }
    index += 1
    switch byte {
    case UInt8(ascii: "\""): return "\""
    case UInt8(ascii: "\\"): return "\\"
    case UInt8(ascii: "/"): return "/"
    case UInt8(ascii: "b"): return "\u{08}"
    case UInt8(ascii: "f"): return "\u{0C}"
    case UInt8(ascii: "n"): return "\n"
    case UInt8(ascii: "r"): return "\r"
    case UInt8(ascii: "t"): return "\t"
    case UInt8(ascii: "u"):
      let first = try hex4()
      if (0xD800..<0xDC00).contains(first) {
        guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
        else { throw error(.invalidEscape) }
        index += 2
        let second = try hex4()
        guard (0xDC00..<0xE000).contains(second) else { throw error(.invalidEscape) }
        return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
      }
      guard let scalar = Unicode.Scalar(first) else { throw error(.invalidEscape) }
      guard scalar != "\0" || allowsNul else { throw error(.nulCharacter, at: start) }
      return scalar
    default:
      index -= 1
      throw error(.invalidEscape)
    }
  }

  private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let byte = current else { throw error(.unexpectedEnd) }
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw error(.invalidEscape)
      }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  /// One UTF-8 encoded scalar of two to four bytes; overlong forms and surrogates are refused.
  private mutating func utf8Scalar() throws(JSONSyntaxError) -> Unicode.Scalar {
    let lead = bytes[index]
    let (count, minimum, initial): (Int, UInt32, UInt32) =
      switch lead {
      case 0xC2...0xDF: (2, 0x80, UInt32(lead & 0x1F))
      case 0xE0...0xEF: (3, 0x800, UInt32(lead & 0x0F))
      case 0xF0...0xF4: (4, 0x10000, UInt32(lead & 0x07))
      default: (0, 0, 0)
      }
    guard count > 0, index + count <= bytes.count else { throw error(.invalidUTF8) }
    var value = initial
    for offset in 1..<count {
      let byte = bytes[index + offset]
      guard byte & 0xC0 == 0x80 else { throw error(.invalidUTF8) }
      value = value << 6 | UInt32(byte & 0x3F)
    }
    guard value >= minimum, let scalar = Unicode.Scalar(value) else { throw error(.invalidUTF8) }
    index += count
    return scalar
  }
}
