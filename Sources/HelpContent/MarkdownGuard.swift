/// Keeps markdown within what Ink can parse in bounded time and stack.
///
/// Ink reads every `[` as the start of a link, recursing into the link text and rewinding
/// when no `]` with a target follows; unclosed brackets nested inside each other make that
/// exponential (18 of them took seconds, 22 over a minute) and deep ones overflow the stack.
/// So, paragraph by paragraph, a `[` that no `]` closes (it can never start a link) and one
/// nested deeper than `maximumLinkNesting` are escaped (`\[`), which Ink renders as a literal
/// `[`. Nothing inside code spans or fenced code blocks is touched.
enum MarkdownGuard {
  static let maximumLinkNesting = 4

  private struct Bracket {
    var line: Int
    var index: Int
    var opens: Bool
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

    var inFence = false
    for (number, line) in lines.enumerated() {
      let trimmed = line.drop { $0 == " " }
      if trimmed.starts(with: ["`", "`", "`"]) || trimmed.starts(with: ["~", "~", "~"]) {
        settle()
        inFence.toggle()
        continue
      }
      if inFence { continue }
      if trimmed.allSatisfy(\.isWhitespace) {
        settle()
        continue
      }
      // Code spans: backticks in pairs on the line. A backtick left without a partner is
      // text to Ink, and so are the brackets after it.
      let backticks = line.indices.filter { line[$0] == "`" }
      let lastPaired = backticks.count - backticks.count % 2
      var inCode = false
      var afterBackslash = false
      var backtick = 0
      for (index, character) in line.enumerated() {
        if character == "`" {
          if backtick < lastPaired { inCode.toggle() }
          backtick += 1
        }
        if !inCode, !afterBackslash, character == "[" || character == "]" {
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
