import Foundation

/// Finds the `content/` and `locales/` folders: an explicit option, then the environment
/// (`FLOWDESK_CONTENT`, `FLOWDESK_LOCALES`), then the working directory (a checkout of the
/// repository, where writers edit them), then beside the executable, where a release made by
/// `scripts/package-release.sh` ships them.
///
/// The folder the tool was built from is never used: a release copied to another folder or
/// machine reads what it shipped with, or says that it has none, rather than quietly reading
/// (or missing) the build machine's files.
enum ContentLocation {
  static func content(_ option: String?) -> URL { locate("content", option: option, env: "FLOWDESK_CONTENT") }
  static func locales(_ option: String?) -> URL { locate("locales", option: option, env: "FLOWDESK_LOCALES") }

  private static func locate(_ name: String, option: String?, env: String) -> URL {
    if let option { return URL(fileURLWithPath: option) }
    if let value = ProcessInfo.processInfo.environment[env], !value.isEmpty {
      return URL(fileURLWithPath: value)
    }
    let candidates = [
      URL(fileURLWithPath: FileManager.default.currentDirectoryPath), executableDirectory,
    ].compactMap { $0?.appendingPathComponent(name, isDirectory: true) }
    // With neither, the working directory's folder is the one named in what follows.
    return candidates.first { isDirectory($0) } ?? candidates[0]
  }

  /// The folder of the running executable, with symbolic links resolved (so a link in a
  /// `bin` folder leads to the release folder it points into).
  static var executableDirectory: URL? {
    Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
  }

  private static func isDirectory(_ url: URL) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
  }
}

/// Writes a line to standard error.
func printError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}
