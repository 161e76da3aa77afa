import FlowEngine
import Foundation
import Localization

/// Checks help content and catalogs against the engine: what is missing, stale,
/// contradictory or broken. Each finding names its file, line, rule and fix.
public struct DocsChecker: Sendable {
  public let library: ContentLibrary
  public let localizer: Localizer
  public let catalogErrors: [CatalogError]

  /// Status key (`flow.paused`) by label, per language: built once, read for every section.
  private let stateKeysByLanguage: [Language: [String: String]]

  public init(library: ContentLibrary, localizer: Localizer, catalogErrors: [CatalogError] = []) {
    self.library = library
    self.localizer = localizer
    self.catalogErrors = catalogErrors
    var keys: [Language: [String: String]] = [:]
    for language in Language.allCases {
      keys[language] = Dictionary(
        localizer.stateLabels(in: language).map { ($0.label, $0.key) },
        uniquingKeysWith: { first, _ in first })
    }
    stateKeysByLanguage = keys
  }

  /// Loads content and catalogs from folders.
  public static func load(content: URL, locales: URL, contentName: String = "content") -> DocsChecker {
    let library = ContentLibrary.load(from: content, displayRoot: contentName)
    let (localizer, errors) = Localizer.load(from: locales)
    return DocsChecker(library: library, localizer: localizer, catalogErrors: errors)
  }

  /// Runs the rules (all by default) and returns the findings, ordered by file and line.
  public func check(rules: Set<DocsRule> = Set(DocsRule.allCases)) -> [DocsFinding] {
    var findings: [DocsFinding] = []
    for problem in library.problems {
      let rule = DocsRule(rawValue: problem.rule) ?? .frontMatter
      if rules.contains(rule) { findings.append(problem) }
    }
    if rules.contains(.coverage) { findings += coverage() }
    if rules.contains(.catalogs) { findings += catalogs() }
    if rules.contains(.labels) { findings += labels() }
    if rules.contains(.parity) { findings += parity() }
    if rules.contains(.links) { findings += links() }
    if rules.contains(.frontMatter) { findings += staleness() }
    if rules.contains(.scenarios) { findings += scenarios() }
    return findings.sorted {
      ($0.file, $0.line ?? 0, $0.rule, $0.message) < ($1.file, $1.line ?? 0, $1.rule, $1.message)
    }
  }

  func finding(_ rule: DocsRule, _ file: String, _ line: Int?, _ message: String, fix: String) -> DocsFinding
  {
    DocsFinding(file: file, line: line, rule: rule.rawValue, message: message, fix: fix)
  }

  var languagesPresent: [Language] {
    Language.allCases.filter { language in library.articles.contains { $0.language == language.rawValue } }
  }

  func articles(in language: Language) -> [Article] {
    library.articles.filter { $0.language == language.rawValue }
  }

  // MARK: coverage

  static let retiredWords: [Language: String] = [.en: "retired", .nl: "uitgefaseerd", .sv: "utfasad"]

  func coverage() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    let folder = library.root.lastPathComponent
    for language in Language.allCases {
      let inLanguage = articles(in: language)
      var sections: [String: (Article, Section)] = [:]
      for article in inLanguage {
        for section in article.sections {
          guard let code = section.codeAnchor else { continue }
          if let (other, earlier) = sections[code] {
            findings.append(
              finding(
                .coverage, article.path, section.line,
                "\(code) is already explained in \(other.path):\(earlier.line)",
                fix: "keep one section per code and language"))
          } else {
            sections[code] = (article, section)
          }
        }
        let anchored = article.sections.compactMap(\.codeAnchor)
        if anchored != article.frontMatter.codes {
          let line = article.frontMatter.lines["codes"] ?? 2
          findings.append(
            finding(
              .coverage, article.path, line,
              "front matter codes [\(article.frontMatter.codes.joined(separator: ", "))] differ from the code sections [\(anchored.joined(separator: ", "))]",
              fix: "list exactly the codes whose sections the article has, in order"))
        }
      }
      for code in FlowCode.allCases.sorted() {
        guard let (article, section) = sections[code.id] else {
          let place = inLanguage.isEmpty ? "\(folder)/\(language.rawValue)" : inLanguage[0].path
          findings.append(
            finding(
              .coverage, place, nil, "\(code.id) has no section in \(language.rawValue)",
              fix: "add a section headed ### <a id=\"\(code.id)\"></a>\(code.id) with its meaning and steps"))
          continue
        }
        if section.resolution.isEmpty {
          findings.append(
            finding(
              .coverage, article.path, section.line, "\(code.id) has no ordered list of steps to fix it",
              fix: "add a numbered list (1. ...) with the resolution steps"))
        }
        if code.definition.isRetired, let word = Self.retiredWords[language],
          !(section.heading + " " + section.text).lowercased().contains(word)
        {
          findings.append(
            finding(
              .coverage, article.path, section.line, "\(code.id) is retired but its section does not say so",
              fix: "say in the section that \(code.id) is \(word)"))
        }
      }
    }
    return findings
  }

  // MARK: catalogs

  func catalogs() -> [DocsFinding] {
    var findings = catalogErrors.map {
      finding(.catalogs, $0.file, $0.line, $0.reason, fix: "correct the catalog file")
    }
    for language in Language.allCases where language != .en {
      guard let catalog = localizer.catalogs[language] else {
        if catalogErrors.isEmpty {
          findings.append(
            finding(
              .catalogs, "locales/\(language.rawValue).xliff", nil,
              "there is no \(language.rawValue) catalog",
              fix: "run flowdesk locales export and translate the new file"))
        }
        continue
      }
      let file = "locales/\(catalog.file?.lastPathComponent ?? "\(language.rawValue).xliff")"
      for (id, source) in SourceStrings.all {
        guard let unit = catalog.unit(id) else {
          findings.append(
            finding(
              .catalogs, file, nil, "missing translation: \(id) (\"\(source)\")",
              fix: "run flowdesk locales export, then translate \(id)"))
          continue
        }
        guard let target = unit.translation else {
          findings.append(
            finding(
              .catalogs, file, unit.line, "missing translation: \(id) has no target", fix: "translate \(id)"))
          continue
        }
        if unit.source != source {
          findings.append(
            finding(
              .catalogs, file, unit.line,
              "stale translation: "
                + CatalogStatus.changedMessage(id, english: source, translatedFrom: unit.source),
              fix:
                "run flowdesk locales export, review the translation, then flowdesk locales review \(language.rawValue) \(id)"
            ))
        } else if unit.state == "needs-review-translation" {
          findings.append(
            finding(
              .catalogs, file, unit.line, "stale translation: \(id) is marked needs-review-translation",
              fix: "review the translation, then run flowdesk locales review \(language.rawValue) \(id)"))
        }
        let wanted = Set(Placeholders.names(in: source))
        let found = Set(Placeholders.names(in: target))
        if wanted != found {
          findings.append(
            finding(
              .catalogs, file, unit.line,
              "\(id) has placeholders {\(found.sorted().joined(separator: "}, {"))} but the English has {\(wanted.sorted().joined(separator: "}, {"))}",
              fix: "keep every {name} of the English, untranslated"))
        }
      }
      for unit in catalog.units where SourceStrings.byId[unit.id] == nil {
        findings.append(
          finding(
            .catalogs, file, unit.line, "obsolete translation: \(unit.id) is no longer in the registry",
            fix: "run flowdesk locales export to drop it"))
      }
    }
    return findings
  }

  // MARK: labels

  /// Status key by label, per language.
  func stateKeys(_ language: Language) -> [String: String] { stateKeysByLanguage[language] ?? [:] }

  func labels() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    for article in library.articles {
      guard let language = LanguageTag(article.language)?.supported else { continue }
      let known = stateKeys(language)
      let lines = ArticleParser.lines(of: article.markdown)
      for section in article.sections {
        for list in section.statusLists {
          for label in list where known[label] == nil {
            let line =
              ArticleParser.firstLine(
                containing: "**\(label)", in: lines, from: section.line - article.bodyLine
              )
              .map { $0 + article.bodyLine } ?? section.line
            let suggestion = Self.closest(label, in: Array(known.keys)).map {
              "use the catalog label \"\($0)\""
            }
            findings.append(
              finding(
                .labels, article.path, line, "\"\(label)\" is not a \(language.rawValue) status label",
                fix: suggestion ?? "use a label from flowdesk states --lang \(language.rawValue)"))
          }
        }
      }
    }
    return findings
  }

  /// The label with the smallest edit distance, when it is close.
  static func closest(_ text: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, distance(text.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
    guard let (best, score) = scored, score <= max(3, best.count / 2) else { return nil }
    return best
  }

  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...b.count {
        current[j] = min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }

  // MARK: parity

  /// Groups the translations of each article: the English source and what translates it.
  func translationGroups() -> [String: [Article]] {
    Dictionary(grouping: library.articles, by: \.translationGroup)
  }

  func mentions(_ section: Section, _ language: Language) -> Set<String> {
    let keys = stateKeys(language)
    return Set(section.emphasis.compactMap { keys[$0] })
  }

  func parity() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    for (_, group) in translationGroups().sorted(by: { $0.key < $1.key }) where group.count > 1 {
      let sorted = group.sorted {
        (Language(rawValue: $0.language) ?? .sv) < (Language(rawValue: $1.language) ?? .sv)
      }
      let source = sorted[0]
      guard let sourceLanguage = Language(rawValue: source.language) else { continue }
      for translation in sorted.dropFirst() {
        guard let language = Language(rawValue: translation.language) else { continue }
        findings += compare(source, sourceLanguage, translation, language)
      }
    }
    return findings
  }

  func compare(_ source: Article, _ sourceLanguage: Language, _ translation: Article, _ language: Language)
    -> [DocsFinding]
  {
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
          fix: "translate every section of the source, and add none"))
    }
    // Match sections by anchor where both have one, otherwise by position.
    var pairs: [(Section, Section)] = []
    for (position, sourceSection) in sourceSections.enumerated() {
      if let anchor = sourceSection.anchor {
        if let match = translatedSections.first(where: { $0.anchor == anchor }) {
          pairs.append((sourceSection, match))
        }
      } else if position < translatedSections.count, translatedSections[position].anchor == nil {
        pairs.append((sourceSection, translatedSections[position]))
      }
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
    for (original, translated) in pairs {
      if original.codeAnchor != nil, original.resolution.count != translated.resolution.count {
        findings.append(
          finding(
            .parity, file, translated.line,
            "\(original.codeAnchor!) has \(translated.resolution.count) resolution steps, the source has \(original.resolution.count)",
            fix: "translate each step of the source as one step"))
      }
      let expected = mentions(original, sourceLanguage)
      let found = mentions(translated, language)
      if expected != found {
        let describe = { (keys: Set<String>, language: Language) -> String in
          guard !keys.isEmpty else { return "no state" }
          let labels = self.stateKeys(language)
          return keys.sorted().map { key in
            let label = labels.first { $0.value == key }?.key ?? key
            return "\"\(label)\" (\(key.split(separator: ".").last ?? ""))"
          }.joined(separator: ", ")
        }
        findings.append(
          finding(
            .parity, file, translated.line,
            "section \"\(translated.heading)\" mentions \(describe(found.subtracting(expected), language)) where the \(sourceLanguage.rawValue) section mentions \(describe(expected.subtracting(found), sourceLanguage))",
            fix: "use the \(language.rawValue) label of the same status as the source, in bold or italics"))
      }
    }
    return findings
  }

  // MARK: links

  func links() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    for article in library.articles {
      let folder = article.url.deletingLastPathComponent()
      for link in article.links {
        guard Self.isRelative(link.target) else { continue }
        let (path, anchor) = Self.split(link.target)
        var target: Article? = article
        if !path.isEmpty {
          let url = folder.appendingPathComponent(path).standardizedFileURL
          guard FileManager.default.fileExists(atPath: url.path) else {
            findings.append(
              finding(
                .links, article.path, link.line,
                "the link \(link.target) points to a file that does not exist",
                fix: "correct the path, or add \(path)"))
            continue
          }
          target = library.articles.first { $0.url.standardizedFileURL == url }
        }
        if let anchor, !anchor.isEmpty, let target, !Self.anchors(of: target).contains(anchor) {
          findings.append(
            finding(
              .links, article.path, link.line,
              "the link \(link.target) names an anchor #\(anchor) that \(target.path) does not have",
              fix: "link to an existing anchor"))
        }
      }
      for image in article.images where Self.isRelative(image.target) {
        let url = folder.appendingPathComponent(Self.split(image.target).path).standardizedFileURL
        if !FileManager.default.fileExists(atPath: url.path) {
          findings.append(
            finding(
              .links, article.path, image.line, "the image \(image.target) does not exist",
              fix: "add the image, or correct its path"))
        }
      }
    }
    return findings
  }

  static func isRelative(_ target: String) -> Bool {
    let lowered = target.lowercased()
    return
      !(lowered.contains("://") || lowered.hasPrefix("mailto:") || lowered.hasPrefix("tel:")
      || lowered.hasPrefix("/") || lowered.hasPrefix("data:"))
  }

  static func split(_ target: String) -> (path: String, anchor: String?) {
    guard let hash = target.firstIndex(of: "#") else { return (target, nil) }
    return (String(target[..<hash]), String(target[target.index(after: hash)...]))
  }

  static func anchors(of article: Article) -> Set<String> {
    Set(article.html.matches(of: /id="([^"]+)"/).map { String($0.1) })
  }

  // MARK: front matter staleness

  func staleness() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    let byUID = library.byUID
    for article in library.articles {
      let matter = article.frontMatter
      guard let sourceUID = matter.translates else { continue }
      guard let source = byUID[sourceUID] else {
        findings.append(
          finding(
            .frontMatter, article.path, matter.lines["translates"],
            "translates names \(sourceUID), which no article has",
            fix: "set translates to the uid of the English source"))
        continue
      }
      if source.language != Language.en.rawValue {
        findings.append(
          finding(
            .frontMatter, article.path, matter.lines["translates"],
            "translates names \(sourceUID), which is not English",
            fix: "translate from the English article"))
      }
      if let day = matter.day, let sourceDay = source.frontMatter.day, day < sourceDay {
        findings.append(
          finding(
            .frontMatter, article.path, matter.lines["date"],
            "possibly stale: dated \(matter.date), but the source \(source.path) is dated \(source.frontMatter.date)",
            fix: "bring the translation up to date, then copy the source's date and version"))
      } else if Self.compareVersions(matter.version, source.frontMatter.version) < 0 {
        findings.append(
          finding(
            .frontMatter, article.path, matter.lines["version"],
            "possibly stale: version \(matter.version), but the source \(source.path) is version \(source.frontMatter.version)",
            fix: "bring the translation up to date, then copy the source's date and version"))
      }
    }
    return findings
  }

  static func compareVersions(_ a: String, _ b: String) -> Int {
    let left = a.split(separator: ".").map { Int($0) ?? 0 }
    let right = b.split(separator: ".").map { Int($0) ?? 0 }
    for index in 0..<max(left.count, right.count) {
      let l = index < left.count ? left[index] : 0
      let r = index < right.count ? right[index] : 0
      if l != r { return l < r ? -1 : 1 }
    }
    return 0
  }

  // MARK: scenarios

  func scenarios() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    var covered: Set<String> = []
    let english = articles(in: .en)
    for article in english {
      for scenario in Scenario.all(in: article) {
        let section = article.sections.last { $0.line <= scenario.line }
        do {
          let outcome = try scenario.run()
          for disagreement in outcome.disagreements {
            findings.append(
              finding(
                .scenarios, article.path, scenario.line,
                "the scenario disagrees with the engine: \(disagreement)",
                fix: "correct the scenario, or the text it illustrates if the engine is right"))
          }
          if outcome.disagreements.isEmpty, let code = section?.codeAnchor,
            outcome.codes.contains(code)
          {
            covered.insert(code)
          }
        } catch {
          findings.append(
            finding(
              .scenarios, article.path, scenario.line, "the scenario cannot run: \(error)",
              fix: "correct the scenario"))
        }
      }
    }
    // Only a full content tree is expected to prove every code.
    guard !english.isEmpty else { return findings }
    for code in FlowCode.active.sorted() where code.isProducedByEngine && !covered.contains(code.id) {
      let place = english.first { $0.section(for: code) != nil }
      findings.append(
        finding(
          .scenarios, place?.path ?? english[0].path, place?.section(for: code)?.line,
          "\(code.id) has no scenario that reproduces it",
          fix: "add a <!-- scenario ... --> comment to the \(code.id) section that produces \(code.id)"))
    }
    return findings
  }
}
