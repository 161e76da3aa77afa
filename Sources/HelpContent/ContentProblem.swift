/// Something wrong with help content: where it is, which rule it breaks, and how to fix it.
public struct ContentProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
  /// The file, relative to where the content was loaded from (`content/nl/flow-edit.md`).
  public var file: String
  public var line: Int?
  /// The named rule, such as `front-matter` or `coverage`.
  public var rule: String
  public var message: String
  /// One line on how to fix it.
  public var fix: String

  public init(file: String, line: Int?, rule: String, message: String, fix: String) {
    self.file = file
    self.line = line
    self.rule = rule
    self.message = message
    self.fix = fix
  }

  public var description: String {
    let place = line.map { "\(file):\($0)" } ?? file
    return "\(place): [\(rule)] \(message) (fix: \(fix))"
  }
}
