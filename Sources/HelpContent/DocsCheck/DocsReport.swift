import Foundation

/// The findings of a docs check written for people and for CI: text, JSON, SARIF 2.1.0,
/// JUnit XML, and GitHub workflow commands.
public struct DocsReport: Sendable {
  public var findings: [DocsFinding]
  public var articles: Int
  /// Files that could not be read as articles (front matter, encoding): no rule but
  /// `front-matter` looked at them.
  public var unread: Int
  /// Files the configuration left out (`exclude`).
  public var excluded: Int
  /// Files in no folder of the configuration's `languages`, not read.
  public var outsideLanguages: Int
  public var rules: [DocsRule]

  public init(
    findings: [DocsFinding], articles: Int, unread: Int = 0, excluded: Int = 0, outsideLanguages: Int = 0,
    rules: Set<DocsRule>
  ) {
    self.findings = findings
    self.articles = articles
    self.unread = unread
    self.excluded = excluded
    self.outsideLanguages = outsideLanguages
    self.rules = DocsRule.allCases.filter { rules.contains($0) }
  }

  /// Whether the check fails: an error or a warning. Notes never fail it.
  public var fails: Bool { findings.contains { $0.level != .note } }

  public var summary: String {
    var line =
      findings.isEmpty
      ? "docs check: no findings in \(articles) articles"
      : "docs check: \(findings.count) finding(s) in \(articles) articles"
    // A check that read nothing must not look like one that found nothing.
    if let unreadNotice { line += "; " + unreadNotice }
    if excluded > 0 { line += "; \(excluded) file(s) excluded by the configuration" }
    if outsideLanguages > 0 { line += "; \(outsideLanguages) file(s) outside the language folders, not read" }
    return line
  }

  /// What the summary says of files that were not read, nil when every file was: in every
  /// format, so that a pipeline reading SARIF or JUnit cannot take a check that read nothing
  /// for one that found nothing.
  public var unreadNotice: String? {
    guard unread > 0 else { return nil }
    return "\(unread) file(s) not read as articles, so not checked"
      + (rules.contains(.frontMatter)
        ? " (see the front-matter findings)"
        : " (run with --rule front-matter to see why, or set required_keys in \(DocsConfiguration.fileName))")
  }

  /// One finding per two lines, then a summary line.
  public func text() -> String {
    var lines: [String] = []
    for finding in findings {
      let place = finding.line.map { "\(finding.file):\($0)" } ?? finding.file
      lines.append("\(place): \(finding.level.rawValue) [\(finding.rule)] \(finding.message)")
      lines.append("    fix: \(finding.fix)")
    }
    lines.append(summary)
    return lines.joined(separator: "\n")
  }

  struct JSONReport: Encodable {
    var findings: [DocsFinding]
    var articles: Int
    var unread: Int
    var excluded: Int
    var outsideLanguages: Int
    var rules: [String]
  }

  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(
      JSONReport(
        findings: findings, articles: articles, unread: unread, excluded: excluded,
        outsideLanguages: outsideLanguages, rules: rules.map(\.rawValue).sorted()))
    return String(decoding: data, as: UTF8.self)
  }

  static let ruleDescriptions: [DocsRule: String] = [
    .coverage: "Every registry code has a section with resolution steps in every language.",
    .catalogs: "The XLIFF catalogs have every string translated, current, with its placeholders.",
    .labels: "Status lists use exactly the termbase's status terms.",
    .parity: "Translations have the same sections, codes, steps and status concepts as their source.",
    .terminology: "Status words are the language's preferred or admitted terms.",
    .links: "Relative links, anchors and images resolve.",
    .frontMatter: "Front matter follows the schema; translations are not older than their source.",
    .scenarios: "Hidden scenarios agree with the engine; every active code has one.",
  ]

  /// A file path as a relative URI reference (spaces and the like percent-encoded).
  static func uri(_ path: String) -> String {
    path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
  }

  /// SARIF 2.1.0, one run, one result per finding with its rule, level, message and location.
  public func sarif(toolVersion: String = "1.0") throws -> String {
    var allRules = rules
    for finding in findings {
      if let rule = DocsRule(rawValue: finding.rule), !allRules.contains(rule) { allRules.append(rule) }
    }
    let extraRules = Array(Set(findings.map(\.rule)).subtracting(allRules.map(\.rawValue))).sorted()
    let ruleIds = allRules.map(\.rawValue) + extraRules
    let driverRules: [[String: Any]] = ruleIds.map { id in
      let text = DocsRule(rawValue: id).flatMap { Self.ruleDescriptions[$0] } ?? "The content loads."
      return ["id": id, "name": id, "shortDescription": ["text": text]]
    }
    let results: [[String: Any]] = findings.map { finding in
      var physical: [String: Any] = ["artifactLocation": ["uri": Self.uri(finding.file)]]
      if let line = finding.line, line > 0 { physical["region"] = ["startLine": line] }
      return [
        "ruleId": finding.rule,
        "ruleIndex": ruleIds.firstIndex(of: finding.rule) ?? 0,
        "level": finding.level.rawValue,
        "message": ["text": "\(finding.message). Fix: \(finding.fix)"],
        "locations": [["physicalLocation": physical]],
      ]
    }
    let log: [String: Any] = [
      "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
      "version": "2.1.0",
      "runs": [
        [
          "tool": [
            "driver": [
              "name": "flowdesk docs check", "version": toolVersion, "rules": driverRules,
            ]
          ],
          "columnKind": "unicodeCodePoints",
          "results": results,
        ].merging(
          unreadNotice.map { notice in
            // SARIF's place for what the tool has to say about its run, not about the code.
            [
              "invocations": [
                [
                  "executionSuccessful": true,
                  "toolExecutionNotifications": [["level": "warning", "message": ["text": notice]]],
                ]
              ]
            ]
          } ?? [:], uniquingKeysWith: { first, _ in first })
      ],
    ]
    let data = try JSONSerialization.data(
      withJSONObject: log, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
  }

  /// JUnit XML: one test suite per rule that ran, one failing test case per error or warning
  /// (a note is a passing case with its text), one passing case for a rule without findings.
  public func junit() -> String {
    func escape(_ text: String) -> String {
      var result = ""
      for scalar in text.unicodeScalars {
        switch scalar {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "\n", "\t", "\r": result.unicodeScalars.append(scalar)
        default:
          // XML 1.0 allows no other control characters.
          if scalar.value >= 0x20 { result.unicodeScalars.append(scalar) }
        }
      }
      return result
    }
    let ruleIds =
      rules.map(\.rawValue) + Set(findings.map(\.rule)).subtracting(rules.map(\.rawValue)).sorted()
    let failures = findings.filter { $0.level != .note }.count
    let tests =
      ruleIds.map { id in max(1, findings.filter { $0.rule == id }.count) }.reduce(0, +)
      + (unread > 0 ? 1 : 0)
    var lines = [
      #"<?xml version="1.0" encoding="UTF-8"?>"#,
      "<testsuites name=\"flowdesk docs check\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\">",
    ]
    for id in ruleIds {
      let ofRule = findings.filter { $0.rule == id }
      let failing = ofRule.filter { $0.level != .note }.count
      lines.append(
        "  <testsuite name=\"\(escape(id))\" tests=\"\(max(1, ofRule.count))\" failures=\"\(failing)\" errors=\"0\" skipped=\"0\">"
      )
      if ofRule.isEmpty {
        lines.append(
          "    <testcase classname=\"docs.\(escape(id))\" name=\"no findings in \(articles) articles\"/>")
      }
      for finding in ofRule {
        let place = finding.line.map { "\(finding.file):\($0)" } ?? finding.file
        lines.append(
          "    <testcase classname=\"docs.\(escape(id))\" name=\"\(escape(place))\" file=\"\(escape(finding.file))\"\(finding.line.map { " line=\"\($0)\"" } ?? "")>"
        )
        if finding.level == .note {
          lines.append(
            "      <system-out>\(escape("note: \(finding.message)\nfix: \(finding.fix)"))</system-out>")
        } else {
          lines.append(
            "      <failure type=\"\(finding.level.rawValue)\" message=\"\(escape(finding.message))\">\(escape("\(place): \(finding.message)\nfix: \(finding.fix)"))</failure>"
          )
        }
        lines.append("    </testcase>")
      }
      lines.append("  </testsuite>")
    }
    if let unreadNotice {
      // Files not checked are skipped tests: counted, shown, and not a failure.
      lines.append(
        "  <testsuite name=\"unread\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\">")
      lines.append("    <testcase classname=\"docs.unread\" name=\"\(escape(unreadNotice))\">")
      lines.append("      <skipped message=\"\(escape(unreadNotice))\"/>")
      lines.append("    </testcase>")
      lines.append("  </testsuite>")
    }
    lines.append("</testsuites>")
    return lines.joined(separator: "\n")
  }

  /// GitHub Actions workflow commands: `::error file=...,line=...,title=...::message`.
  public func github() -> String {
    func escapeData(_ text: String) -> String {
      text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
        .replacingOccurrences(of: "\n", with: "%0A")
    }
    func escapeProperty(_ text: String) -> String {
      escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
    var lines = findings.map { finding in
      let command =
        switch finding.level {
        case .error: "error"
        case .warning: "warning"
        case .note: "notice"
        }
      var properties = ["file=\(escapeProperty(finding.file))"]
      if let line = finding.line { properties.append("line=\(line)") }
      properties.append("title=\(escapeProperty("docs check: \(finding.rule)"))")
      return
        "::\(command) \(properties.joined(separator: ","))::\(escapeData("\(finding.message)\nfix: \(finding.fix)"))"
    }
    lines.append(summary)
    return lines.joined(separator: "\n")
  }
}
