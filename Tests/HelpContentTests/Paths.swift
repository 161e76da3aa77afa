import Foundation

/// Where the repository's content and the workplace's seeds are.
enum Paths {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()
  static let content = packageRoot.appendingPathComponent("content")
  static let locales = packageRoot.appendingPathComponent("locales")
  /// The seed documents live beside the repository in this workplace, never inside it.
  static let seeds = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/seeds")
  static var seedsPresent: Bool {
    FileManager.default.fileExists(atPath: seeds.appendingPathComponent("000_cdc46b672e669870.txt").path)
  }

  /// A fresh temporary folder, removed by the caller with `cleanUp`.
  static func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "flowdesk-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }

  /// A copy of the bundled content and locales to mutate in a test.
  static func copyOfContent() throws -> (root: URL, content: URL, locales: URL) {
    let root = try temporaryFolder()
    try FileManager.default.copyItem(at: content, to: root.appendingPathComponent("content"))
    try FileManager.default.copyItem(at: locales, to: root.appendingPathComponent("locales"))
    return (root, root.appendingPathComponent("content"), root.appendingPathComponent("locales"))
  }

  static func write(_ text: String, to url: URL) throws {
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  /// Replaces the first occurrence of `old` in a file; fails the caller when it is not there.
  static func replace(_ old: String, with new: String, in url: URL) throws {
    let text = try String(contentsOf: url, encoding: .utf8)
    guard let range = text.range(of: old) else {
      throw MutationError(description: "\(old) not in \(url.lastPathComponent)")
    }
    try Data(text.replacingCharacters(in: range, with: new).utf8).write(to: url)
  }

  struct MutationError: Error, CustomStringConvertible { let description: String }
}
