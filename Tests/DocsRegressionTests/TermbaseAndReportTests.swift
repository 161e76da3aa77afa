import Foundation
import Localization
import TestSupport
import Testing

@testable import HelpContent

@Suite("Termbase, findings for CI, and the seeds")
struct TermbaseAndReportTests {
  // MARK: termbase

  @Test func termbaseReadsTBXStatusesAndConcepts() throws {
    let termbase = try TBX.read(Paths.docfxCorpus.appendingPathComponent("terms/status.tbx"))
    #expect(Set(termbase.concepts.map(\.id)) == Set(Termbase.statusConceptIds))
    #expect(termbase.languages == ["de", "en", "nl", "sv"])
    #expect(termbase.preferred("participant.cancelled", in: "de") == "Abgebrochen")
    #expect(termbase.preferred("participant.cancelled", in: "de-CH") == "Abgebrochen")
    let cancelled = try #require(termbase.concept("participant.cancelled"))
    #expect(termbase.terms(of: cancelled, in: "de").map(\.status) == [.preferred, .deprecated])
    let droppedOut = try #require(termbase.concept("participant.droppedOut"))
    #expect(termbase.terms(of: droppedOut, in: "en").map(\.text) == ["Dropped out", "Drop-out", "Drop out"])
  }

  /// Chinese and Japanese put no spaces between words: `流程进行中。` holds the term `进行中`,
  /// which matching whole words never found (seen on Vue's Chinese docs with a termbase).
  @Test func termsAreFoundInsideTextWrittenWithoutSpaces() {
    let termbase = Termbase(concepts: [
      Termbase.Concept(
        id: "flow.running",
        terms: [
          "zh": [.init(text: "运行中", status: .preferred), .init(text: "进行中", status: .deprecated)],
          "ja": [.init(text: "稼働中", status: .deprecated)],
        ])
    ])
    let chinese = TermMatcher(termbase: termbase, language: "zh")
    #expect(chinese.mentions(in: "流程进行中。").map(\.text) == ["进行中"])
    #expect(chinese.mentions(in: "当状态为*进行中*时").map(\.text) == ["进行中"])
    #expect(chinese.mentions(in: "Vue进行中 and 运行中").map(\.text) == ["进行中", "运行中"])
    #expect(chinese.mentions(in: "进行").isEmpty)
    let japanese = TermMatcher(termbase: termbase, language: "ja")
    #expect(japanese.mentions(in: "サーバーは稼働中です").map(\.text) == ["稼働中"])
    #expect(TermMatcher.writtenWords(of: "Flow 运行 ok") == ["Flow", "运", "行", "ok"])
  }

  @Test func termbaseRefusesDoctypeAndEntities() throws {
    let tbx = """
      <?xml version="1.0"?>
      <!DOCTYPE martif [<!ENTITY x SYSTEM "file:///etc/passwd">]>
      <martif><text><body><termEntry id="flow.running"><langSet xml:lang="en"><tig><term>&x;</term></tig></langSet></termEntry></body></text></martif>
      """
    #expect(throws: TermbaseError.self) { try TBX.parse(Data(tbx.utf8), displayName: "evil.tbx") }
    do {
      _ = try TBX.parse(Data(tbx.utf8), displayName: "evil.tbx")
    } catch {
      #expect(error.line == 2)
      #expect(error.reason.contains("DOCTYPE"))
    }
  }

  @Test func termbaseExportOfTheCatalogsReadsBackWithEveryLabel() throws {
    let (localizer, errors) = Localizer.load(from: Paths.locales)
    #expect(errors.isEmpty)
    let exported = Termbase.flowdesk(localizer)
    let xml = TBX.write(exported, title: "Flowdesk status terms")
    let read = try TBX.parse(Data(xml.utf8), displayName: "flowdesk.tbx")
    #expect(read.concepts.map(\.id) == Termbase.statusConceptIds)
    #expect(read.preferred("participant.droppedOut", in: "sv") == "Bortfall")
    #expect(read.preferred("flow.notRunning", in: "nl") == "Wordt niet uitgevoerd")
    #expect(read.languages == ["en", "nl", "sv"])
  }

  // MARK: the loader and coverage

  @Test func coverageGivesNoFalseFindingsForTheCodesOfAnArticleWhoseFrontMatterFailed() throws {
    let copy = try Paths.copyOfContent()
    defer { try? FileManager.default.removeItem(at: copy.root) }
    let url = copy.content.appendingPathComponent("nl/flow-participants.md")
    try Paths.replace("\ntitle:", with: "\ntitel:", in: url)
    let findings = DocsChecker.load(content: copy.content, locales: copy.locales).check()
    #expect(findings.contains { $0.rule == "front-matter" && $0.file == "content/nl/flow-participants.md" })
    #expect(!findings.contains { $0.rule == "coverage" }, "\(findings.map(\.description))")
  }

  // MARK: findings for CI

  static func corpusReport() throws -> DocsReport {
    let findings = try DocFXCorpusTests.findings()
    return DocsReport(
      findings: findings, articles: 12, rules: [.frontMatter, .links, .labels, .parity, .terminology])
  }

  @Test func sarifOutputIsSARIF210WithRuleLevelMessageAndRegion() throws {
    let report = try Self.corpusReport()
    let object = try JSONSerialization.jsonObject(with: Data(try report.sarif().utf8)) as? [String: Any]
    let log = try #require(object)
    #expect(log["version"] as? String == "2.1.0")
    let run = try #require((log["runs"] as? [[String: Any]])?.first)
    let rules = try #require(
      ((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
    let results = try #require(run["results"] as? [[String: Any]])
    #expect(results.count == report.findings.count)
    for (result, finding) in zip(results, report.findings) {
      #expect(result["ruleId"] as? String == finding.rule)
      #expect(result["level"] as? String == finding.level.rawValue)
      let index = try #require(result["ruleIndex"] as? Int)
      #expect(rules[index]["id"] as? String == finding.rule)
      let location = try #require(
        (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
      #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == finding.file)
      #expect((location["region"] as? [String: Any])?["startLine"] as? Int == finding.line)
    }
  }

  @Test func junitOutputIsWellFormedWithAFailurePerErrorOrWarning() throws {
    let report = try Self.corpusReport()
    let xml = report.junit()
    let document = try LibXML.parseXML(Data(xml.utf8), url: "junit.xml")
    let root = try #require(document.root)
    #expect(root.name == "testsuites")
    let failures = root.descendants(named: ["failure"])
    #expect(failures.count == report.findings.filter { $0.level != .note }.count)
    #expect(root.attribute("failures") == "\(failures.count)")
    #expect(root.descendants(named: ["testsuite"]).count == 5)
  }

  @Test func githubOutputIsOneWorkflowCommandPerFindingWithItsLevel() throws {
    let report = try Self.corpusReport()
    let lines = report.github().split(separator: "\n").map(String.init)
    #expect(lines.count == report.findings.count + 1)
    for (line, finding) in zip(lines, report.findings) {
      let command = finding.level == .note ? "notice" : finding.level.rawValue
      #expect(
        line.hasPrefix(
          "::\(command) file=\(finding.file),line=\(finding.line ?? 0),title=docs check%3A \(finding.rule)::")
      )
      #expect(!line.dropFirst(2).contains("\n"))
    }
  }

  /// A check that read nothing must not pass for one that found nothing, in any format: the
  /// summary line (text and GitHub), a SARIF tool notification and a skipped JUnit suite.
  @Test func filesNotReadAreReportedInEveryFormat() throws {
    let report = DocsReport(findings: [], articles: 0, unread: 3, rules: [.links])
    let notice = "3 file(s) not read as articles, so not checked"
    #expect(report.github().hasSuffix(report.summary) && report.summary.contains(notice))
    let object = try JSONSerialization.jsonObject(with: Data(try report.sarif().utf8)) as? [String: Any]
    let run = try #require((object?["runs"] as? [[String: Any]])?.first)
    let invocation = try #require((run["invocations"] as? [[String: Any]])?.first)
    #expect(invocation["executionSuccessful"] as? Bool == true)
    let notification = try #require(
      (invocation["toolExecutionNotifications"] as? [[String: Any]])?.first)
    #expect(notification["level"] as? String == "warning")
    #expect(((notification["message"] as? [String: Any])?["text"] as? String)?.hasPrefix(notice) == true)
    // The document owns its nodes: it is kept while they are read.
    let document = try LibXML.parseXML(Data(report.junit().utf8), url: "junit.xml")
    let root = try #require(document.root)
    let unread = try #require(
      root.descendants(named: ["testsuite"]).first { $0.attribute("name") == "unread" })
    #expect(unread.attribute("skipped") == "1" && unread.attribute("failures") == "0")
    #expect(root.attribute("tests") == "2")
    #expect(unread.descendants(named: ["skipped"]).first?.attribute("message")?.hasPrefix(notice) == true)
    // Every file read: nothing of the kind.
    let whole = DocsReport(findings: [], articles: 3, rules: [.links])
    #expect(!(try whole.sarif()).contains("invocations") && !whole.junit().contains("unread"))
  }

  // MARK: the seeds

  @Test(.enabled(if: Paths.seedsPresent, "the seeds folder is not beside this clone (../shared/seeds)"))
  func seedsReportTheSwedishBortfallAtItsOwnLine() throws {
    let checker = DocsChecker.load(content: Paths.seeds, locales: Paths.locales, contentName: "seeds")
    let findings = checker.check(rules: [.parity, .terminology, .labels])
    let text = try String(
      contentsOf: Paths.seeds.appendingPathComponent("001_67df4b8b06b4dc35.txt"), encoding: .utf8)
    let line =
      try #require(
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("*Bortfall*") }
      ) + 1
    #expect(findings.count == 1, "\(findings.map(\.description))")
    let finding = try #require(findings.first)
    #expect(finding.rule == "parity")
    #expect(finding.level == .error)
    #expect(finding.file == "seeds/001_67df4b8b06b4dc35.txt")
    #expect(finding.line == line)
    #expect(finding.message.contains("Bortfall") && finding.message.contains("participant.cancelled"))
    #expect(finding.fix.contains("Avbruten"))
  }
}
