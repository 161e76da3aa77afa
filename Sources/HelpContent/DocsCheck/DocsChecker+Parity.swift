import FlowEngine
import Foundation
import Localization

/// A status concept named in a unit of text.
struct ConceptMention: Hashable {
  var concept: String
  /// The words as written in the text.
  var text: String
  var line: Int
  /// Emphasized, a table cell, or a status-list label: the text means the status, not the word.
  var marked: Bool
}

/// One aligned unit of an article: a section's prose, one list item, or one table row.
struct TextUnit {
  var key: String
  /// What to call it in a message: "list item 3", "table row 2".
  var name: String
  var lines: [MarkdownUnits.Line]
  /// Short texts in a status position (after the word "status", a status-column cell, a
  /// status-list label), with their lines: a near miss there means the status.
  var statusTexts: [(text: String, line: Int)]
}

extension DocsChecker {
  // MARK: translation groups

  /// The articles of each translation group, in path order. Translations belong together by
  /// `translates` (the uid of their source), by their path below the language folder (the
  /// DocFX layout), or by their uid with its language part swapped (`help-nl-x`, `help-sv-x`).
  public func translationGroups() -> [[Article]] {
    let byUID = library.byUID
    func baseKey(_ article: Article) -> String {
      if !library.languageFolders.isEmpty { return "path:" + article.relativePath }
      return "uid:" + Self.uidWithoutLanguage(article.uid, language: article.language)
    }
    var groups: [String: [Article]] = [:]
    for article in library.articles {
      var key = baseKey(article)
      if let source = article.frontMatter.translates, let target = byUID[source] { key = baseKey(target) }
      groups[key, default: []].append(article)
    }
    return groups.sorted { $0.key < $1.key }.map(\.value)
  }

  /// A uid with its language part (`-nl-`, a `-de` ending, an `sv-` start) replaced by `*`.
  static func uidWithoutLanguage(_ uid: String, language: String) -> String {
    let tag = language.lowercased()
    let lowered = uid.lowercased()
    if let range = lowered.range(of: "-\(tag)-") {
      return String(lowered[..<range.lowerBound]) + "-*-" + String(lowered[range.upperBound...])
    }
    if lowered.hasSuffix("-\(tag)") || lowered.hasSuffix(".\(tag)") {
      return String(lowered.dropLast(tag.count)) + "*"
    }
    if lowered.hasPrefix("\(tag)-") { return "*" + String(lowered.dropFirst(tag.count)) }
    return lowered
  }

  /// Whether an article is in the configured source language (`en` matches `en-US`).
  func isSource(_ article: Article) -> Bool {
    let source = configuration.sourceLanguage.lowercased()
    let language = article.language.lowercased()
    return language == source || Termbase.primary(language) == source || Termbase.primary(source) == language
  }

  /// The source of a group: its article in the source language, else the first by language.
  func sourceAndTranslations(_ group: [Article]) -> (Article, [Article]) {
    let sorted = group.sorted { ($0.language, $0.path) < ($1.language, $1.path) }
    let source = sorted.first(where: isSource) ?? sorted[0]
    return (source, sorted.filter { $0.path != source.path })
  }

  // MARK: parity

  func parity() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    for group in translationGroups() where group.count > 1 {
      let (source, translations) = sourceAndTranslations(group)
      for translation in translations where translation.language != source.language {
        findings += compare(source, translation)
      }
    }
    return findings
  }

  func compare(_ source: Article, _ translation: Article) -> [DocsFinding] {
    var findings = compareStructure(source, translation)
    let sourceUnits = MarkdownUnits(markdown: source.markdown, bodyLine: source.bodyLine).sections
    let translatedUnits = MarkdownUnits(markdown: translation.markdown, bodyLine: translation.bodyLine)
      .sections
    let sourceTerms = matcher(source.language)
    let terms = matcher(translation.language)
    guard !sourceTerms.isEmpty, !terms.isEmpty else { return findings }
    for (original, translated) in Self.pairSections(sourceUnits, translatedUnits) {
      for (sourceUnit, translatedUnit) in Self.alignUnits(original, sourceTerms, translated, terms) {
        findings += compareConcepts(
          sourceUnit, in: source, sourceTerms, translatedUnit, in: translation, terms, section: translated)
      }
    }
    return findings
  }

  /// Sections paired by anchor where both have one, else by position.
  static func pairSections(_ source: [MarkdownUnits.Section], _ translated: [MarkdownUnits.Section]) -> [(
    MarkdownUnits.Section, MarkdownUnits.Section
  )] {
    var pairs: [(MarkdownUnits.Section, MarkdownUnits.Section)] = []
    if let first = source.first, first.level == 0, let other = translated.first, other.level == 0 {
      pairs.append((first, other))
    }
    let sourceHeadings = source.filter { $0.level > 0 }
    let translatedHeadings = translated.filter { $0.level > 0 }
    for (position, section) in sourceHeadings.enumerated() {
      if let anchor = section.anchor {
        if let match = translatedHeadings.first(where: { $0.anchor == anchor }) {
          pairs.append((section, match))
        }
      } else if position < translatedHeadings.count, translatedHeadings[position].anchor == nil,
        sourceHeadings.count == translatedHeadings.count
      {
        pairs.append((section, translatedHeadings[position]))
      }
    }
    return pairs
  }

  /// The units of two paired sections, aligned: list items by position and table rows by
  /// table and row when both have the same shape; otherwise they are part of the prose.
  static func alignUnits(
    _ source: MarkdownUnits.Section, _ sourceTerms: TermMatcher, _ translated: MarkdownUnits.Section,
    _ terms: TermMatcher
  ) -> [(TextUnit, TextUnit)] {
    let itemsAlign = source.items.count == translated.items.count
    let tablesAlign =
      source.tables.count == translated.tables.count
      && zip(source.tables, translated.tables).allSatisfy { $0.count == $1.count }
    let left = units(of: source, sourceTerms, items: itemsAlign, tables: tablesAlign)
    let right = units(of: translated, terms, items: itemsAlign, tables: tablesAlign)
    return left.compactMap { unit in right.first { $0.key == unit.key }.map { (unit, $0) } }
  }

  static func units(of section: MarkdownUnits.Section, _ terms: TermMatcher, items: Bool, tables: Bool)
    -> [TextUnit]
  {
    let labelled = Set(statusLists(section.items, terms).flatMap { $0.map { $0.lines[0].number } })
    var prose = TextUnit(key: "prose", name: "the text", lines: section.prose, statusTexts: [])
    var units: [TextUnit] = []
    for line in section.prose { prose.statusTexts += statusTexts(in: line) }
    for (index, item) in section.items.enumerated() {
      var texts = item.lines.flatMap { statusTexts(in: $0) }
      if let label = item.label, labelled.contains(item.lines[0].number) {
        texts.append((label, item.lines[0].number))
      }
      if items {
        units.append(
          TextUnit(
            key: "item \(index)", name: "list item \(index + 1)", lines: item.lines, statusTexts: texts))
      } else {
        prose.lines += item.lines
        prose.statusTexts += texts
      }
    }
    for (tableIndex, table) in section.tables.enumerated() {
      let columns = statusColumns(table)
      for (rowIndex, row) in table.enumerated() {
        let line = MarkdownUnits.Line(number: row.line, raw: row.cells.joined(separator: " | "))
        var texts: [(String, Int)] = []
        if !row.isHeader {
          for (column, cell) in row.cells.enumerated() where columns.contains(column) {
            texts.append((MarkdownUnits.plain(cell), row.line))
          }
        }
        if tables {
          units.append(
            TextUnit(
              key: "table \(tableIndex) row \(rowIndex)", name: "table row \(rowIndex + 1)", lines: [line],
              statusTexts: texts))
        } else {
          prose.lines.append(line)
          prose.statusTexts += texts
        }
      }
    }
    return [prose] + units
  }

  /// The columns of a table that hold statuses: their header says "status".
  static func statusColumns(_ table: [MarkdownUnits.Row]) -> Set<Int> {
    guard let header = table.first(where: \.isHeader) else { return [] }
    return Set(header.cells.indices.filter { header.cells[$0].lowercased().contains("status") })
  }

  /// Emphasized texts of a line that stand where a status does ("status changes to **Paused**").
  static func statusTexts(in line: MarkdownUnits.Line) -> [(text: String, line: Int)] {
    MarkdownUnits.emphasis(in: line.raw).filter {
      !MarkdownUnits.isMenuStep($0, in: line.raw) && MarkdownUnits.followsStatusWord($0, in: line.raw)
    }
    .map { ($0.text, line.number) }
  }

  /// The status concepts a unit names: terms anywhere in its text, and near misses of terms
  /// in a status position (a misspelling is the terminology rule's finding, not parity's).
  func conceptMentions(_ unit: TextUnit, _ terms: TermMatcher) -> [ConceptMention] {
    var mentions: [ConceptMention] = []
    for line in unit.lines {
      let marked = MarkdownUnits.emphasis(in: line.raw).map {
        " " + TermMatcher.words(of: $0.text).joined(separator: " ") + " "
      }
      let cells =
        line.raw.contains("|")
        ? MarkdownUnits.cells(line.raw).map { TermMatcher.words(of: MarkdownUnits.plain($0)) } : []
      for mention in terms.mentions(in: MarkdownUnits.plain(line.raw)) {
        let words = mention.entry.words.count == mention.wordCount ? TermMatcher.words(of: mention.text) : []
        let isMarked =
          marked.contains { $0.contains(" " + words.joined(separator: " ") + " ") } || cells.contains(words)
        mentions.append(
          ConceptMention(
            concept: mention.entry.concept, text: mention.text, line: line.number, marked: isMarked))
      }
    }
    for (text, line) in unit.statusTexts where terms.whole(text) == nil && terms.mentions(in: text).isEmpty {
      guard let near = terms.near(text) else { continue }
      switch near {
      case .otherLanguage(_, let entry), .misspelled(let entry):
        mentions.append(ConceptMention(concept: entry.concept, text: text, line: line, marked: true))
      }
    }
    return mentions
  }

  func compareConcepts(
    _ sourceUnit: TextUnit, in source: Article, _ sourceTerms: TermMatcher, _ unit: TextUnit,
    in translation: Article, _ terms: TermMatcher, section: MarkdownUnits.Section
  ) -> [DocsFinding] {
    let expected = conceptMentions(sourceUnit, sourceTerms)
    let found = conceptMentions(unit, terms)
    let expectedConcepts = Set(expected.map(\.concept))
    let foundConcepts = Set(found.map(\.concept))
    let missing = expectedConcepts.subtracting(foundConcepts).sorted()
    let place = section.level > 0 ? "section \"\(section.heading)\"" : "the introduction"
    var findings: [DocsFinding] = []
    func describe(_ concepts: [String], _ mentions: [ConceptMention]) -> String {
      concepts.map { concept in
        let word =
          mentions.first { $0.concept == concept && $0.marked }?.text
          ?? mentions.first { $0.concept == concept }?.text ?? concept
        return "\"\(word)\" (\(concept))"
      }.joined(separator: ", ")
    }
    func expectedTerms(_ concepts: [String]) -> String {
      concepts.map { "\"\(termbase.preferred($0, in: translation.language) ?? $0)\"" }.joined(
        separator: " or ")
    }
    // Running text is compared only where one side marks a status (bold, italics, a cell): word
    // order and paraphrase make unmarked words a weak signal ("niet wordt uitgevoerd").
    let markedMissing = missing.filter { concept in expected.contains { $0.concept == concept && $0.marked } }
    var reported: Set<String> = []
    for mention in found where !expectedConcepts.contains(mention.concept) {
      guard mention.marked || !markedMissing.isEmpty, reported.insert(mention.concept).inserted else {
        continue
      }
      if !missing.isEmpty {
        findings.append(
          finding(
            .parity, translation.path, mention.line,
            "\(place), \(unit.name): \"\(mention.text)\" names \(mention.concept) where the \(source.language) source (\(source.path):\(sourceUnit.lines.first?.number ?? section.line)) names \(describe(missing, expected))",
            fix:
              "write \(expectedTerms(missing)), the \(translation.language) term for \(missing.joined(separator: " / "))"
          ))
      } else if mention.marked {
        findings.append(
          finding(
            .parity, translation.path, mention.line,
            "\(place), \(unit.name): \"\(mention.text)\" names \(mention.concept), which the \(source.language) source does not name here",
            fix: "name the same status as the source, or none", level: .warning))
      }
    }
    if foundConcepts.isSubset(of: expectedConcepts) {
      if !markedMissing.isEmpty {
        findings.append(
          finding(
            .parity, translation.path, unit.lines.first?.number ?? section.line,
            "\(place), \(unit.name): names no status where the \(source.language) source names \(describe(markedMissing, expected))",
            fix: "consider writing \(expectedTerms(markedMissing))", level: .note))
      }
    }
    return findings
  }

  /// Sections, codes and resolution steps: the structure a translation keeps.
  func compareStructure(_ source: Article, _ translation: Article) -> [DocsFinding] {
    var findings: [DocsFinding] = []
    let file = translation.path
    let sourceSections = source.sections.filter { $0.level > 0 }
    let translatedSections = translation.sections.filter { $0.level > 0 }
    let sourceAnchors = sourceSections.compactMap(\.anchor)
    let translatedAnchors = translatedSections.compactMap(\.anchor)
    if sourceAnchors != translatedAnchors {
      let missing = sourceAnchors.filter { !translatedAnchors.contains($0) }
      let extra = translatedAnchors.filter { !sourceAnchors.contains($0) }
      var parts: [String] = []
      if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
      if !extra.isEmpty { parts.append("not in \(source.path): \(extra.joined(separator: ", "))") }
      if parts.isEmpty { parts.append("the anchors are in another order") }
      findings.append(
        finding(
          .parity, file, translatedSections.first?.line,
          "sections differ from \(source.path): \(parts.joined(separator: "; "))",
          fix: "give the translation the same anchored sections, in the same order"))
    }
    if sourceSections.count != translatedSections.count {
      findings.append(
        finding(
          .parity, file, nil,
          "\(translatedSections.count) sections, but \(source.path) has \(sourceSections.count)",
          fix: "translate every section of the source, and add none", level: .warning))
    }
    let sourceCodes = sourceSections.compactMap(\.codeAnchor)
    let translatedCodes = translatedSections.compactMap(\.codeAnchor)
    if Set(sourceCodes) != Set(translatedCodes) {
      findings.append(
        finding(
          .parity, file, translation.frontMatter.lines["codes"],
          "explains codes [\(translatedCodes.joined(separator: ", "))] but \(source.path) explains [\(sourceCodes.joined(separator: ", "))]",
          fix: "explain the same codes as the source"))
    }
    for original in sourceSections {
      guard let code = original.codeAnchor,
        let translated = translatedSections.first(where: { $0.anchor == code })
      else { continue }
      if original.resolution.count != translated.resolution.count {
        findings.append(
          finding(
            .parity, file, translated.line,
            "\(code) has \(translated.resolution.count) resolution steps, the source has \(original.resolution.count)",
            fix: "translate each step of the source as one step"))
      }
    }
    return findings
  }
}
