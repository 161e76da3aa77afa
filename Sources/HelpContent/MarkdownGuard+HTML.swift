/// HTML in Markdown, in forms Ink reads as CommonMark does.
///
/// Ink reads an HTML tag as the start of raw HTML that runs to the tag's closing tag, however
/// far: past blank lines, headings and links, and to the end of the file when no closing tag
/// comes. CommonMark never pairs tags like that: an HTML block ends at a blank line, and an
/// inline tag is only itself. So a void element written as HTML writes it (`<br>`,
/// `<img src="x.png">`), a wrapper whose content is Markdown (`<div class="options-api">`, a
/// blank line, Markdown, a blank line, `</div>`; `<details>`; MDX components such as
/// `<Intro>`), and a comment that does not start with a space (`<!--<div>`) each took the rest
/// of the file: every heading, link and image after it went unchecked (seen in Vue's and
/// React's translated documentation). Outside code, line by line and in place:
///
/// - a void element is written self-closing (`<br/>`), which Ink ends at once;
/// - a tag whose partner is not in the same run of lines (the lines up to a blank one, where
///   CommonMark ends an HTML block or a paragraph) becomes a comment with the same text
///   (`<!-- div class="x" -->`): it renders nothing, as the lone tag did not either, and an
///   `id` in it is still an anchor; tags that pair within the run are left as they are;
/// - a comment gets a space after `<!--`, and each `>` inside it is written `&gt;`: Ink ends
///   a comment at its first `>`, CommonMark at `-->`.
extension MarkdownGuard {
  static func htmlInkCanRead(_ markdown: String) -> String {
    guard markdown.utf8.contains(UInt8(ascii: "<")) else { return markdown }
    let source = lines(of: markdown)
    var edits: [Int: [Edit]] = [:]
    var fences = FenceTracker()
    var inComment = false
    // The tags of the current run of lines, for pairing when the run ends.
    var run: [Tag] = []
    func endRun() {
      for tag in unpaired(run) {
        edits[tag.line, default: []].append(commented(tag, in: Array(source[tag.line].utf8)))
      }
      run.removeAll()
    }
    for (index, line) in source.enumerated() {
      if !inComment {
        guard fences.read(line) == .text else {
          endRun()
          continue
        }
        if line.utf8.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
          endRun()
          continue
        }
        guard line.utf8.contains(UInt8(ascii: "<")) else { continue }
      }
      let (tags, lineEdits, stillInComment) = read(Array(line.utf8), at: index, inComment: inComment)
      inComment = stillInComment
      run += tags
      if !lineEdits.isEmpty { edits[index, default: []] += lineEdits }
    }
    endRun()
    guard !edits.isEmpty else { return markdown }
    return source.indices.map { index in
      guard let lineEdits = edits[index] else { return String(source[index]) }
      return String(decoding: applied(lineEdits, to: Array(source[index].utf8)), as: UTF8.self)
    }.joined(separator: "\n")
  }

  /// HTML's void elements: a start tag with no end tag.
  private static let voidElements: Set<String> = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source",
    "track", "wbr",
  ]

  /// A start or end tag written on one line.
  private struct Tag {
    var line: Int
    /// From its `<` to after its `>`.
    var range: Range<Int>
    var name: [UInt8]
    var isClosing: Bool
  }

  /// Bytes of a line replaced by others.
  private struct Edit {
    var range: Range<Int>
    var bytes: [UInt8]
  }

  /// The start and end tags of a line outside code spans and comments, the edits it needs for
  /// its void elements and comments, and whether a comment is still open at its end.
  private static func read(_ line: [UInt8], at index: Int, inComment startsInComment: Bool) -> (
    [Tag], [Edit], Bool
  ) {
    var tags: [Tag] = []
    var edits: [Edit] = []
    var inComment = startsInComment
    let code = startsInComment ? [] : codeSpans(line)
    var span = 0
    var i = 0
    while i < line.count {
      if inComment {
        if line[i...].starts(with: "-->".utf8) {
          inComment = false
          i += 3
          continue
        }
        if line[i] == UInt8(ascii: ">") { edits.append(Edit(range: i..<(i + 1), bytes: Array("&gt;".utf8))) }
        i += 1
        continue
      }
      while span < code.count, code[span].upperBound <= i { span += 1 }
      if span < code.count, code[span].contains(i) {
        i = code[span].upperBound
        continue
      }
      guard line[i] == UInt8(ascii: "<"), !startsDestination(line, at: i) else {
        i += 1
        continue
      }
      if line[i...].starts(with: "<!--".utf8) {
        inComment = true
        i += 4
        // `<!-->` and `<!--->` are whole comments to CommonMark.
        if line[i...].starts(with: ">".utf8) || line[i...].starts(with: "->".utf8) { continue }
        if i < line.count, line[i] != UInt8(ascii: " ") {
          edits.append(Edit(range: i..<i, bytes: [UInt8(ascii: " ")]))
        }
        continue
      }
      guard let tag = tag(in: line, at: i, line: index) else {
        i += 1
        continue
      }
      let isVoid = voidElements.contains(String(decoding: tag.name, as: UTF8.self).lowercased())
      let selfClosing = line[tag.range.upperBound - 2] == UInt8(ascii: "/")
      if isVoid, tag.isClosing {
        // `</br>`: Ink reads it as a tag that never ends.
        edits.append(commented(tag, in: line))
      } else if isVoid || selfClosing {
        if isVoid, !selfClosing {
          let end = tag.range.upperBound - 1
          edits.append(Edit(range: end..<end, bytes: [UInt8(ascii: "/")]))
        }
      } else {
        tags.append(tag)
      }
      i = tag.range.upperBound
    }
    return (tags, edits, inComment)
  }

  /// The tag that starts at `start`: `<name` or `</name` (a letter, then letters, digits and
  /// `-`), then white space, `/` or `>`, and its `>` on the same line; quotes and JSX braces
  /// in its attributes may hold a `>`.
  private static func tag(in line: [UInt8], at start: Int, line number: Int) -> Tag? {
    var i = start + 1
    let isClosing = i < line.count && line[i] == UInt8(ascii: "/")
    if isClosing { i += 1 }
    let nameStart = i
    guard i < line.count, isLetter(line[i]) else { return nil }
    while i < line.count, isLetter(line[i]) || isDigit(line[i]) || line[i] == UInt8(ascii: "-") { i += 1 }
    let name = Array(line[nameStart..<i])
    guard i < line.count,
      [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "/"), UInt8(ascii: ">")].contains(line[i])
    else { return nil }
    var quote: UInt8?
    var braces = 0
    while i < line.count {
      let byte = line[i]
      if let open = quote {
        if byte == open { quote = nil }
      } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
        quote = byte
      } else if byte == UInt8(ascii: "{") {
        braces += 1
      } else if byte == UInt8(ascii: "}") {
        braces = max(0, braces - 1)
      } else if byte == UInt8(ascii: ">"), braces == 0 {
        return Tag(line: number, range: start..<(i + 1), name: name, isClosing: isClosing)
      }
      i += 1
    }
    return nil
  }

  /// Whether the `<` at `start` opens a link destination (`[text](<a b.md>)`, `[id]: <url>`),
  /// which is not a tag.
  static func startsDestination(_ line: [UInt8], at start: Int) -> Bool {
    var i = start - 1
    while i >= 0, line[i] == UInt8(ascii: " ") || line[i] == UInt8(ascii: "\t") { i -= 1 }
    guard i >= 1, line[i] == UInt8(ascii: "(") || line[i] == UInt8(ascii: ":") else { return false }
    return line[i - 1] == UInt8(ascii: "]")
  }

  /// The tags of a run that pair with no other in it, as Ink pairs them (by name, exactly as
  /// written): an end tag with no open start tag of its name, and the start tags still open
  /// at the end of the run. Tags inside a pair are Ink's raw HTML, and stay as they are.
  private static func unpaired(_ tags: [Tag]) -> [Tag] {
    var open: [Tag] = []
    var lone: [Tag] = []
    for tag in tags {
      guard tag.isClosing else {
        open.append(tag)
        continue
      }
      if let match = open.lastIndex(where: { $0.name == tag.name }) {
        open.removeSubrange(match...)
      } else {
        lone.append(tag)
      }
    }
    return lone + open
  }

  /// A tag written as a comment of its text: `<div id="x">` as `<!-- div id="x" -->`.
  private static func commented(_ tag: Tag, in line: [UInt8]) -> Edit {
    var bytes = Array("<!-- ".utf8)
    for byte in line[(tag.range.lowerBound + 1)..<(tag.range.upperBound - 1)] {
      if byte == UInt8(ascii: ">") {
        bytes += "&gt;".utf8
      } else if byte == UInt8(ascii: "-"), bytes.last == UInt8(ascii: "-") {
        // `--` would end the comment early in a browser.
        bytes += [UInt8(ascii: " "), byte]
      } else {
        bytes.append(byte)
      }
    }
    bytes += " -->".utf8
    return Edit(range: tag.range, bytes: bytes)
  }

  /// A line with its edits made; the edits are in order and do not overlap.
  private static func applied(_ edits: [Edit], to line: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(line.count + 16 * edits.count)
    var index = 0
    for edit in edits.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
      output += line[index..<edit.range.lowerBound]
      output += edit.bytes
      index = edit.range.upperBound
    }
    output += line[index...]
    return output
  }
}
