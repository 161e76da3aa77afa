import FlowEngine
import FlowdeskServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

/// The help center in a real headless browser (Chromium from Debian's packages, which
/// `.ci/run` installs when missing), against a live server on loopback. One browser at a time.
@Suite("Help center in a browser", .serialized)
struct BrowserTests {
  static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  /// A running browser and its output, handed to the thread that waits for them.
  struct Run: @unchecked Sendable {
    let process: Process
    let output: FileHandle
  }

  /// Runs Chromium headless on a URL with extra arguments; returns what it printed. The
  /// waiting happens on a thread of its own: a blocked thread of Swift's cooperative pool
  /// (as many as there are cores) is one fewer for the server the browser is asking, and
  /// on two cores two browser tests left it none. A browser still running after 90 seconds
  /// is stopped, so the test fails instead of hanging.
  static func chromium(_ arguments: [String], url: String) async throws -> String {
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
    let output = try OutputPipe()
    process.standardOutput = output.writing
    process.standardError = FileHandle.nullDevice
    try process.run()
    try output.childStarted()
    let run = Run(process: process, output: output.reading)
    DispatchQueue.global().asyncAfter(deadline: .now() + 90) {
      if run.process.isRunning { run.process.terminate() }
    }
    let data = await withCheckedContinuation { (continuation: CheckedContinuation<Data, Never>) in
      Thread {
        let data = run.output.readDataToEndOfFile()
        run.process.waitUntilExit()
        continuation.resume(returning: data)
      }.start()
    }
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
      let dom = try await Self.chromium(["--dump-dom"], url: url)
      #expect(dom.contains("<html lang=\"nl\">"))
      #expect(dom.contains("Antwoordadres ontbreekt"))
      for step in steps {
        #expect(dom.contains(Self.serialized(step)), "step shown: \(step)")
      }
      #expect(dom.firstMatch(of: /\{[A-Za-z0-9]+\}/) == nil, "no raw {name} placeholder")
      _ = try await Self.chromium(["--screenshot=\(screenshot.path)"], url: url)
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

  @Test(
    .enabled(if: chromium != nil, "Chromium is not installed; .ci/run installs it"),
    .timeLimit(.minutes(2)))
  func swedishCodesPageListsTheCodesByKindInABrowser() async throws {
    let fixture = try ServiceFixture()
    let app = Application(
      router: FlowdeskApplication.router(fixture.parts, logRequests: false),
      configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await fixture.test(app: app) { client in
      let port = try #require(client.port)
      let dom = try await Self.chromium(["--dump-dom"], url: "http://127.0.0.1:\(port)/help/sv/codes")
      #expect(dom.contains("<html lang=\"sv\">"))
      #expect(dom.contains("<h1>Alla koder</h1>"))
      for kind in ["Avvisningar", "Bortfall", "Åtgärdsfel", "Överhoppade steg", "Omplanerade åtgärder"] {
        #expect(dom.contains("<h2>\(kind)</h2>"), "kind shown: \(kind)")
      }
      for code in FlowCode.allCases {
        #expect(dom.contains("href=\"/help/sv/codes/\(code.id)\""), "\(code.id) linked")
      }
    }
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
