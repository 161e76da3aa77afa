import ArgumentParser
import Foundation
import HelpContent

struct Docs: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check the documentation.", subcommands: [Check.self])

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Find what is missing, stale, contradictory or broken in help content and catalogs.",
      discussion: """
        Exits 0 when there are no findings, 1 when there are, 2 when the check could not run.
        Rules: \(DocsRule.allCases.map(\.rawValue).joined(separator: ", ")).
        """)

    @OptionGroup var source: ContentOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(name: .customLong("rule"), help: "Run only this rule (repeatable).")
    var rules: [String] = []

    struct Report: Encodable {
      struct Finding: Encodable {
        let file: String
        let line: Int?
        let rule: String
        let message: String
        let fix: String
      }
      let findings: [Finding]
      let articles: Int
      let rules: [String]
    }

    func run() throws {
      var selected = Set(DocsRule.allCases)
      if !rules.isEmpty {
        selected = []
        for name in rules {
          guard let rule = DocsRule(rawValue: name) else {
            printError(
              "error: unknown rule \(name); rules: \(DocsRule.allCases.map(\.rawValue).joined(separator: ", "))"
            )
            throw ExitCode(2)
          }
          selected.insert(rule)
        }
      }
      let contentURL = source.contentURL
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: contentURL.path, isDirectory: &isDirectory),
        isDirectory.boolValue
      else {
        printError("error: the content folder \(source.content ?? "content") does not exist")
        throw ExitCode(2)
      }
      let checker = DocsChecker.load(
        content: contentURL, locales: source.localesURL, contentName: source.content ?? "content")
      let findings = checker.check(rules: selected)
      switch format {
      case .json:
        try printJSON(
          Report(
            findings: findings.map {
              Report.Finding(file: $0.file, line: $0.line, rule: $0.rule, message: $0.message, fix: $0.fix)
            }, articles: checker.library.articles.count, rules: selected.map(\.rawValue).sorted()))
      case .text:
        for finding in findings {
          let place = finding.line.map { "\(finding.file):\($0)" } ?? finding.file
          print("\(place): [\(finding.rule)] \(finding.message)")
          print("    fix: \(finding.fix)")
        }
        print(
          findings.isEmpty
            ? "docs check: no findings in \(checker.library.articles.count) articles"
            : "docs check: \(findings.count) finding(s) in \(checker.library.articles.count) articles")
      }
      if !findings.isEmpty { throw ExitCode(1) }
    }
  }
}
