import FlowEngine
import FlowdeskServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The help center in a real headless browser (Chromium from Debian's packages, which
/// `.ci/run` installs when missing), against a live server on loopback.
@Suite("Help center in a browser")
struct BrowserTests {
  static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  /// Runs Chromium headless on a URL with extra arguments; returns what it printed.
  static func chromium(_ arguments: [String], url: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: chromium!)
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "flowdesk-chromium-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: profile) }
    process.arguments =
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--user-data-dir=\(profile.path)", "--window-size=1000,1400",
      ] + arguments + [url]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  @Test(
    .enabled(if: chromium != nil, "Chromium is not installed; .ci/run installs it"),
    .timeLimit(.minutes(2)))
  func dutchCodePageShowsTheStepsInABrowser() async throws {
    let fixture = try ServiceFixture()
    let steps = fixture.parts.help.index.explain(.missingEmailReplyTo, in: .nl).resolution
    let screenshot = fixture.folder.deletingLastPathComponent().appendingPathComponent(
      "flowdesk-help-nl-FD1002.png")
    let app = Application(
      router: FlowdeskApplication.router(fixture.parts, logRequests: false),
      configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await fixture.test(app: app) { client in
      let port = try #require(client.port)
      let url = "http://127.0.0.1:\(port)/help/nl/codes/FD1002"
      let dom = try Self.chromium(["--dump-dom"], url: url)
      #expect(dom.contains("<html lang=\"nl\">"))
      #expect(dom.contains("Antwoordadres ontbreekt"))
      for step in steps {
        #expect(dom.contains(Self.serialized(step)), "step shown: \(step)")
      }
      #expect(dom.firstMatch(of: /\{[A-Za-z0-9]+\}/) == nil, "no raw {name} placeholder")
      _ = try Self.chromium(["--screenshot=\(screenshot.path)"], url: url)
      let png = try Data(contentsOf: screenshot)
      #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot was saved")
      #expect(png.count > 10_000)
    }
  }
}

extension BrowserTests {
  /// A step as a browser serializes it in a text node: placeholders read as names, and `&`,
  /// `<` and `>` escaped.
  static func serialized(_ step: String) -> String {
    var text = step
    for name in Placeholders.names(in: step) {
      text = text.replacingOccurrences(of: "{\(name)}", with: "‹\(name)›")
    }
    return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}

extension ServiceFixture {
  /// Runs a test against a live server on loopback.
  func test<App: ApplicationProtocol, Value: Sendable>(
    app: App, _ body: @Sendable (any TestClientProtocol) async throws -> Value
  ) async throws -> Value {
    defer { cleanUp() }
    return try await app.test(.live, body)
  }
}
