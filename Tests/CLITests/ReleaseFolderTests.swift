import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A release folder as `scripts/package-release.sh` lays it out (the executable, its resource
/// bundles, `content/` and `locales/`), made from the build under test and run from another
/// working directory: it reads what is beside it, never the source tree it was built from.
@Suite("A release folder")
struct ReleaseFolderTests {
  /// A temporary folder holding `release/` (the release folder) and `elsewhere/` (an empty
  /// working directory). The content and catalogs are copies, marked so that an answer from
  /// them cannot be mistaken for one from the source tree.
  final class ReleaseFolder {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("flowdesk-release-\(UUID())")
    var release: URL { root.appendingPathComponent("release") }
    var elsewhere: URL { root.appendingPathComponent("elsewhere") }
    var executable: URL { release.appendingPathComponent("flowdesk") }

    static let englishMeaning = "This meaning was read from the release folder."
    static let dutchTitle = "Antwoordadres ontbreekt (release)"
    static let swedishTitle = "Svarsadress saknas (release)"

    init(withContent: Bool = true) throws {
      let files = FileManager.default
      try files.createDirectory(at: release, withIntermediateDirectories: true)
      try files.createDirectory(at: elsewhere, withIntermediateDirectories: true)
      // A hard link where the file system allows it: the debug executable is large.
      do {
        try files.linkItem(at: CLI.executable, to: executable)
      } catch {
        try files.copyItem(at: CLI.executable, to: executable)
      }
      let build = CLI.executable.deletingLastPathComponent()
      for name in try files.contentsOfDirectory(atPath: build.path)
      where name.hasSuffix(".resources") && !name.hasSuffix("Tests.resources") {
        try files.copyItem(at: build.appendingPathComponent(name), to: release.appendingPathComponent(name))
      }
      guard withContent else { return }
      for name in ["content", "locales"] {
        try files.copyItem(
          at: CLI.packageRoot.appendingPathComponent(name), to: release.appendingPathComponent(name))
      }
      try edit("content/en/flow-run-pause-end.md", ServeCommandTests.oldMeaning, Self.englishMeaning)
      try edit("locales/nl.xliff", ">Antwoordadres ontbreekt<", ">\(Self.dutchTitle)<")
      try edit("locales/sv.xliff", ">Svarsadress saknas<", ">\(Self.swedishTitle)<")
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    private func edit(_ path: String, _ old: String, _ new: String) throws {
      let url = release.appendingPathComponent(path)
      let text = try String(contentsOf: url, encoding: .utf8)
      try #require(text.contains(old), "\(old) is not in \(path)")
      try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: url)
    }

    /// The environment of the tests without the variables that name the folders.
    var environment: [String: String] {
      ProcessInfo.processInfo.environment.filter {
        !["FLOWDESK_CONTENT", "FLOWDESK_LOCALES"].contains($0.key)
      }
    }

    func run(_ arguments: [String]) async throws -> CLIResult {
      try await CLI.run(
        arguments, currentDirectory: elsewhere, executable: executable, environment: environment)
    }
  }

  struct Explanation: Decodable {
    let title: String
    let meaning: String
    let language: String
  }

  @Test func explainReadsTheContentAndCatalogsBesideTheExecutable() async throws {
    let folder = try ReleaseFolder()
    let english = try await folder.run(["explain", "FD1002", "--format", "json"])
    #expect(english.status == 0, "\(english.stderr)")
    let meaning = try JSONDecoder().decode(Explanation.self, from: Data(english.stdout.utf8)).meaning
    #expect(meaning.contains(ReleaseFolder.englishMeaning), "\(meaning)")
    let dutch = try await folder.run(["explain", "FD1002", "--lang", "nl", "--format", "json"])
    #expect(dutch.status == 0, "\(dutch.stderr)")
    let title = try JSONDecoder().decode(Explanation.self, from: Data(dutch.stdout.utf8)).title
    #expect(title == ReleaseFolder.dutchTitle)
  }

  @Test func withoutContentBesideItTheSourceTreeIsNotRead() async throws {
    let folder = try ReleaseFolder(withContent: false)
    let result = try await folder.run(["explain", "FD1002", "--lang", "nl", "--format", "json"])
    let explanation = try JSONDecoder().decode(Explanation.self, from: Data(result.stdout.utf8))
    // The source tree's Dutch catalog would give "Antwoordadres ontbreekt".
    #expect(explanation.title == "Reply-to address missing", "\(result.stderr)")
    #expect(result.stderr.contains("run `flowdesk docs check`"), "\(result.stderr)")
  }

  @Test func serveAnswersInEveryLanguageFromTheReleaseFolder() async throws {
    let folder = try ReleaseFolder()
    let port = try ServeCommandTests.freePort()
    let process = Process()
    process.executableURL = folder.executable
    process.arguments = [
      "serve", "--host", "127.0.0.1", "--port", String(port), "--data",
      folder.root.appendingPathComponent("data").path,
    ]
    process.currentDirectoryURL = folder.elsewhere
    process.environment = folder.environment.merging(
      ["FLOWDESK_ADMIN_TOKEN": "release-test-token", "LOG_LEVEL": "error"]
    ) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer {
      process.terminate()
      process.waitUntilExit()
    }
    let up = try await eventually(within: .seconds(90)) { await ServeCommandTests.health(port) }
    try #require(up, "the server did not start")

    func code(_ language: String) async throws -> Explanation {
      let url = try #require(URL(string: "http://127.0.0.1:\(port)/v1/codes/FD1002?lang=\(language)"))
      let (data, _) = try await URLSession.shared.data(from: url)
      return try JSONDecoder().decode(Explanation.self, from: data)
    }
    #expect(try await code("en").meaning.contains(ReleaseFolder.englishMeaning))
    #expect(try await code("nl").title == ReleaseFolder.dutchTitle)
    #expect(try await code("sv").title == ReleaseFolder.swedishTitle)
  }
}
