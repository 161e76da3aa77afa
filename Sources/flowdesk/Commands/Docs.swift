import ArgumentParser
import Foundation
import HelpContent
import Localization

struct Docs: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check the documentation.", subcommands: [Check.self])

  /// How findings are written.
  enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif, junit, github
  }

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Find what is missing, stale, contradictory or broken in help content and catalogs.",
      discussion: """
        Exits 0 when there are no findings (or only notes), 1 when there are, 2 when the check could not run.
        Rules: \(DocsRule.allCases.map(\.rawValue).joined(separator: ", ")).
        A \(DocsConfiguration.fileName) file at the content root chooses rules, source_language, termbase
        and link_roots; flags override it.
        """)

    @OptionGroup var source: ContentOptions

    @Option(
      help: "Output format: text, json, sarif (SARIF 2.1.0), junit (JUnit XML) or github (workflow commands)."
    )
    var format: CheckFormat = .text

    @Option(name: .customLong("rule"), help: "Run only this rule (repeatable).")
    var rules: [String] = []

    @Option(help: "The language translations are compared with (default: en, or the configuration's).")
    var sourceLanguage: String?

    @Option(
      help: "A TBX termbase of the status terms (default: the catalogs' labels, or the configuration's).")
    var termbase: String?

    @Option(
      name: .customLong("link-root"),
      help: "A folder outside the content in which links are checked too (repeatable).")
    var linkRoots: [String] = []

    @Option(
      name: .customLong("ignore-link"),
      help: "A regular expression for link targets not to check, such as '^g$' (repeatable).")
    var ignoredLinks: [String] = []

    @Option(
      name: .customLong("exclude"),
      help: "A regular expression for files not to check, by path below the content folder (repeatable).")
    var excludedFiles: [String] = []

    @Option(help: "A configuration file (default: \(DocsConfiguration.fileName) in the content folder).")
    var config: String?

    func fail(_ message: String) -> ExitCode {
      printError("error: \(message)")
      return ExitCode(2)
    }

    func run() throws {
      let contentURL = source.contentURL
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: contentURL.path, isDirectory: &isDirectory),
        isDirectory.boolValue
      else {
        throw fail("the content folder \(source.content ?? "content") does not exist")
      }
      var configuration: DocsConfiguration
      do {
        if let config {
          let url = URL(fileURLWithPath: config)
          guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw fail("the configuration file \(config) cannot be read")
          }
          configuration = try DocsConfiguration.parse(text, contentRoot: contentURL, file: url)
        } else {
          configuration = try DocsConfiguration.load(contentRoot: contentURL)
        }
      } catch let failure as DocsConfiguration.Failure {
        throw fail("\(failure)")
      }
      if !rules.isEmpty {
        var selected: Set<DocsRule> = []
        for name in rules {
          guard let rule = DocsRule(rawValue: name) else {
            throw fail(
              "unknown rule \(name); rules: \(DocsRule.allCases.map(\.rawValue).joined(separator: ", "))")
          }
          selected.insert(rule)
        }
        configuration.rules = selected
      }
      if let sourceLanguage {
        guard LanguageTag(sourceLanguage) != nil else {
          throw fail("\"\(sourceLanguage)\" is not a BCP 47 language tag")
        }
        configuration.sourceLanguage = sourceLanguage
      }
      if let termbase { configuration.termbase = URL(fileURLWithPath: termbase).standardizedFileURL }
      if !linkRoots.isEmpty {
        configuration.linkRoots = linkRoots.map { URL(fileURLWithPath: $0).standardizedFileURL }
      }
      for (flag, patterns, what) in [
        ("--ignore-link", ignoredLinks, "link"), ("--exclude", excludedFiles, "file"),
      ] {
        for pattern in patterns {
          if let problem = DocsConfiguration.patternProblem(pattern, matching: what) {
            throw fail("\(flag) has \(problem)")
          }
        }
      }
      if !ignoredLinks.isEmpty { configuration.ignoredLinks = ignoredLinks }
      if !excludedFiles.isEmpty { configuration.excludedFiles = excludedFiles }
      var terms: Termbase?
      if let url = configuration.termbase {
        do {
          terms = try TBX.read(url, displayName: termbase ?? url.lastPathComponent)
        } catch {
          throw fail("the termbase \(error)")
        }
      }
      let checker = DocsChecker.load(
        content: contentURL, locales: source.localesURL, contentName: source.content ?? "content",
        configuration: configuration, termbase: terms)
      let findings = checker.check()
      let report = DocsReport(
        findings: findings, articles: checker.library.articles.count,
        unread: checker.library.rejectedFiles.count, excluded: checker.library.excludedFiles.count,
        outsideLanguages: checker.library.filesOutsideLanguages.count, rules: configuration.rules)
      switch format {
      case .text: print(report.text())
      case .json: print(try report.json())
      case .sarif: print(try report.sarif())
      case .junit: print(report.junit())
      case .github: print(report.github())
      }
      if report.fails { throw ExitCode(1) }
    }
  }
}
