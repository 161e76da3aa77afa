import FlowEngine
import Foundation
import Ink
import Localization

/// Turns an article file into an `Article`: front matter through Yams, markdown through Ink,
/// structure read from the rendered HTML with libxml2.
enum ArticleParser {
  /// `required`: the front-matter keys an article must have (see `FrontMatter.parse`). An
  /// article without a uid is known by its path without the extension; one without a
  /// language has its folder's, else `und` (BCP 47's undetermined language).
  static func parse(
    text: String, url: URL, path: String, folderLanguage: String?,
    required: Set<String> = Set(FrontMatter.requiredKeys)
  ) -> (Article?, [ContentProblem]) {
    let (read, body, bodyLine, problems) = FrontMatter.parse(text, file: path, required: required)
    guard var matter = read else { return (nil, problems) }
    if matter.uid.isEmpty { matter.uid = (path as NSString).deletingPathExtension }
    if matter.language.isEmpty { matter.language = folderLanguage ?? "und" }
    let html = MarkdownParser().html(from: MarkdownGuard.bounded(body))
    let markdownLines = lines(of: body)
    let headingLines = atxHeadingLines(markdownLines).map { $0 + bodyLine }
    var sections: [Section] = []
    var links: [Link] = []
    var images: [Link] = []
    var sanitized = ""
    if let document = LibXML.parseHTML(html), let root = document.root {
      let bodyNode = root.elements.first { $0.name == "body" } ?? root
      sections = readSections(
        bodyNode, headingLines: headingLines, lastLine: bodyLine + markdownLines.count - 1)
      // One reading of the body for both; each keeps its own place in it.
      let places = LinkLines(markdownLines)
      var linked = places
      for anchor in bodyNode.descendants(named: ["a"]) {
        guard let href = anchor.attribute("href") else { continue }
        let target = destination(href)
        let line = linked.next(target) + bodyLine
        links.append(Link(target: target, text: anchor.text, line: line))
      }
      var shown = places
      for image in bodyNode.descendants(named: ["img"]) {
        guard let source = image.attribute("src") else { continue }
        let target = destination(source)
        let line = shown.next(target) + bodyLine
        images.append(Link(target: target, text: image.attribute("alt") ?? "", line: line))
      }
      sanitized = HTMLSanitizer.sanitize(body: bodyNode, rewriteLink: HTMLSanitizer.articlePageLink)
    } else {
      sanitized = HTMLSanitizer.escape(html)
    }
    let article = Article(
      path: path, url: url, folderLanguage: folderLanguage, frontMatter: matter, markdown: body,
      bodyLine: bodyLine,
      html: html, sanitizedHTML: sanitized, sections: sections, links: links, images: images)
    return (article, problems)
  }

  /// A link's destination as CommonMark reads it: `[text](<a file.md>)` links to `a file.md`,
  /// and `[text](b.md "Title")` to `b.md`. Ink hands the angle brackets and the title on in
  /// the `href` (a title in double quotes breaks the attribute, leaving `b.md `); neither is
  /// part of the target.
  static func destination(_ href: String) -> String {
    let text = href.trimmingCharacters(in: .whitespaces)
    if text.hasPrefix("<"), let close = text.firstIndex(of: ">"), close > text.index(after: text.startIndex) {
      return String(text[text.index(after: text.startIndex)..<close])
    }
    if let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }),
      let title = text[space...].first(where: { $0 != " " && $0 != "\t" }), "\"'(".contains(title)
    {
      return String(text[..<space])
    }
    return text
  }

  /// The body lines (0-based) of ATX headings, outside fenced code blocks, in order.
  static func atxHeadingLines(_ lines: [String]) -> [Int] {
    unfencedLines(lines).filter { lines[$0].utf8.first == UInt8(ascii: "#") }
  }

  /// The indices of the lines outside fenced code blocks (```` ``` ```` or `~~~`, see
  /// `CodeFence`), in order; the fence lines themselves are not among them.
  static func unfencedLines(_ lines: [String]) -> [Int] {
    var fences = FenceTracker()
    return lines.indices.filter { fences.read(Substring(lines[$0])) == .text }
  }

  /// Finds the lines of link targets in the markdown, in document order. The body is read
  /// once for the places where a target is written as one (`](x)`, `]: x`, `<x>`, `="x"`);
  /// a target linked several times gets each of its places in turn. A target written in no
  /// such place (markdown can spell one otherwise) is looked for anywhere in a line: only
  /// then, since a short target such as `g` or `#` is in many words.
  struct LinkLines {
    let lines: [String]
    /// Each target's lines, one entry per place it is written, in order.
    private let places: [String: [Int]]
    private var used: [String: Int] = [:]

    init(_ lines: [String]) {
      self.lines = lines
      var places: [String: [Int]] = [:]
      for (index, line) in lines.enumerated() {
        for target in Self.targets(in: line) { places[target, default: []].append(index) }
      }
      self.places = places
    }

    /// The 0-based body line of the next link to `target`; 0 when it cannot be found.
    mutating func next(_ target: String) -> Int {
      guard let written = places[target] else {
        return ArticleParser.firstLine(containing: target, in: lines) ?? 0
      }
      let count = used[target, default: 0]
      used[target] = count + 1
      // More links than places (a renderer may repeat one): the last place.
      return written[min(count, written.count - 1)]
    }

    /// The targets written in a line, in order.
    static func targets(in line: String) -> [String] {
      var copy = line
      return copy.withUTF8 { targets(in: $0) }
    }

    static func targets(in b: UnsafeBufferPointer<UInt8>) -> [String] {
      let close = UInt8(ascii: "]")
      let open = UInt8(ascii: "(")
      let colon = UInt8(ascii: ":")
      let less = UInt8(ascii: "<")
      let greater = UInt8(ascii: ">")
      let equals = UInt8(ascii: "=")
      let space = UInt8(ascii: " ")
      let tab = UInt8(ascii: "\t")
      var found: [String] = []
      func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
      }
      /// A target from `j`: `<...>`, else up to white space (and, inline, the closing paren).
      func target(from start: Int, inline: Bool) -> Int {
        var j = start
        while j < b.count, b[j] == space || b[j] == tab { j += 1 }
        guard j < b.count else { return j }
        if b[j] == less, let end = b[(j + 1)...].firstIndex(of: greater) {
          found.append(text(j + 1, end))
          return end
        }
        var end = j
        var depth = 0
        while end < b.count, b[end] != space, b[end] != tab {
          if inline, b[end] == open { depth += 1 }
          if inline, b[end] == UInt8(ascii: ")") {
            if depth == 0 { break }
            depth -= 1
          }
          end += 1
        }
        if end > j { found.append(text(j, end)) }
        return end
      }
      var i = 0
      while i < b.count {
        switch b[i] {
        case close where i + 1 < b.count && b[i + 1] == open: i = target(from: i + 2, inline: true)
        case close where i + 1 < b.count && b[i + 1] == colon: i = target(from: i + 2, inline: false)
        case less:
          // An autolink: `<scheme:...>` with no white space.
          if let end = b[(i + 1)...].firstIndex(where: { $0 == greater || $0 == space }), b[end] == greater,
            b[(i + 1)..<end].contains(colon)
          {
            found.append(text(i + 1, end))
            i = end
          }
        case equals
        where i + 1 < b.count && (b[i + 1] == UInt8(ascii: "\"") || b[i + 1] == UInt8(ascii: "'")):
          // An HTML attribute value, such as href="..." or src='...'.
          if let end = b[(i + 2)...].firstIndex(of: b[i + 1]) {
            found.append(text(i + 2, end))
            i = end
          }
        default: break
        }
        i += 1
      }
      return found
    }
  }

  /// The index of the first line at or after `start` that contains `needle`.
  static func firstLine(containing needle: String, in lines: [String], from start: Int = 0) -> Int? {
    guard start >= 0, start < lines.count else { return nil }
    // The standard library's search: Foundation's `contains` bridges every line to NSString.
    return lines[start...].firstIndex { $0.firstRange(of: needle) != nil }
  }

  /// The lines of a text, split on its UTF-8 bytes (splitting on characters costs more than
  /// rendering the markdown).
  static func lines(of text: String) -> [String] {
    text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
      var line = Substring($0)
      if line.utf8.last == UInt8(ascii: "\r") { line = line.dropLast() }
      return String(line)
    }
  }

  private static let headingLevels = ["h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6]

  static func readSections(_ body: LibXML.Node, headingLines: [Int], lastLine: Int) -> [Section] {
    var sections: [Section] = []
    var current = Section(
      level: 0, anchor: nil, heading: "", line: headingLines.isEmpty ? 1 : 1, endLine: lastLine, meaning: [],
      orderedLists: [], statusLists: [], emphasis: [], comments: [], text: "")
    var headingNumber = 0
    // The renderer splits a list whose items are separated by blank lines into one list per
    // item; consecutive status lists are one list.
    var previousWasStatusList = false
    func flush() {
      if current.level > 0 || !current.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        || !current.comments.isEmpty
      {
        sections.append(current)
      }
    }
    for node in body.children {
      if node.isElement, let level = headingLevels[node.name] {
        flush()
        previousWasStatusList = false
        let line = headingNumber < headingLines.count ? headingLines[headingNumber] : lastLine
        headingNumber += 1
        let anchor = node.descendants(named: ["a"]).first { $0.attribute("id") != nil }?.attribute("id")
        current = Section(
          level: level, anchor: anchor, heading: normalize(node.text), line: line, endLine: lastLine,
          meaning: [],
          orderedLists: [], statusLists: [], emphasis: [], comments: [], text: "")
        if let previous = sections.indices.last {
          sections[previous].endLine = max(sections[previous].line, line - 1)
        }
        continue
      }
      if node.isComment {
        current.comments.append((node.text, current.line))
        continue
      }
      guard node.isElement else {
        let text = normalize(node.text)
        if !text.isEmpty { current.text += text + "\n" }
        continue
      }
      current.text += normalize(node.text) + "\n"
      // A status list's labels are checked on their own (labels rule); they are not mentions.
      if !(node.name == "ul" && statusLabels(node) != nil) {
        current.emphasis += node.descendants(named: ["strong", "b", "em", "i"]).map { trimLabel($0.text) }
          .filter { !$0.isEmpty }
      }
      current.comments += commentsBelow(node, line: current.line)
      switch node.name {
      case "p" where current.orderedLists.isEmpty:
        current.meaning.append(normalize(node.text))
      case "ol":
        current.orderedLists.append(node.elements.filter { $0.name == "li" }.map { normalize($0.text) })
      case "ul":
        if let labels = statusLabels(node) {
          if previousWasStatusList, !current.statusLists.isEmpty {
            current.statusLists[current.statusLists.count - 1] += labels
          } else {
            current.statusLists.append(labels)
          }
          previousWasStatusList = true
          continue
        }
      default: break
      }
      previousWasStatusList = false
    }
    flush()
    if let last = sections.indices.last { sections[last].endLine = lastLine }
    return sections
  }

  private static func commentsBelow(_ node: LibXML.Node, line: Int) -> [(String, Int)] {
    node.children.filter(\.isComment).map { ($0.text, line) }
  }

  /// The labels of a status list, or nil when the list is not one: every item must start
  /// with bold text ending in a colon (or followed by one).
  static func statusLabels(_ list: LibXML.Node) -> [String]? {
    let items = list.elements.filter { $0.name == "li" }
    guard !items.isEmpty else { return nil }
    var labels: [String] = []
    for item in items {
      // A loose list wraps the item's text in a paragraph.
      let container = item.elements.first.flatMap { $0.name == "p" ? $0 : nil } ?? item
      let meaningful = container.children.filter {
        !($0.isText && $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
      }
      guard let first = meaningful.first, first.isElement, ["strong", "b"].contains(first.name) else {
        return nil
      }
      let bold = first.text.trimmingCharacters(in: .whitespaces)
      let after = meaningful.dropFirst().first.map { $0.text.trimmingCharacters(in: .whitespaces) } ?? ""
      guard bold.hasSuffix(":") || after.hasPrefix(":") else { return nil }
      labels.append(trimLabel(bold))
    }
    return labels
  }

  static func trimLabel(_ text: String) -> String {
    var label = normalize(text)
    while label.hasSuffix(":") { label.removeLast() }
    return label.trimmingCharacters(in: .whitespaces)
  }

  /// Collapses runs of ASCII white space into single spaces and trims the ends, on bytes.
  static func normalize(_ text: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    var pendingSpace = false
    for byte in text.utf8 {
      if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
        || byte == UInt8(ascii: "\r")
      {
        pendingSpace = !bytes.isEmpty
      } else {
        if pendingSpace { bytes.append(UInt8(ascii: " ")) }
        pendingSpace = false
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
