import Foundation
import Yams

/// An article's YAML front matter, checked against the schema.
public struct FrontMatter: Sendable, Hashable {
  public static let requiredKeys = [
    "uid", "title", "description", "keywords", "language", "date", "version", "content_type", "topic",
  ]

  public var uid: String
  public var title: String
  public var description: String
  public var keywords: [String]
  public var language: String
  public var date: String
  public var version: String
  public var contentType: String
  public var topic: String
  /// For a translation: the uid of its English source article.
  public var translates: String?
  /// The codes the article explains.
  public var codes: [String]
  /// The line of each key in the file.
  public var lines: [String: Int]

  /// The date as a comparable day: MM.DD.YYYY (as in the seeds), YYYY-MM-DD or YYYY/MM/DD,
  /// alone or followed by a time, as YAML and ISO 8601 timestamps write it
  /// (`2021-06-08T10:00:00Z`, react.dev's `2021/06/08`). A day that is not in the calendar
  /// (`2021-02-30`, `2021-13-45`) is not a date.
  public var day: Int? { Self.day(from: date) }

  static func day(from text: String) -> Int? {
    /// One to four ASCII digits: `Int` alone would take `+5`, and a long run could overflow.
    func number(_ digits: Substring) -> Int? {
      guard (1...4).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
        return nil
      }
      return Int(digits)
    }
    func day(_ year: Int?, _ month: Int?, _ day: Int?) -> Int? {
      guard let year, let month, let day, (1...9999).contains(year), (1...12).contains(month) else {
        return nil
      }
      let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
      let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
      guard (1...days).contains(day) else { return nil }
      return year * 10_000 + month * 100 + day
    }
    let dotted = text.split(separator: ".", omittingEmptySubsequences: false)
    if dotted.count == 3, dotted[2].count == 4 {
      return day(number(dotted[2]), number(dotted[0]), number(dotted[1]))
    }
    // The date part, and a time after it, if any: `T` or a space, then a digit.
    let date = text.prefix { $0 != "T" && $0 != "t" && $0 != " " }
    let rest = text.dropFirst(date.count)
    if let first = rest.first {
      guard rest.count > 1, "Tt ".contains(first), rest.dropFirst().first?.isNumber == true else {
        return nil
      }
    }
    for separator: Character in ["-", "/"] {
      let parts = date.split(separator: separator, omittingEmptySubsequences: false)
      if parts.count == 3, parts[0].count == 4 {
        return day(number(parts[0]), number(parts[1]), number(parts[2]))
      }
    }
    return nil
  }

  /// The front matter of a file that need not have one: every key empty, as when none of
  /// `requiredKeys` is required (a documentation team's own repository, see
  /// `DocsConfiguration.requiredKeys`). The article's loader gives it a uid and a language.
  static let empty = FrontMatter(
    uid: "", title: "", description: "", keywords: [], language: "", date: "", version: "", contentType: "",
    topic: "", translates: nil, codes: [], lines: [:])

  /// Splits a file into front matter and body, parses the YAML and checks the schema.
  /// Every schema problem is reported, not only the first. A key of `requiredKeys` that is
  /// not in `required` may be left out (it is then empty); when it is there, it is checked.
  /// With nothing required, a file without front matter is an article too.
  static func parse(_ source: String, file: String, required: Set<String> = Set(requiredKeys)) -> (
    FrontMatter?, body: String, bodyLine: Int, [ContentProblem]
  ) {
    func problem(_ line: Int?, _ message: String, _ fix: String) -> ContentProblem {
      ContentProblem(file: file, line: line, rule: "front-matter", message: message, fix: fix)
    }
    let optional = required.isEmpty
    // Only the front matter is split into lines; the body is kept as one substring.
    var lines: [Substring] = []
    var bodyStart = source.endIndex
    var lineStart = source.startIndex
    var closed = false
    while lineStart < source.endIndex {
      let lineEnd = source[lineStart...].firstIndex(of: "\n") ?? source.endIndex
      var line = source[lineStart..<lineEnd]
      if line.last == "\r" { line = line.dropLast() }
      let isFence = line.trimmingCharacters(in: .whitespaces) == "---"
      if lines.isEmpty, !isFence {
        if optional { return (empty, source, 1, []) }
        return (
          nil, source, 1,
          [
            problem(
              1, "the file has no front matter",
              "start the file with a --- line, the YAML front matter, and ---")
          ]
        )
      }
      lines.append(line)
      lineStart = lineEnd < source.endIndex ? source.index(after: lineEnd) : source.endIndex
      if lines.count > 1, isFence {
        closed = true
        bodyStart = lineStart
        break
      }
    }
    guard !lines.isEmpty else {
      if optional { return (empty, source, 1, []) }
      return (
        nil, source, 1,
        [
          problem(
            1, "the file has no front matter",
            "start the file with a --- line, the YAML front matter, and ---")
        ]
      )
    }
    guard closed else {
      return (
        nil, source, 1, [problem(1, "the front matter is not closed", "end the front matter with a --- line")]
      )
    }
    let close = lines.count - 1
    let yaml = lines[1..<close].joined(separator: "\n")
    let body = String(source[bodyStart...])
    let bodyLine = close + 2
    let node: Node?
    do {
      node = try Yams.compose(yaml: yaml)
    } catch {
      return (
        nil, body, bodyLine,
        [
          problem(
            yamlLine(error).map { $0 + 1 }, "the front matter is not valid YAML: \(yamlReason(error))",
            "fix the YAML syntax on that line")
        ]
      )
    }
    if node == nil, optional { return (empty, body, bodyLine, []) }
    guard let mapping = node?.mapping else {
      return (
        nil, body, bodyLine,
        [problem(2, "the front matter is not a mapping of keys to values", "write one key: value per line")]
      )
    }
    var values: [String: Node] = [:]
    var keyLines: [String: Int] = [:]
    var problems: [ContentProblem] = []
    for (key, value) in mapping {
      guard let name = key.string else { continue }
      let line = key.mark.map { $0.line + 1 }
      if values[name] != nil {
        problems.append(problem(line, "the key \(name) appears twice", "keep one \(name)"))
      }
      values[name] = value
      keyLines[name] = line
    }
    func text(_ key: String) -> String? {
      guard let value = values[key] else { return nil }
      if let scalar = value.scalar { return scalar.string.trimmingCharacters(in: .whitespaces) }
      return nil
    }
    func list(_ key: String) -> [String]? {
      guard let value = values[key] else { return nil }
      if let sequence = value.sequence { return sequence.compactMap { $0.scalar?.string } }
      if let scalar = value.scalar {
        return scalar.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
          !$0.isEmpty
        }
      }
      return nil
    }
    for key in requiredKeys {
      if values[key] == nil {
        if required.contains(key) {
          problems.append(problem(2, "the required key \(key) is missing", "add \(key): to the front matter"))
        }
      } else if key == "keywords" ? list(key) == nil : (text(key) ?? "").isEmpty {
        problems.append(problem(keyLines[key], "the key \(key) is empty or not text", "give \(key) a value"))
      }
    }
    if let date = text("date"), !date.isEmpty, day(from: date) == nil {
      problems.append(
        problem(
          keyLines["date"],
          "date \(date) is not a day of the calendar as MM.DD.YYYY, YYYY-MM-DD or YYYY/MM/DD",
          "write the day as YYYY-MM-DD (or MM.DD.YYYY), with a time after it if you like"))
    }
    let codes = list("codes") ?? []
    guard problems.isEmpty else { return (nil, body, bodyLine, problems) }
    let matter = FrontMatter(
      uid: text("uid") ?? "", title: text("title") ?? "", description: text("description") ?? "",
      keywords: list("keywords") ?? [],
      language: text("language") ?? "", date: text("date") ?? "", version: text("version") ?? "",
      contentType: text("content_type") ?? "",
      topic: text("topic") ?? "", translates: text("translates"), codes: codes, lines: keyLines)
    return (matter, body, bodyLine, [])
  }

  private static func yamlLine(_ error: any Error) -> Int? {
    guard let error = error as? YamlError else { return nil }
    switch error {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
      return mark.line
    default: return nil
    }
  }

  private static func yamlReason(_ error: any Error) -> String {
    guard let error = error as? YamlError else { return "\(error)" }
    switch error {
    case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
      return problem
    default: return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
  }
}
