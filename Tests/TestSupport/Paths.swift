import Foundation

/// Test helpers shared by the test targets.
///
/// Where the repository's content and the workplace's seeds are.
public enum Paths {
  public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()
  public static let content = packageRoot.appendingPathComponent("content")
  public static let locales = packageRoot.appendingPathComponent("locales")
  /// The DocFX-style test corpus in en, nl, sv and de, with its configuration and termbase.
  public static let docfxCorpus = packageRoot.appendingPathComponent(
    "Tests/DocsRegressionTests/Resources/docfx-corpus")
  /// The seed documents live beside the repository in this workplace, never inside it.
  public static let seeds = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/seeds")
  public static var seedsPresent: Bool {
    FileManager.default.fileExists(atPath: seeds.appendingPathComponent("000_cdc46b672e669870.txt").path)
  }

  /// A fresh temporary folder, removed by the caller with `cleanUp`.
  public static func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "flowdesk-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }

  /// A copy of the bundled content and locales to mutate in a test.
  public static func copyOfContent() throws -> (root: URL, content: URL, locales: URL) {
    let root = try temporaryFolder()
    try FileManager.default.copyItem(at: content, to: root.appendingPathComponent("content"))
    try FileManager.default.copyItem(at: locales, to: root.appendingPathComponent("locales"))
    return (root, root.appendingPathComponent("content"), root.appendingPathComponent("locales"))
  }

  public static func write(_ text: String, to url: URL) throws {
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  /// Replaces the first occurrence of `old` in a file; fails the caller when it is not there.
  public static func replace(_ old: String, with new: String, in url: URL) throws {
    let text = try String(contentsOf: url, encoding: .utf8)
    guard let range = text.range(of: old) else {
      throw MutationError(description: "\(old) not in \(url.lastPathComponent)")
    }
    try Data(text.replacingCharacters(in: range, with: new).utf8).write(to: url)
  }

  public struct MutationError: Error, CustomStringConvertible { public let description: String }
}
