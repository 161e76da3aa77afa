/// Keeps markdown within what Ink can parse in bounded time, memory and stack.
///
/// Ink reads every `[` as the start of a link, recursing into the link text and rewinding
/// when no `]` with a target follows; unclosed brackets nested inside each other make that
/// exponential (18 of them took seconds, 22 over a minute) and deep ones overflow the stack.
/// So, paragraph by paragraph, a `[` that no `]` closes (it can never start a link) and one
/// nested deeper than `maximumLinkNesting` are escaped (`\[`), which Ink renders as a literal
/// `[`.
enum MarkdownGuard {
  static let maximumLinkNesting = 4

  private struct Bracket {
    var line: Int
    var index: Int
    var opens: Bool
  }

  /// Markdown that Ink renders in bounded time: brackets bounded (below), no `<p` that
  /// Ink cannot read as a tag, and one newline at the end.
  static func bounded(_ markdown: String) -> String {
    endingWithOneNewline(boundingLinkNesting(escapingUnclosedParagraphTags(withoutInkMetadata(markdown))))
  }

  /// After a list item, Ink reads a line of only white space as the indentation of a nested
  /// list, and when that line is the last and has no newline, its reader runs off the end of
  /// the text: a crash ("String index is out of bounds"). White space at the end of the text
  /// renders nothing, so it is removed and the text ends with one newline.
  static func endingWithOneNewline(_ markdown: String) -> String {
    var text = Substring(markdown)
    while let last = text.last, last.isWhitespace { text.removeLast() }
    return text.isEmpty ? "" : text + "\n"
  }

  /// Ink reads a `---` line at the start as its own metadata block (the loader has read the
  /// front matter already), and its reader runs off the end of the text when that block is
  /// not closed: a crash. A leading `---` becomes `***`, the same thematic break.
  static func withoutInkMetadata(_ markdown: String) -> String {
    let start = markdown.firstIndex { !$0.isWhitespace } ?? markdown.endIndex
    guard markdown[start...].hasPrefix("---\n") else { return markdown }
    return markdown[..<start] + "***" + markdown[markdown.index(start, offsetBy: 3)...]
  }

  /// Ink ends a paragraph before `<p` (or `<P`, `<pre`...) and reads an HTML block there;
  /// with no `>` anywhere after it that read fails, the paragraph it falls back to is empty,
  /// and Ink loops forever, appending empty paragraphs until memory runs out. Such a `<`
  /// (outside fenced code) is written `&lt;`, which renders as the same text.
  static func escapingUnclosedParagraphTags(_ markdown: String) -> String {
    let utf8 = Array(markdown.utf8)
    let lastClose = utf8.lastIndex(of: UInt8(ascii: ">")) ?? -1
    var positions: [Int] = []
    var index = lastClose + 1
    while index + 1 < utf8.count {
      if utf8[index] == UInt8(ascii: "<"), utf8[index + 1] | 0x20 == UInt8(ascii: "p") {
        positions.append(index)
      }
      index += 1
    }
    guard !positions.isEmpty else { return markdown }
    var output = [UInt8]()
    output.reserveCapacity(utf8.count + positions.count * 3)
    var next = 0
    for (offset, byte) in utf8.enumerated() {
      if next < positions.count, positions[next] == offset {
        next += 1
        output += Array("&lt;".utf8)
        continue
      }
      output.append(byte)
    }
    return String(decoding: output, as: UTF8.self)
  }

  static func boundingLinkNesting(_ markdown: String) -> String {
    guard markdown.utf8.contains(UInt8(ascii: "[")) else { return markdown }
    let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
    var escaped: [Int: Set<Int>] = [:]
    var paragraph: [Bracket] = []

    func settle() {
      // Pair the brackets; a `[` left open can never start a link.
      var partner = [Int?](repeating: nil, count: paragraph.count)
      var open: [Int] = []
      for (position, bracket) in paragraph.enumerated() {
        if bracket.opens {
          open.append(position)
        } else if let opener = open.popLast() {
          partner[opener] = position
          partner[position] = opener
        }
      }
      // Among the pairs, the ones nested too deep.
      var depth = 0
      for (position, bracket) in paragraph.enumerated() {
        guard partner[position] != nil else {
          if bracket.opens { escaped[bracket.line, default: []].insert(bracket.index) }
          continue
        }
        if bracket.opens {
          depth += 1
          if depth > maximumLinkNesting { escaped[bracket.line, default: []].insert(bracket.index) }
        } else {
          depth -= 1
        }
      }
      paragraph.removeAll()
    }

    // Code spans and blocks are not exempt: where the guard and Ink disagree on what is code
    // (an unclosed fence, an escaped backtick), Ink would try the brackets. An escaped bracket
    // in code shows its backslash, a small price for so rare a case.
    for (number, line) in lines.enumerated() {
      if line.allSatisfy(\.isWhitespace) {
        settle()
        continue
      }
      var afterBackslash = false
      for (index, character) in line.enumerated() {
        if !afterBackslash, character == "[" || character == "]" {
          paragraph.append(Bracket(line: number, index: index, opens: character == "["))
        }
        afterBackslash = character == "\\" && !afterBackslash
      }
    }
    settle()
    guard !escaped.isEmpty else { return markdown }

    var output = ""
    output.reserveCapacity(markdown.utf8.count + escaped.count)
    for (number, line) in lines.enumerated() {
      if number > 0 { output += "\n" }
      guard let positions = escaped[number] else {
        output += String(line)
        continue
      }
      for (index, character) in line.enumerated() {
        if positions.contains(index) { output += "\\" }
        output.append(character)
      }
    }
    return output
  }
}
