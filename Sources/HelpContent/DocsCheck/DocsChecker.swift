import FlowEngine
import Foundation
import Localization

/// Checks help content and catalogs against the engine: what is missing, stale,
/// contradictory or broken. Each finding names its file, line, rule, level and fix.
public struct DocsChecker: Sendable {
  public let library: ContentLibrary
  public let localizer: Localizer
  public let catalogErrors: [CatalogError]
  public let configuration: DocsConfiguration
  /// The status terms per language: the configured TBX file, or the catalogs' labels.
  public let termbase: Termbase

  public init(
    library: ContentLibrary, localizer: Localizer, catalogErrors: [CatalogError] = [],
    configuration: DocsConfiguration = DocsConfiguration(), termbase: Termbase? = nil
  ) {
    self.library = library
    self.localizer = localizer
    self.catalogErrors = catalogErrors
    self.configuration = configuration
    self.termbase = termbase ?? Termbase.flowdesk(localizer)
  }

  /// Loads content and catalogs from folders.
  public static func load(
    content: URL, locales: URL, contentName: String = "content",
    configuration: DocsConfiguration = DocsConfiguration(), termbase: Termbase? = nil
  ) -> DocsChecker {
    // Patterns were checked when the configuration was read.
    let library = ContentLibrary.load(
      from: content, displayRoot: contentName, requiredKeys: configuration.requiredKeys,
      excluding: configuration.excludedFiles.compactMap { try? Regex($0) }, languages: configuration.languages
    )
    let (localizer, errors) = Localizer.load(from: locales)
    return DocsChecker(
      library: library, localizer: localizer, catalogErrors: errors, configuration: configuration,
      termbase: termbase)
  }

  /// Runs the rules (the configuration's by default) and returns the findings, ordered by
  /// file and line.
  public func check(rules: Set<DocsRule>? = nil) -> [DocsFinding] {
    let rules = rules ?? configuration.rules
    var findings: [DocsFinding] = []
    for problem in library.problems {
      let rule = DocsRule(rawValue: problem.rule) ?? .frontMatter
      if rules.contains(rule) || problem.rule == ContentProblem.folderRule { findings.append(problem) }
    }
    if rules.contains(.coverage) { findings += coverage() }
    if rules.contains(.catalogs) { findings += catalogs() }
    if rules.contains(.labels) { findings += labels() }
    if rules.contains(.parity) { findings += parity() }
    if rules.contains(.terminology) { findings += terminology() }
    if rules.contains(.links) { findings += links() }
    if rules.contains(.frontMatter) { findings += staleness() }
    if rules.contains(.scenarios) { findings += scenarios() }
    return findings.sorted {
      ($0.file, $0.line ?? 0, $0.rule, $0.message) < ($1.file, $1.line ?? 0, $1.rule, $1.message)
    }
  }

  func finding(
    _ rule: DocsRule, _ file: String, _ line: Int?, _ message: String, fix: String,
    level: DocsFinding.Level = .error
  ) -> DocsFinding {
    DocsFinding(file: file, line: line, rule: rule.rawValue, level: level, message: message, fix: fix)
  }

  /// The status terms of a language.
  func matcher(_ language: String) -> TermMatcher { TermMatcher(termbase: termbase, language: language) }

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
      // A file whose front matter failed is reported once, by the loader; the codes it holds
      // are not also missing.
      let pending = library.rejectedCodeAnchors[language.rawValue] ?? []
      for code in FlowCode.allCases.sorted() {
        guard let (article, section) = sections[code.id] else {
          if pending.contains(code.id) { continue }
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
        } else if unit.needsReview {
          let mark =
            unit.state.flatMap { Catalog.Unit.reviewStates.contains($0) ? $0 : nil } ?? #"approved="no""#
          findings.append(
            finding(
              .catalogs, file, unit.line, "stale translation: \(id) is marked \(mark)",
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

  func labels() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    for article in library.articles {
      let terms = matcher(article.language)
      guard !terms.isEmpty else { continue }
      for section in MarkdownUnits(markdown: article.markdown, bodyLine: article.bodyLine).sections {
        for list in Self.statusLists(section.items, terms) {
          let labels = list.compactMap { item in item.label.map { (item, $0) } }
          for (item, label) in labels {
            let line = item.lines[0].number
            if let entry = terms.whole(label) {
              if entry.term.status == .deprecated,
                let preferred = termbase.preferred(entry.concept, in: article.language)
              {
                findings.append(
                  finding(
                    .labels, article.path, line, "\"\(label)\" is a deprecated term for \(entry.concept)",
                    fix: "use \"\(preferred)\""))
              }
              continue
            }
            let suggestion = Self.closest(
              label, in: terms.entries.filter { $0.term.status != .deprecated }.map(\.term.text))
            findings.append(
              finding(
                .labels, article.path, line, "\"\(label)\" is not a \(article.language) status label",
                fix: suggestion.map { "use the term \"\($0)\"" }
                  ?? "use a term from the termbase (flowdesk locales termbase)"))
          }
        }
      }
    }
    return findings
  }

  /// The status lists of a section: runs of list items with a bold label, most of them status
  /// terms. A list of bold UI names ("Move", "Duplicate", "Pause") is not one.
  static func statusLists(_ items: [MarkdownUnits.Item], _ terms: TermMatcher) -> [[MarkdownUnits.Item]] {
    var runs: [[MarkdownUnits.Item]] = []
    var current: [MarkdownUnits.Item] = []
    for item in items {
      if item.label != nil {
        current.append(item)
      } else if !current.isEmpty {
        runs.append(current)
        current = []
      }
    }
    if !current.isEmpty { runs.append(current) }
    return runs.filter { run in
      let known = run.filter { terms.whole($0.label ?? "") != nil }.count
      return known > 0 && known * 2 >= run.count
    }
  }

  /// The text with the smallest edit distance, when it is close.
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

  // MARK: links

  /// The folders inside which a link's target can be resolved: the content root and the
  /// configured link roots.
  var linkRoots: [URL] { [library.root.standardizedFileURL] + configuration.linkRoots }

  /// Whether a file URL is inside one of the link roots.
  func isResolvable(_ url: URL) -> Bool {
    let path = url.standardizedFileURL.pathComponents
    return linkRoots.contains { root in
      let base = root.standardizedFileURL.pathComponents
      return path.count >= base.count && Array(path.prefix(base.count)) == base
    }
  }

  func links() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    // Each article's anchors, and the article at each file, found once, not for every link.
    let byURL = Dictionary(
      library.articles.map { ($0.url.standardizedFileURL, $0) }, uniquingKeysWith: { first, _ in first })
    var anchorsByPath: [String: Set<String>] = [:]
    func anchors(of article: Article) -> Set<String> {
      if let known = anchorsByPath[article.path] { return known }
      let found = Self.anchors(of: article, definitionTerms: configuration.definitionTermAnchors)
      anchorsByPath[article.path] = found
      return found
    }
    // Patterns were checked when the configuration was read.
    let ignored = configuration.ignoredLinks.compactMap { try? Regex($0) }
    for article in library.articles {
      let folder = article.url.deletingLastPathComponent()
      for link in article.links {
        // With the site's links, `/guide/x` is a page of the site, from the content root.
        let fromRoot =
          configuration.siteLinks && link.target.hasPrefix("/") && !link.target.hasPrefix("//")
        guard Self.isRelative(link.target) || fromRoot else { continue }
        if ignored.contains(where: { link.target.contains($0) }) { continue }
        let (path, anchor) = Self.split(link.target)
        var target: Article? = article
        if !path.isEmpty {
          var url = (fromRoot ? library.root : folder).appendingPathComponent(
            Self.decoded(fromRoot ? String(path.dropFirst()) : path)
          ).standardizedFileURL
          // A link that leaves every link root cannot be resolved here: not reported.
          guard isResolvable(url) else { continue }
          var exists = FileManager.default.fileExists(atPath: url.path)
          if !exists, configuration.siteLinks, let page = Self.sitePage(of: url) {
            url = page
            exists = FileManager.default.fileExists(atPath: url.path)
          }
          guard exists else {
            findings.append(
              finding(
                .links, article.path, link.line,
                "the link \(link.target) points to a file that does not exist",
                fix: "correct the path, or add \(path)"))
            continue
          }
          target = byURL[url]
        }
        // A browser decodes the fragment before it looks for the id: `#%C3%A9t%C3%A9` lands on `été`.
        if let anchor, !anchor.isEmpty, let target, !anchors(of: target).contains(anchor),
          !anchors(of: target).contains(Self.decoded(anchor))
        {
          findings.append(
            finding(
              .links, article.path, link.line,
              "the link \(link.target) names an anchor #\(anchor) that \(target.path) does not have",
              fix: Self.closest(to: anchor, in: anchors(of: target)).map {
                "link to #\($0), or to another anchor it has"
              }
                ?? "link to an existing anchor"))
        }
      }
      for image in article.images where Self.isRelative(image.target) {
        if ignored.contains(where: { image.target.contains($0) }) { continue }
        let url = folder.appendingPathComponent(Self.decoded(Self.split(image.target).path))
          .standardizedFileURL
        guard isResolvable(url) else { continue }
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

  /// The anchor nearest to a missing one, when one is near enough to be what was meant (a
  /// heading renamed, a typo, the slug of an older renderer): a third of its length or less
  /// apart, by edits. Ties go to the first in order.
  static func closest(to missing: String, in anchors: Set<String>) -> String? {
    let limit = max(1, missing.count / 3)
    var best: (anchor: String, distance: Int)?
    for anchor in anchors.sorted() where abs(anchor.count - missing.count) <= limit {
      let distance = Self.distance(missing.lowercased(), anchor.lowercased())
      if distance <= limit, distance < (best?.distance ?? .max) { best = (anchor, distance) }
    }
    return best?.anchor
  }

  /// The Markdown file behind a link to a file that is not there, as site generators write
  /// such links (VitePress, Docusaurus, MkDocs): `guide/intro` and `guide/intro.html` are the
  /// page of `guide/intro.md`. Nil for any other link.
  static func sitePage(of url: URL) -> URL? {
    switch url.pathExtension.lowercased() {
    case "": url.appendingPathExtension("md")
    case "html": url.deletingPathExtension().appendingPathExtension("md")
    default: nil
    }
  }

  /// A path with its percent escapes (`%20`) decoded.
  static func decoded(_ path: String) -> String { path.removingPercentEncoding ?? path }

  /// A link within the content: not a URL with a scheme (`https:`, `mailto:`, DocFX's `xref:`),
  /// not site-rooted.
  static func isRelative(_ target: String) -> Bool {
    if target.hasPrefix("/") || target.hasPrefix("#") && target.count == 1 { return false }
    return target.firstMatch(of: /^[A-Za-z][A-Za-z0-9+.-]*:/) == nil
  }

  /// A target's path, without its query (`page.md?lang=zh` is the file `page.md`), and its
  /// anchor.
  static func split(_ target: String) -> (path: String, anchor: String?) {
    let hash = target.firstIndex(of: "#")
    let beforeHash = target[..<(hash ?? target.endIndex)]
    let path = String(beforeHash[..<(beforeHash.firstIndex(of: "?") ?? beforeHash.endIndex)])
    return (path, hash.map { String(target[target.index(after: $0)...]) })
  }

  /// The anchors a link can name: every `id` in the rendered article, and each heading's id
  /// as static site generators give it: an explicit id at the end of the heading's line
  /// (see `explicitID`), else the GitHub-style slug of its text (DocFX, Hugo, GitHub), with
  /// `-1`, `-2` for a heading text that comes again.
  static func anchors(of article: Article, definitionTerms: Bool = false) -> Set<String> {
    var anchors = Set(article.html.matches(of: /id="([^"]+)"/).map { String($0.1) })
    let lines = ArticleParser.lines(of: article.markdown)
    var seen: [String: Int] = [:]
    func insert(slugOf text: String) {
      let slug = headingSlug(text)
      let repeats = seen[slug, default: 0]
      seen[slug] = repeats + 1
      anchors.insert(repeats == 0 ? slug : "\(slug)-\(repeats)")
    }
    for section in article.sections where section.level > 0 {
      let heading = section.heading.trimmingCharacters(in: .whitespaces)
      // The id as written, before Markdown reads `a_b_c` or `/*id*/` as emphasis.
      let index = section.line - article.bodyLine
      let written = lines.indices.contains(index) && lines[index].hasPrefix("#") ? lines[index] : heading
      if let id = explicitID(written) ?? explicitID(heading) {
        anchors.insert(id)
        continue
      }
      insert(slugOf: heading)
    }
    if definitionTerms {
      for term in definitionListTerms(article.markdown) { insert(slugOf: term) }
    }
    return anchors
  }

  /// The id a heading gives itself at its end: `{#id}` (Hugo, Pandoc, kramdown, MkDocs,
  /// VitePress) or `{/*id*/}` (react.dev's MDX).
  static func explicitID(_ heading: String) -> String? {
    if let match = heading.firstMatch(of: /\{#([^}\s]+)\}\s*$/) { return String(match.1) }
    if let match = heading.firstMatch(of: /\{\/\*\s*([^*}\s]+)\s*\*\/\}\s*$/) { return String(match.1) }
    return nil
  }

  /// The terms of the body's definition lists (a line, then a line that starts with `: `),
  /// outside fenced code, in order, as text: the Markdown of inline code and emphasis is
  /// dropped, as a renderer drops it from the term's id.
  static func definitionListTerms(_ markdown: String) -> [String] {
    let lines = ArticleParser.lines(of: markdown)
    return ArticleParser.unfencedLines(lines).compactMap { index in
      let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
      guard index + 1 < lines.count, !trimmed.isEmpty, !trimmed.hasPrefix(":"), !trimmed.hasPrefix("#"),
        lines[index + 1].hasPrefix(": ") || lines[index + 1].hasPrefix(":\t")
      else { return nil }
      return trimmed.filter { $0 != "`" && $0 != "*" }
    }
  }

  /// A heading's id as GitHub and DocFX write it: lowercase; letters, digits, `-` and `_`
  /// kept (any script); each space a `-`; everything else dropped.
  static func headingSlug(_ heading: String) -> String {
    String(
      heading.lowercased().unicodeScalars.compactMap { scalar -> Character? in
        if scalar == " " { return "-" }
        if scalar == "-" || scalar == "_" || scalar.properties.isAlphabetic
          || scalar.properties.numericType != nil || scalar.properties.generalCategory == .nonspacingMark
        {
          return Character(scalar)
        }
        return nil
      })
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
      if !isSource(source) {
        findings.append(
          finding(
            .frontMatter, article.path, matter.lines["translates"],
            "translates names \(sourceUID), which is not in the source language \(configuration.sourceLanguage)",
            fix: "translate from the \(configuration.sourceLanguage) article"))
      }
      if let day = matter.day, let sourceDay = source.frontMatter.day, day < sourceDay {
        findings.append(
          finding(
            .frontMatter, article.path, matter.lines["date"],
            "possibly stale: dated \(matter.date), but the source \(source.path) is dated \(source.frontMatter.date)",
            fix: "bring the translation up to date, then copy the source's date and version", level: .warning)
        )
      } else if Self.compareVersions(matter.version, source.frontMatter.version) < 0 {
        findings.append(
          finding(
            .frontMatter, article.path, matter.lines["version"],
            "possibly stale: version \(matter.version), but the source \(source.path) is version \(source.frontMatter.version)",
            fix: "bring the translation up to date, then copy the source's date and version", level: .warning)
        )
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
    let pending = library.rejectedCodeAnchors[Language.en.rawValue] ?? []
    for code in FlowCode.active.sorted()
    where code.isProducedByEngine && !covered.contains(code.id) && !pending.contains(code.id) {
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
