import Foundation

/// An article's markdown read line by line into the units that translations are aligned by:
/// sections (by heading), and in each section its table rows, its list items and the rest of
/// its prose, each with the file lines it came from. Fenced code and HTML comments are skipped.
struct MarkdownUnits {
  /// Text of one line with where it is and how it is set.
  struct Line {
    /// The file line.
    var number: Int
    /// The line as written, markup included.
    var raw: String
  }

  struct Row {
    var line: Int
    var cells: [String]
    /// Whether this is the header row (the one before the `---` separator).
    var isHeader: Bool
  }

  struct Item {
    var lines: [Line]
    /// The bold label of a status-list item (`* **Paused:** ...`), if it starts with one.
    var label: String?
  }

  struct Section {
    var level: Int
    var anchor: String?
    var heading: String
    var line: Int
    var tables: [[Row]] = []
    var items: [Item] = []
    var prose: [Line] = []
  }

  var sections: [Section]

  init(markdown: String, bodyLine: Int) {
    var sections = [Section(level: 0, anchor: nil, heading: "", line: bodyLine)]
    var fences = FenceTracker()
    var inComment = false
    var inTable = false
    var inItem = false
    var previousBlank = true
    let lines = ArticleParser.lines(of: markdown)
    for (index, raw) in lines.enumerated() {
      let number = bodyLine + index
      var text = raw
      switch fences.read(Substring(raw)) {
      case .text: break
      case .code: continue
      case .opening, .closing:
        inTable = false
        inItem = false
        continue
      }
      // HTML comments (hidden scenarios, notes to translators) are not text.
      if inComment {
        guard let end = text.range(of: "-->") else { continue }
        text = String(text[end.upperBound...])
        inComment = false
      }
      while let start = text.range(of: "<!--") {
        if let end = text.range(of: "-->", range: start.upperBound..<text.endIndex) {
          text.replaceSubrange(start.lowerBound..<end.upperBound, with: " ")
        } else {
          text = String(text[..<start.lowerBound])
          inComment = true
        }
      }
      let content = text.trimmingCharacters(in: .whitespaces)
      let current = sections.count - 1
      if content.isEmpty {
        inTable = false
        previousBlank = true
        continue
      }
      defer { previousBlank = false }
      if raw.hasPrefix("#") {
        let level = raw.prefix { $0 == "#" }.count
        let anchor = raw.firstMatch(of: /<a\s+(?:name|id)\s*=\s*"([^"]+)"/).map { String($0.1) }
        sections.append(
          Section(
            level: level, anchor: anchor, heading: Self.plain(String(raw.dropFirst(level))), line: number))
        inTable = false
        inItem = false
        continue
      }
      // Reference definitions (`[1]: update.md`) are not text.
      if content.firstMatch(of: /^\[[^\]]+\]:\s/) != nil { continue }
      if content.hasPrefix("|") {
        let cells = Self.cells(content)
        if cells.allSatisfy({ $0.allSatisfy { "-: ".contains($0) } && !$0.isEmpty }) {
          // The separator row: the row before it was the header.
          if var table = sections[current].tables.popLast() {
            if let last = table.indices.last { table[last].isHeader = true }
            sections[current].tables.append(table)
          }
          continue
        }
        if !inTable { sections[current].tables.append([]) }
        sections[current].tables[sections[current].tables.count - 1].append(
          Row(line: number, cells: cells, isHeader: false))
        inTable = true
        inItem = false
        continue
      }
      inTable = false
      if let marker = content.firstMatch(of: /^([*+-]|[0-9]+[.)])\s+/) {
        let body = String(content[marker.range.upperBound...])
        let label = body.firstMatch(of: /^\*\*([^*]+?):?\*\*\s*:?/).map { String($0.1) }
        sections[current].items.append(
          Item(lines: [Line(number: number, raw: body)], label: label.map { Self.plain($0) }))
        inItem = true
        continue
      }
      let indented = raw.hasPrefix("  ") || raw.hasPrefix("\t")
      if inItem, indented || !previousBlank, !content.hasPrefix(">"),
        let last = sections[current].items.indices.last
      {
        sections[current].items[last].lines.append(Line(number: number, raw: content))
        continue
      }
      inItem = false
      var prose = content
      while prose.hasPrefix(">") { prose = String(prose.dropFirst()).trimmingCharacters(in: .whitespaces) }
      if prose.hasPrefix("[!") { prose = String(prose.drop { $0 != "]" }.dropFirst()) }
      sections[current].prose.append(Line(number: number, raw: prose))
    }
    self.sections = sections.filter {
      $0.level > 0 || !$0.prose.isEmpty || !$0.items.isEmpty || !$0.tables.isEmpty
    }
  }

  /// The cells of a table row, without the outer pipes.
  static func cells(_ row: String) -> [String] {
    var text = Substring(row)
    if text.hasPrefix("|") { text = text.dropFirst() }
    if text.hasSuffix("|") && !text.hasSuffix("\\|") { text = text.dropLast() }
    var cells: [String] = []
    var cell = ""
    var escaped = false
    for character in text {
      if escaped {
        cell.append(character)
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else if character == "|" {
        cells.append(cell.trimmingCharacters(in: .whitespaces))
        cell = ""
      } else {
        cell.append(character)
      }
    }
    cells.append(cell.trimmingCharacters(in: .whitespaces))
    return cells
  }

  /// A span of emphasized text (bold or italics) in a raw line.
  struct Emphasis {
    var text: String
    /// Where it starts in the raw line (the opening `*`).
    var start: String.Index
    var end: String.Index
  }

  /// The bold and italic spans of a line, outermost first; `**a** > **b**` menu paths included.
  static func emphasis(in raw: String) -> [Emphasis] {
    var spans: [Emphasis] = []
    for match in raw.matches(of: /\*\*([^*\n]+?)\*\*/) {
      spans.append(
        Emphasis(text: plain(String(match.1)), start: match.range.lowerBound, end: match.range.upperBound))
    }
    // Italics: a single star not part of a bold pair.
    let taken = spans.map { $0.start..<$0.end }
    for match in raw.matches(of: /\*([^*\s][^*\n]*?)\*/)
    where !taken.contains(where: { $0.overlaps(match.range) }) {
      spans.append(
        Emphasis(text: plain(String(match.1)), start: match.range.lowerBound, end: match.range.upperBound))
    }
    return spans.sorted { $0.start < $1.start }
  }

  /// Whether an emphasized span is a step of a menu path (`**Task** > **End flow**`).
  static func isMenuStep(_ span: Emphasis, in raw: String) -> Bool {
    let after = raw[span.end...].drop { $0 == " " }
    let before = raw[..<span.start].reversed().drop { $0 == " " }
    return after.hasPrefix(">") || after.hasPrefix("→") || before.first == ">" || before.first == "→"
  }

  /// Whether a span follows the word "status" (in any language that writes it so: status,
  /// Status, statusen, Deelnemersstatus) in its sentence: "the status changes to **Paused**".
  static func followsStatusWord(_ span: Emphasis, in raw: String) -> Bool {
    let before = raw[..<span.start]
    let sentenceStart =
      before.lastIndex { $0 == "." || $0 == "!" || $0 == "?" || $0 == ";" }.map { before.index(after: $0) }
      ?? before.startIndex
    return before[sentenceStart...].lowercased().contains("status")
  }

  /// The text of markdown without its markup: links keep their text, tags and emphasis go.
  static func plain(_ markdown: String) -> String {
    var text = markdown
    text = text.replacing(/!?\[([^\]]*)\]\([^)]*\)/) { String($0.1) }
    text = text.replacing(/!?\[([^\]]*)\]\[[^\]]*\]/) { String($0.1) }
    text = text.replacing(/<[^>]+>/, with: " ")
    text = text.replacing(/[*`]/, with: "")
    return ArticleParser.normalize(text)
  }
}
