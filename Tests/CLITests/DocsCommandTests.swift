import Foundation
import Testing

@Suite("flowdesk docs check")
struct DocsCommandTests {
  struct Report: Decodable {
    struct Finding: Decodable {
      let file: String
      let line: Int?
      let rule: String
      let level: String
      let message: String
      let fix: String
    }
    let findings: [Finding]
    let articles: Int
  }

  @Test func bundledContentHasNoFindingsAndExitsZero() async throws {
    let result = try await CLI.run(["docs", "check"])
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout.hasPrefix("docs check: no findings in "))
  }

  static let seeds = CLI.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/seeds")

  @Test(
    .enabled(
      if: FileManager.default.fileExists(atPath: seeds.path), "the seeds folder is not beside this clone"))
  func findingsExitOneAndAreJSON() async throws {
    let seeds = Self.seeds
    let result = try await CLI.run([
      "docs", "check", "--content", seeds.path, "--format", "json", "--rule", "parity",
    ])
    #expect(result.status == 1)
    let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    #expect(report.articles == 2)
    #expect(report.findings.count == 1)
    #expect(report.findings.first?.rule == "parity")
    #expect(report.findings.first?.level == "error")
    // At the line that says "Bortfall", not at its section's heading.
    let text = try String(
      contentsOf: seeds.appendingPathComponent("001_67df4b8b06b4dc35.txt"), encoding: .utf8)
    let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
      $0.contains("*Bortfall*")
    }
    #expect(report.findings.first?.line == line.map { $0 + 1 })
  }

  static let corpus = CLI.packageRoot.appendingPathComponent(
    "Tests/DocsRegressionTests/Resources/docfx-corpus")

  @Test func sarifFormatWritesSARIF210AndExitsOneOnTheCorpus() async throws {
    let result = try await CLI.run(["docs", "check", "--content", Self.corpus.path, "--format", "sarif"])
    #expect(result.status == 1, "\(result.stderr)")
    let log = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(log?["version"] as? String == "2.1.0")
    let results = (log?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]
    #expect(results?.count == 10)
  }

  @Test func junitAndGithubFormatsExitLikeText() async throws {
    let junit = try await CLI.run(["docs", "check", "--content", Self.corpus.path, "--format", "junit"])
    #expect(junit.status == 1)
    #expect(junit.stdout.hasPrefix("<?xml"))
    let github = try await CLI.run(["docs", "check", "--content", Self.corpus.path, "--format", "github"])
    #expect(github.status == 1)
    #expect(github.stdout.contains("::error file="))
    #expect(github.stdout.contains("::notice file="))
  }

  @Test func termbaseFlagOverridesTheConfigurationsTermbase() async throws {
    // With the catalogs' termbase written out and passed instead, German has no terms: its
    // terminology findings go, and the Dutch and Swedish ones stay.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "flowdesk-tbx-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("flowdesk.tbx")
    let export = try await CLI.run(["locales", "termbase", "--output", file.path])
    #expect(export.status == 0, "\(export.stderr)")
    let result = try await CLI.run([
      "docs", "check", "--content", Self.corpus.path, "--termbase", file.path, "--rule", "terminology",
      "--format", "json",
    ])
    let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    #expect(!report.findings.contains { $0.file.contains("/de/") })
    #expect(report.findings.contains { $0.file.contains("/sv/") && $0.message.contains("Avbrutt") })
  }

  @Test func localesTermbaseWritesTBXToStandardOutput() async throws {
    let result = try await CLI.run(["locales", "termbase"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("<termEntry id=\"participant.droppedOut\">"))
    #expect(result.stdout.contains("<term>Bortfall</term>"))
  }

  @Test func missingContentFolderExitsTwo() async throws {
    let result = try await CLI.run(["docs", "check", "--content", "/nonexistent/flowdesk-content"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("does not exist"))
  }

  @Test func unknownRuleExitsTwo() async throws {
    let result = try await CLI.run(["docs", "check", "--rule", "spelling"])
    #expect(result.status == 2)
  }

  @Test func anIgnoreLinkThatIsNotARegularExpressionExitsTwo() async throws {
    let result = try await CLI.run(["docs", "check", "--ignore-link", "(unclosed"])
    #expect(result.status == 2)
    #expect(
      result.stderr.contains("--ignore-link has (unclosed, which is not a regular expression"),
      "\(result.stderr)")
    // A pattern that matches nothing leaves the bundled content as it was: no findings.
    let kept = try await CLI.run(["docs", "check", "--ignore-link", "^nothing-links-here$"])
    #expect(kept.status == 0, "\(kept.stdout)")
  }

  @Test func excludeLeavesFilesOutAndTheSummarySaysHowMany() async throws {
    let refused = try await CLI.run(["docs", "check", "--exclude", ""])
    #expect(refused.status == 2)
    #expect(
      refused.stderr.contains("--exclude has an empty pattern, which would match every file; remove it"),
      "\(refused.stderr)")
    let all = try await CLI.run(["docs", "check", "--rule", "links"])
    let dutch = try await CLI.run(["docs", "check", "--rule", "links", "--exclude", "^nl/"])
    #expect(dutch.status == 0, "\(dutch.stdout)")
    let counts = [all, dutch].map { $0.stdout.firstMatch(of: /in (\d+) articles/).map { Int($0.1)! } ?? -1 }
    let excluded = dutch.stdout.firstMatch(of: /; (\d+) file\(s\) excluded by the configuration/).map {
      Int($0.1)!
    }
    #expect(
      counts[0] > 0 && excluded != nil && counts[1] == counts[0] - excluded!, "\(all.stdout)\n\(dutch.stdout)"
    )
    #expect(excluded.map { $0 > 0 } == true, "\(dutch.stdout)")
  }
}
