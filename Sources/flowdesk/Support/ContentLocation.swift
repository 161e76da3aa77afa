import Foundation

/// Finds the bundled `content/` and `locales/` folders: an explicit option, then the
/// environment (`FLOWDESK_CONTENT`, `FLOWDESK_LOCALES`), then the working directory, then
/// the package the tool was built from.
enum ContentLocation {
  static func content(_ option: String?) -> URL { locate("content", option: option, env: "FLOWDESK_CONTENT") }
  static func locales(_ option: String?) -> URL { locate("locales", option: option, env: "FLOWDESK_LOCALES") }

  private static func locate(_ name: String, option: String?, env: String) -> URL {
    if let option { return URL(fileURLWithPath: option) }
    if let value = ProcessInfo.processInfo.environment[env], !value.isEmpty {
      return URL(fileURLWithPath: value)
    }
    let candidates = [
      URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(name),
      packageRoot.appendingPathComponent(name),
    ]
    return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
  }

  /// The package this tool was built from (three levels above this file).
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
}

/// Writes a line to standard error.
func printError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}
