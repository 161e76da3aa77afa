/// Something wrong with help content: where it is, which rule it breaks, and how to fix it.
public struct ContentProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
  /// How much a finding matters, as SARIF names it.
  public enum Level: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Wrong: a broken file, a status that is not the source's, a missing section.
    case error
    /// Probably wrong: a deprecated or misspelled term, a possibly stale translation.
    case warning
    /// Worth a look, never a failure: a translation that names no status where its source does.
    case note

    public static func < (lhs: Level, rhs: Level) -> Bool {
      allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
  }

  /// The file, relative to where the content was loaded from (`content/nl/flow-edit.md`).
  public var file: String
  public var line: Int?
  /// The named rule, such as `front-matter` or `coverage`.
  public var rule: String
  /// The rule of a problem with the content folder as a whole (nothing was read, a language
  /// folder named in the configuration is not there): reported whatever rules run.
  public static let folderRule = "content"
  public var level: Level
  public var message: String
  /// One line on how to fix it.
  public var fix: String

  public init(file: String, line: Int?, rule: String, level: Level = .error, message: String, fix: String) {
    self.file = file
    self.line = line
    self.rule = rule
    self.level = level
    self.message = message
    self.fix = fix
  }

  enum CodingKeys: String, CodingKey {
    case file, line, rule, level, message, fix
  }

  /// Reads a problem; one written before levels existed is an error.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    file = try container.decode(String.self, forKey: .file)
    line = try container.decodeIfPresent(Int.self, forKey: .line)
    rule = try container.decode(String.self, forKey: .rule)
    level = try container.decodeIfPresent(Level.self, forKey: .level) ?? .error
    message = try container.decode(String.self, forKey: .message)
    fix = try container.decode(String.self, forKey: .fix)
  }

  public var description: String {
    let place = line.map { "\(file):\($0)" } ?? file
    return "\(place): \(level.rawValue) [\(rule)] \(message) (fix: \(fix))"
  }
}
