/// Keeps markdown within what Ink can parse in bounded time and stack.
///
/// Ink reads every `[` as the start of a link, recursing into the link text and rewinding
/// when no `]` with a target follows; unclosed brackets nested inside each other make that
/// exponential (18 of them took seconds, 22 over a minute) and deep ones overflow the stack.
/// Brackets nested deeper than `maximumLinkNesting` are escaped (`\[`), which Ink renders as
/// a literal `[`; nothing inside code spans or fenced code blocks is touched.
enum MarkdownGuard {
  static let maximumLinkNesting = 4

  static func boundingLinkNesting(_ markdown: String) -> String {
    guard markdown.utf8.contains(UInt8(ascii: "[")) else { return markdown }
    var output = ""
    output.reserveCapacity(markdown.utf8.count)
    var depth = 0
    var inFence = false
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      if line.offset > 0 { output += "\n" }
      let trimmed = line.element.drop { $0 == " " }
      if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
        inFence.toggle()
        depth = 0
      }
      // A blank line ends the paragraph, and with it every open bracket.
      if inFence || trimmed.allSatisfy(\.isWhitespace) {
        if !inFence { depth = 0 }
        output += line.element
        continue
      }
      var inCode = false
      var previous: Character = " "
      for character in line.element {
        if character == "`" { inCode.toggle() }
        if !inCode, previous != "\\" {
          if character == "[" {
            depth += 1
            if depth > maximumLinkNesting {
              depth -= 1
              output += "\\["
              previous = "["
              continue
            }
          } else if character == "]" {
            depth = max(depth - 1, 0)
          }
        }
        output.append(character)
        previous = previous == "\\" && character == "\\" ? " " : character
      }
    }
    return output
  }
}
