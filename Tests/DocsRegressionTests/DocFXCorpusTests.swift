import Foundation
import HelpContent
import Localization
import TestSupport
import Testing

/// The docs check on a documentation team's repository: the DocFX-style corpus in
/// `Resources/docfx-corpus` (en, nl, sv, de, nested folders, its own `.flowdesk-docs.yml` and
/// TBX termbase). Each rule has its true cases, planted in the corpus, and traps that must give
/// no finding: bold UI labels and menu names, lower-case descriptive uses, the English drop-out
/// spellings, step names that share a word with a status, and headings.
@Suite("Docs check on a DocFX corpus")
struct DocFXCorpusTests {
  static let root = Paths.docfxCorpus
  static let name = "corpus"

  /// The checker as `flowdesk docs check` sets it up: the corpus's configuration and termbase.
  static func checker(rules: Set<DocsRule>? = nil) throws -> DocsChecker {
    var configuration = try DocsConfiguration.load(contentRoot: root)
    if let rules { configuration.rules = rules }
    let termbase = try TBX.read(try #require(configuration.termbase))
    return DocsChecker.load(
      content: root, locales: Paths.locales, contentName: name, configuration: configuration,
      termbase: termbase)
  }

  static func findings(rules: Set<DocsRule>? = nil) throws -> [DocsFinding] {
    try checker(rules: rules).check()
  }

  /// The 1-based line of the first line containing `needle` in a corpus file.
  static func line(of needle: String, in file: String) throws -> Int {
    let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let index = try #require(lines.firstIndex { $0.contains(needle) }, "\(needle) is in \(file)")
    return index + 1
  }

  struct Expected: Hashable, CustomStringConvertible {
    var file: String
    var line: Int
    var rule: String
    var level: DocsFinding.Level
    var description: String { "\(file):\(line) \(level) [\(rule)]" }
  }

  static func expected(
    _ file: String, _ needle: String, _ rule: DocsRule, _ level: DocsFinding.Level
  ) throws -> Expected {
    Expected(file: "\(name)/\(file)", line: try line(of: needle, in: file), rule: rule.rawValue, level: level)
  }

  static let flowStatus = "marketing/flows/learn/flow-status.md"
  static let participants = "marketing/flows/learn/participants.md"
  static let ending = "marketing/flows/troubleshoot/ending-flows.md"

  @Test func theCorpusGivesExactlyItsPlantedMistakesAndNoTrapFires() throws {
    let found = Set(
      try Self.findings().map {
        Expected(file: $0.file, line: $0.line ?? 0, rule: $0.rule, level: $0.level)
      })
    let planted: Set<Expected> = [
      try Self.expected("nl/\(Self.flowStatus)", "| **Wordt uitgevoerd** |", .parity, .error),
      try Self.expected("de/\(Self.flowStatus)", "**Abgebroch**", .terminology, .warning),
      try Self.expected("de/\(Self.flowStatus)", "**Paused**", .terminology, .warning),
      try Self.expected("sv/\(Self.participants)", "Avbruten:** En kontroll", .parity, .error),
      try Self.expected("de/\(Self.participants)", "**Abgeschlosen:**", .labels, .error),
      try Self.expected("sv/\(Self.ending)", "*Avbrutt*", .terminology, .warning),
      try Self.expected("de/\(Self.ending)", "*Storniert*", .terminology, .warning),
      try Self.expected("nl/\(Self.ending)", "**Afgebroken**", .terminology, .warning),
      try Self.expected("nl/\(Self.ending)", "Een uitval in de geschiedenis", .parity, .note),
      try Self.expected("en/\(Self.ending)", "restart-a-flow.md", .links, .error),
    ]
    #expect(
      found.subtracting(planted).isEmpty,
      "false findings: \(found.subtracting(planted).sorted { $0.description < $1.description })")
    #expect(
      planted.subtracting(found).isEmpty,
      "missed: \(planted.subtracting(found).sorted { $0.description < $1.description })")
  }

  @Test func germanIsReadFromItsFolderAndNestedArticlesPairByPath() throws {
    let checker = try Self.checker()
    #expect(checker.library.languageFolders == ["de", "en", "nl", "sv"])
    #expect(checker.library.articles.count == 12)
    #expect(checker.library.problems.isEmpty, "\(checker.library.problems)")
    let groups = checker.translationGroups().map { Set($0.map(\.language)) }
    #expect(groups.count == 3)
    #expect(groups.allSatisfy { $0 == ["en", "nl", "sv", "de"] })
  }

  @Test func configurationLeavesOutTheFlowdeskOnlyRules() throws {
    let configured = try Self.findings()
    #expect(!configured.contains { DocsRule.flowdeskOnly.map(\.rawValue).contains($0.rule) })
    // The same corpus with coverage asked for: every registry code is missing from it.
    let withCoverage = try Self.findings(rules: [.coverage])
    #expect(withCoverage.contains { $0.rule == "coverage" })
  }

  // MARK: terminology

  @Test func terminologyFiresOnADeprecatedTermAndNamesThePreferredOne() throws {
    let findings = try Self.findings(rules: [.terminology])
    let file = "\(Self.name)/de/\(Self.ending)"
    let finding = try #require(findings.first { $0.file == file })
    #expect(finding.line == (try Self.line(of: "*Storniert*", in: "de/\(Self.ending)")))
    #expect(finding.message.contains("deprecated"))
    #expect(finding.fix.contains("Abgebrochen"))
  }

  @Test func terminologyFiresOnANearMissATruncationAndAnotherLanguagesForm() throws {
    let findings = try Self.findings(rules: [.terminology])
    let norwegian = try #require(findings.first { $0.file.hasSuffix("sv/\(Self.ending)") })
    #expect(norwegian.message.contains("Avbrutt"))
    #expect(norwegian.fix.contains("Avbruten"))
    let truncated = findings.filter { $0.file.hasSuffix("de/\(Self.flowStatus)") }
    #expect(truncated.contains { $0.message.contains("Abgebroch") && $0.fix.contains("Abgebrochen") })
    #expect(
      truncated.contains { $0.message.contains("\"Paused\" is the en term") && $0.fix.contains("Pausiert") })
  }

  @Test func terminologyGivesNoFindingForBoldUILabelsMenusStepNamesAndHeadings() throws {
    let findings = try Self.findings(rules: [.terminology])
    // Pause (a button, next to Paused), Finish (a step, next to Finished), menu paths,
    // a steps table, a UI action list and headings such as "Pause a running flow".
    let traps = [
      "**Pause**", "**Pauzeren**", "**Pausa**", "**Pausieren**", "**Finish**", "**Voltooien**", "**Avsluta**",
      "**Abschließen**", "> **Flows**", "> **Flöden**", "## ",
    ]
    for language in ["en", "nl", "sv", "de"] {
      for article in [Self.flowStatus, Self.participants, Self.ending] {
        let path = "\(language)/\(article)"
        let text = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where traps.contains(where: { line.contains($0) }) {
          #expect(
            !findings.contains { $0.file == "\(Self.name)/\(path)" && $0.line == index + 1 },
            "a trap fired at \(path):\(index + 1): \(line)")
        }
      }
    }
    #expect(
      !findings.contains { $0.file.contains("/en/") }, "English uses Drop-out, Drop out and Dropped out")
  }

  // MARK: labels

  @Test func labelsFireOnAMisspelledStatusLabelButNotOnAListOfUIActions() throws {
    let findings = try Self.findings(rules: [.labels])
    #expect(findings.count == 1, "\(findings.map(\.description))")
    let finding = try #require(findings.first)
    #expect(finding.file == "\(Self.name)/de/\(Self.participants)")
    #expect(finding.line == (try Self.line(of: "**Abgeschlosen:**", in: "de/\(Self.participants)")))
    #expect(finding.fix.contains("Abgeschlossen"))
  }

  // MARK: parity

  @Test func parityFiresOnAFlowStatusInAParticipantStatusTableRow() throws {
    let findings = try Self.findings(rules: [.parity]).filter { $0.file.hasSuffix("nl/\(Self.flowStatus)") }
    #expect(findings.count == 1, "\(findings.map(\.description))")
    let finding = try #require(findings.first)
    #expect(finding.level == .error)
    #expect(finding.line == (try Self.line(of: "| **Wordt uitgevoerd** |", in: "nl/\(Self.flowStatus)")))
    #expect(finding.message.contains("flow.running"))
    #expect(finding.message.contains("participant.active"))
    #expect(finding.fix.contains("Actief"))
  }

  @Test func parityFiresWhenTwoStatusesShareOneWord() throws {
    // The Swedish list calls both dropped-out and cancelled participants "Avbruten".
    let findings = try Self.findings(rules: [.parity]).filter { $0.file.hasSuffix("sv/\(Self.participants)") }
    #expect(findings.count == 1, "\(findings.map(\.description))")
    let finding = try #require(findings.first)
    #expect(finding.level == .error)
    #expect(finding.line == (try Self.line(of: "Avbruten:** En kontroll", in: "sv/\(Self.participants)")))
    #expect(finding.message.contains("participant.droppedOut"))
    #expect(finding.fix.contains("Bortfall"))
  }

  @Test func parityIsOnlyANoteWhereATranslationNamesNoStatus() throws {
    let findings = try Self.findings(rules: [.parity]).filter { $0.file.hasSuffix("nl/\(Self.ending)") }
    #expect(findings.map(\.level) == [.note], "\(findings.map(\.description))")
    #expect(
      findings.first?.line == (try Self.line(of: "Een uitval in de geschiedenis", in: "nl/\(Self.ending)")))
    let report = DocsReport(findings: findings, articles: 1, rules: [.parity])
    #expect(!report.fails)
  }

  @Test func parityGivesNoFindingForLowerCaseUsesDropOutSpellingsStepNamesAndHeadings() throws {
    // "active participants", "a running flow", Drop-out / Drop out / Dropped out, the Finish
    // step, and headings: only the two planted errors and the planted note are parity's.
    let findings = try Self.findings(rules: [.parity])
    #expect(findings.count == 3, "\(findings.map(\.description))")
    #expect(!findings.contains { $0.file.hasSuffix("de/\(Self.flowStatus)") || $0.file.contains("/en/") })
  }

  // MARK: links

  @Test func linksFireOnAMissingPageInsideTheFolderButNotOnLinksLeavingIt() throws {
    let findings = try Self.findings(rules: [.links])
    #expect(findings.count == 1, "\(findings.map(\.description))")
    #expect(findings.first?.file == "\(Self.name)/en/\(Self.ending)")
    #expect(findings.first?.message.contains("restart-a-flow.md") == true)
    // With a link root that holds the media folder, the leaving image can be resolved, and
    // it is missing.
    var configuration = try DocsConfiguration.load(contentRoot: Self.root)
    configuration.rules = [.links]
    configuration.linkRoots = [Self.root.deletingLastPathComponent()]
    let checker = DocsChecker.load(
      content: Self.root, locales: Paths.locales, contentName: Self.name, configuration: configuration)
    #expect(checker.check().filter { $0.message.contains("flow-list.png") }.count == 4)
  }

  // MARK: pairing by uid

  @Test func parityPairsAFlatFolderByUIDWithTheLanguagePartSwapped() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    for language in ["en", "de"] {
      let source = Self.root.appendingPathComponent("\(language)/\(Self.participants)")
      try FileManager.default.copyItem(
        at: source, to: folder.appendingPathComponent("participants.\(language).md"))
    }
    let termbase = try TBX.read(Self.root.appendingPathComponent("terms/status.tbx"))
    let checker = DocsChecker.load(
      content: folder, locales: Paths.locales, contentName: "flat",
      configuration: DocsConfiguration(rules: [.parity, .labels]), termbase: termbase)
    #expect(checker.translationGroups().map(\.count) == [2])
    #expect(checker.check().map(\.rule) == ["labels"])
  }
}
