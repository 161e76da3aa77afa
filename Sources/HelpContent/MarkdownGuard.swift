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

  /// Markdown that Ink renders in bounded time, and reads as CommonMark does where it would
  /// not: LF line ends, fenced code, autolinks and HTML in forms Ink knows (below and in
  /// `MarkdownGuard+HTML.swift`), brackets bounded, no `<p` that Ink cannot read as a tag, and
  /// one newline at the end. Every line stays where it was.
  static func bounded(_ markdown: String) -> String {
    endingWithOneNewline(
      boundingLinkNesting(
        escapingUnclosedParagraphTags(
          htmlInkCanRead(autolinksInkCanRead(fencesInkCanRead(withoutInkMetadata(withLFLineEnds(markdown))))))
      ))
  }

  /// Ink ends a fenced block only at a fence that follows a `\n` character, and in a CRLF file
  /// every line ends with the one character CR LF: no block there ever closed, and the rest of
  /// the file became code. Each CR LF becomes LF; the lines stay where they are.
  static func withLFLineEnds(_ markdown: String) -> String {
    guard markdown.utf8.contains(UInt8(ascii: "\r")) else { return markdown }
    var output: [UInt8] = []
    output.reserveCapacity(markdown.utf8.count)
    var pendingCR = false
    for byte in markdown.utf8 {
      if pendingCR, byte != UInt8(ascii: "\n") { output.append(UInt8(ascii: "\r")) }
      pendingCR = byte == UInt8(ascii: "\r")
      if !pendingCR { output.append(byte) }
    }
    if pendingCR { output.append(UInt8(ascii: "\r")) }
    return String(decoding: output, as: UTF8.self)
  }

  /// Ink does not know CommonMark's autolinks (`<https://example.com>`, `<team@example.com>`):
  /// it reads one as an HTML tag that is never closed, and takes the rest of the file into
  /// that paragraph as raw text. Every heading, link and link definition after it was lost
  /// (seen in Hugo's documentation). Outside code, each autolink is written as the link it
  /// is, `[https://example.com](https://example.com)`, on the same line.
  static func autolinksInkCanRead(_ markdown: String) -> String {
    guard markdown.utf8.contains(UInt8(ascii: "<")) else { return markdown }
    var fences = FenceTracker()
    var changed = false
    let lines = lines(of: markdown).map { line -> Substring in
      guard fences.read(line) == .text, line.utf8.contains(UInt8(ascii: "<")) else { return line }
      let rewritten = autolinksRewritten(Array(line.utf8))
      guard let rewritten else { return line }
      changed = true
      return Substring(String(decoding: rewritten, as: UTF8.self))
    }
    return changed ? lines.joined(separator: "\n") : markdown
  }

  /// One line with its autolinks outside code spans written as links; nil when it has none.
  /// Linear in the line: it is read once for its code spans, once for its autolinks.
  private static func autolinksRewritten(_ line: [UInt8]) -> [UInt8]? {
    let code = codeSpans(line)
    var output: [UInt8] = []
    var index = 0
    var span = 0
    var found = false
    while index < line.count {
      // A span that starts inside an autolink already written is not one.
      while span < code.count, code[span].lowerBound < index { span += 1 }
      if span < code.count, code[span].lowerBound == index {
        output += line[code[span]]
        index = code[span].upperBound
        span += 1
      } else if line[index] == UInt8(ascii: "<"), !startsDestination(line, at: index),
        let (length, link) = autolink(in: line, at: index)
      {
        output += link
        index += length
        found = true
      } else {
        output.append(line[index])
        index += 1
      }
    }
    return found ? output : nil
  }

  /// The code spans of a line, in order: each from a run of backticks to the next run exactly
  /// as long.
  static func codeSpans(_ line: [UInt8]) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    var index = 0
    while index < line.count {
      guard line[index] == UInt8(ascii: "`") else {
        index += 1
        continue
      }
      let start = index
      while index < line.count, line[index] == UInt8(ascii: "`") { index += 1 }
      runs.append(start..<index)
    }
    guard runs.count > 1 else { return [] }
    // The next run as long as each one, found from the end in one pass.
    var nextOfLength: [Int: Int] = [:]
    var next = [Int?](repeating: nil, count: runs.count)
    for run in runs.indices.reversed() {
      next[run] = nextOfLength[runs[run].count]
      nextOfLength[runs[run].count] = run
    }
    var spans: [Range<Int>] = []
    var run = 0
    while run < runs.count {
      guard let closing = next[run] else {
        run += 1
        continue
      }
      spans.append(runs[run].lowerBound..<runs[closing].upperBound)
      run = closing + 1
    }
    return spans
  }

  /// What is escaped in a link's text, so that an address reads as it is written.
  private static let markdownPunctuation = Array("\\`*_[]".utf8)

  /// The autolink that starts at `start` (its `<`): its length and the link it becomes.
  private static func autolink(in line: [UInt8], at start: Int) -> (Int, [UInt8])? {
    // No white space and no `<` inside, so a search never passes the next `<`.
    var close = start + 1
    while close < line.count, line[close] != UInt8(ascii: ">") {
      if line[close] <= 0x20 || line[close] == UInt8(ascii: "<") { return nil }
      close += 1
    }
    guard close < line.count else { return nil }
    let inside = line[(start + 1)..<close]
    let destination: ArraySlice<UInt8>
    if isURI(inside) {
      destination = inside
    } else if isEmail(inside) {
      destination = ArraySlice("mailto:".utf8) + inside
    } else {
      return nil
    }
    var link: [UInt8] = [UInt8(ascii: "[")]
    for byte in inside {
      if markdownPunctuation.contains(byte) { link.append(UInt8(ascii: "\\")) }
      link.append(byte)
    }
    link.append(contentsOf: "](".utf8)
    for byte in destination {
      switch byte {
      case UInt8(ascii: "("): link.append(contentsOf: "%28".utf8)
      case UInt8(ascii: ")"): link.append(contentsOf: "%29".utf8)
      case UInt8(ascii: "\\"): link.append(contentsOf: "%5C".utf8)
      default: link.append(byte)
      }
    }
    link.append(UInt8(ascii: ")"))
    return (close - start + 1, link)
  }

  /// CommonMark's URI autolink: a scheme of 2 to 32 letters, digits, `+`, `.` or `-`,
  /// starting with a letter, then `:`.
  private static func isURI(_ text: ArraySlice<UInt8>) -> Bool {
    guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else { return false }
    let scheme = text[..<colon]
    guard (2...32).contains(scheme.count), let first = scheme.first, isLetter(first) else { return false }
    return scheme.allSatisfy {
      isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: ".")
        || $0 == UInt8(ascii: "-")
    }
  }

  private static let emailPunctuation = Array(".!#$%&'*+/=?^_`{|}~-".utf8)

  /// CommonMark's email autolink: a local part, `@`, and dot-separated labels of letters,
  /// digits and inner hyphens.
  private static func isEmail(_ text: ArraySlice<UInt8>) -> Bool {
    guard let at = text.firstIndex(of: UInt8(ascii: "@")) else { return false }
    let local = text[..<at]
    guard !local.isEmpty, local.allSatisfy({ isLetter($0) || isDigit($0) || emailPunctuation.contains($0) })
    else { return false }
    let labels = text[text.index(after: at)...].split(
      separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    return labels.allSatisfy { label in
      guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
      return (isLetter(first) || isDigit(first)) && (isLetter(last) || isDigit(last))
        && label.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }
  }

  static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
  static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  /// Ink knows one form of fenced code: backticks at the start of a line, closed by as many
  /// backticks at the start of a line. It drops the indentation of an opening fence but not
  /// of the closing one, so a block indented under a list item or a definition is never
  /// closed, and takes in the rest of the file as code: link definitions at the end are then
  /// lost, and every link that used them points nowhere (seen in Hugo's documentation). It
  /// reads `~~~` blocks as text. So each fenced block (`CodeFence`) is rewritten in Ink's
  /// form: unindented, with as many backticks as no line of its code starts with, and its
  /// code lines without the fence's indentation, as CommonMark reads them. Lines stay where
  /// they are, so line numbers still hold.
  static func fencesInkCanRead(_ markdown: String) -> String {
    guard markdown.utf8.contains(UInt8(ascii: "`")) || markdown.utf8.contains(UInt8(ascii: "~")) else {
      return markdown
    }
    let lines = lines(of: markdown)
    var fences = FenceTracker()
    // Each block's lines: where it opens, its fence, where it closes (if it does).
    var blocks: [(open: Int, fence: CodeFence, close: Int?)] = []
    for (number, line) in lines.enumerated() {
      switch fences.read(line) {
      case .opening(let fence): blocks.append((number, fence, nil))
      case .closing: blocks[blocks.count - 1].close = number
      case .text, .code: continue
      }
    }
    func leadingBackticks(_ line: Substring) -> Int { line.utf8.prefix { $0 == UInt8(ascii: "`") }.count }
    // Ink reads a block as CommonMark does when it is unindented backticks, closed by exactly
    // as many, with no code line that starts with exactly as many (`` ``` text `` is code to
    // CommonMark, a closing fence to Ink).
    let inkForm = blocks.allSatisfy { block in
      block.fence.indent == 0 && block.fence.marker == UInt8(ascii: "`")
        && block.close.map { lines[$0].utf8.count == block.fence.length } ?? true
        && !lines[(block.open + 1)..<(block.close ?? lines.count)].contains {
          leadingBackticks($0) == block.fence.length
        }
    }
    guard !inkForm else { return markdown }
    var output = lines.map(String.init)
    for block in blocks {
      let end = block.close ?? lines.count
      let code = (block.open + 1)..<end
      func unindented(_ line: Substring) -> Substring {
        var line = line
        var removed = 0
        while removed < block.fence.indent, let first = line.utf8.first,
          first == UInt8(ascii: " ") || first == UInt8(ascii: "\t")
        {
          line = line.dropFirst()
          removed += 1
        }
        return line
      }
      // Ink ends the block at the first line that starts with exactly the opening's backticks.
      var longest = 0
      for number in code { longest = max(longest, leadingBackticks(unindented(lines[number]))) }
      let marker = String(repeating: "`", count: max(3, longest + 1))
      output[block.open] = block.fence.info.isEmpty ? marker : marker + block.fence.info
      for number in code { output[number] = String(unindented(lines[number])) }
      if let close = block.close { output[close] = marker }
    }
    return output.joined(separator: "\n")
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
    let lines = lines(of: markdown)
    // A line of ASCII is read byte by byte; any other by characters, as Ink reads it (a `[`
    // with a combining mark after it is no bracket). Positions are in the line's own units.
    let ascii = lines.map { $0.utf8.allSatisfy { $0 < 0x80 } }
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

    func read<Units: Sequence>(
      _ units: Units, line number: Int, open: Units.Element, close: Units.Element, backslash: Units.Element
    )
    where Units.Element: Equatable {
      var afterBackslash = false
      for (index, unit) in units.enumerated() {
        if !afterBackslash, unit == open || unit == close {
          paragraph.append(Bracket(line: number, index: index, opens: unit == open))
        }
        afterBackslash = unit == backslash && !afterBackslash
      }
    }

    // Code spans and blocks are not exempt: where the guard and Ink disagree on what is code
    // (an unclosed fence, an escaped backtick), Ink would try the brackets. An escaped bracket
    // in code shows its backslash, a small price for so rare a case.
    for (number, line) in lines.enumerated() {
      if ascii[number] {
        if line.utf8.allSatisfy({ $0 == 0x20 || (0x09...0x0D).contains($0) }) {
          settle()
          continue
        }
        read(
          line.utf8, line: number, open: UInt8(ascii: "["), close: UInt8(ascii: "]"),
          backslash: UInt8(ascii: "\\"))
      } else {
        if line.allSatisfy(\.isWhitespace) {
          settle()
          continue
        }
        read(line, line: number, open: "[", close: "]", backslash: "\\")
      }
    }
    settle()
    guard !escaped.isEmpty else { return markdown }

    var output: [UInt8] = []
    output.reserveCapacity(markdown.utf8.count + escaped.count)
    for (number, line) in lines.enumerated() {
      if number > 0 { output.append(UInt8(ascii: "\n")) }
      guard let positions = escaped[number] else {
        output += line.utf8
        continue
      }
      if ascii[number] {
        for (index, byte) in line.utf8.enumerated() {
          if positions.contains(index) { output.append(UInt8(ascii: "\\")) }
          output.append(byte)
        }
      } else {
        for (index, character) in line.enumerated() {
          if positions.contains(index) { output.append(UInt8(ascii: "\\")) }
          output += character.utf8
        }
      }
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// The lines of a text, split at each LF byte (a CRLF line keeps its CR): the guard's
  /// rewrites keep every line where it was. Splitting by characters would not split at all
  /// in a CRLF file, where CR LF is one character.
  static func lines(of text: String) -> [Substring] {
    text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Substring($0) }
  }
}
