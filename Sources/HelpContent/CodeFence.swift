/// The opening line of a fenced code block, as CommonMark reads one: three or more backticks
/// or tildes, then an info string (whose first word is the language). A backtick fence's info
/// string has no backtick, so ```` ```x``` ```` is inline code, not a fence. The fence may be
/// indented by any amount: inside a list item or a definition it is, and the content of a code
/// block is code wherever the block sits.
struct CodeFence: Sendable, Hashable {
  /// The spaces and tabs before the marker.
  var indent: Int
  /// `` ` `` or `~`.
  var marker: UInt8
  /// How many markers open the block; a closing fence has at least as many.
  var length: Int
  /// What follows the markers, trimmed.
  var info: Substring

  private static let backtick = UInt8(ascii: "`")
  private static let tilde = UInt8(ascii: "~")

  /// The fence `line` opens, or nil when it opens none.
  static func opening(_ line: Substring) -> CodeFence? {
    let bytes = line.utf8
    let (start, indent) = indentation(of: line)
    guard start < bytes.endIndex, bytes[start] == backtick || bytes[start] == tilde else { return nil }
    let marker = bytes[start]
    let (index, length) = run(of: marker, in: line, from: start)
    guard length >= 3 else { return nil }
    let rest = line[index...]
    if marker == backtick, rest.utf8.contains(backtick) { return nil }
    return CodeFence(indent: indent, marker: marker, length: length, info: trimmed(rest))
  }

  /// Whether `line` closes this fence: the same marker, at least as many of them, and nothing
  /// after them but white space.
  func isClosed(by line: Substring) -> Bool {
    let bytes = line.utf8
    let (index, count) = Self.run(of: marker, in: line, from: Self.indentation(of: line).end)
    guard count >= length else { return false }
    return bytes[index...].allSatisfy(Self.isTrailingSpace)
  }

  private static func trimmed(_ text: Substring) -> Substring {
    var text = text[indentation(of: text).end...]
    while let last = text.utf8.last, isTrailingSpace(last) { text = text.dropLast() }
    return text
  }

  /// Where the spaces and tabs that start a line end, and how many there are.
  private static func indentation(of line: Substring) -> (end: String.Index, count: Int) {
    let bytes = line.utf8
    var index = bytes.startIndex
    var count = 0
    while index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
      count += 1
      index = bytes.index(after: index)
    }
    return (index, count)
  }

  /// Where a run of `marker` bytes that starts at `start` ends, and how long it is.
  private static func run(of marker: UInt8, in line: Substring, from start: String.Index) -> (
    end: String.Index, count: Int
  ) {
    let bytes = line.utf8
    var index = start
    var count = 0
    while index < bytes.endIndex, bytes[index] == marker {
      count += 1
      index = bytes.index(after: index)
    }
    return (index, count)
  }

  /// White space at the end of a line, which may end with the CR of a CRLF file.
  private static func isTrailingSpace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
  }
}

/// Reads lines in order and tells which are fences, which are code inside a fenced block and
/// which are text. A block that is never closed runs to the end, as in CommonMark.
struct FenceTracker: Sendable {
  enum Kind: Sendable, Hashable {
    /// A line outside fenced code.
    case text
    /// The line opens a block.
    case opening(CodeFence)
    /// The line closes the open block.
    case closing
    /// A line inside the open block.
    case code
  }

  /// The block the lines are in, if any.
  private(set) var open: CodeFence?

  mutating func read(_ line: Substring) -> Kind {
    if let fence = open {
      guard fence.isClosed(by: line) else { return .code }
      open = nil
      return .closing
    }
    guard let fence = CodeFence.opening(line) else { return .text }
    open = fence
    return .opening(fence)
  }
}
