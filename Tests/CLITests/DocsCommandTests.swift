import Foundation
import Testing

@Suite("flowdesk docs check")
struct DocsCommandTests {
  struct Report: Decodable {
    struct Finding: Decodable {
      let file: String
      let line: Int?
      let rule: String
      let message: String
      let fix: String
    }
    let findings: [Finding]
    let articles: Int
  }

  @Test func bundledContentHasNoFindingsAndExitsZero() throws {
    let result = try CLI.run(["docs", "check"])
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout.hasPrefix("docs check: no findings in "))
  }

  static let seeds = CLI.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/seeds")

  @Test(
    .enabled(
      if: FileManager.default.fileExists(atPath: seeds.path), "the seeds folder is not beside this clone"))
  func findingsExitOneAndAreJSON() throws {
    let seeds = Self.seeds
    let result = try CLI.run([
      "docs", "check", "--content", seeds.path, "--format", "json", "--rule", "parity",
    ])
    #expect(result.status == 1)
    let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    #expect(report.articles == 2)
    #expect(report.findings.count == 1)
    #expect(report.findings.first?.rule == "parity")
    #expect(report.findings.first?.line == 59)
  }

  @Test func missingContentFolderExitsTwo() throws {
    let result = try CLI.run(["docs", "check", "--content", "/nonexistent/flowdesk-content"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("does not exist"))
  }

  @Test func unknownRuleExitsTwo() throws {
    let result = try CLI.run(["docs", "check", "--rule", "spelling"])
    #expect(result.status == 2)
  }
}
