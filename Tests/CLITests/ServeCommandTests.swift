import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

#if canImport(Glibc)
  import Glibc
#endif

/// `flowdesk serve` as an operator runs it.
@Suite("Serve command")
struct ServeCommandTests {
  /// A free loopback port.
  static func freePort() throws -> Int { Loopback.freePort() }

  static func health(_ port: Int) async -> Bool {
    guard let url = URL(string: "http://127.0.0.1:\(port)/healthz"),
      let (_, response) = try? await URLSession.shared.data(from: url)
    else { return false }
    return (response as? HTTPURLResponse)?.statusCode == 200
  }

  /// A `flowdesk serve` over its own copy of the content and locales, on a free loopback port.
  final class Server {
    let root: URL
    let content: URL
    let port: Int
    let process = Process()

    init(watch: Bool = false, arguments extra: [String] = []) throws {
      root = FileManager.default.temporaryDirectory.appendingPathComponent("flowdesk-serve-\(UUID())")
      content = root.appendingPathComponent("content")
      try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
      try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("content"), to: content)
      try FileManager.default.copyItem(
        at: CLI.packageRoot.appendingPathComponent("locales"), to: root.appendingPathComponent("locales"))
      port = try ServeCommandTests.freePort()
      process.executableURL = CLI.executable
      process.arguments =
        [
          "serve", "--host", "127.0.0.1", "--port", String(port), "--data",
          root.appendingPathComponent("data").path,
          "--content", content.path, "--locales", root.appendingPathComponent("locales").path,
        ] + (watch ? ["--watch"] : []) + extra
      process.currentDirectoryURL = root
      process.environment = ProcessInfo.processInfo.environment.merging(
        [
          "FLOWDESK_ADMIN_TOKEN": "serve-test-token", "FLOWDESK_READER_TOKEN": "serve-reader",
          "LOG_LEVEL": "error",
        ]
      ) { $1 }
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
    }

    func start() async throws {
      let up = try await TestSupport.eventually(within: .seconds(90)) { await ServeCommandTests.health(port) }
      try #require(up, "the server did not start")
    }

    func stop() {
      if process.isRunning { process.terminate() }
      process.waitUntilExit()
      try? FileManager.default.removeItem(at: root)
    }

    func get(_ path: String) async -> [String: Any] {
      guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return [:] }
      var request = URLRequest(url: url)
      request.setValue("Bearer serve-reader", forHTTPHeaderField: "Authorization")
      guard let (data, _) = try? await URLSession.shared.data(for: request) else { return [:] }
      return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// The status of a GET with a bearer token.
    func status(_ path: String, token: String) async throws -> Int {
      let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
      var request = URLRequest(url: url)
      request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
      let (_, response) = try await URLSession.shared.data(for: request)
      return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    func meaning() async -> String { await get("/v1/codes/FD1002?lang=en")["meaning"] as? String ?? "" }

    /// Polls until `condition` holds. A reload builds the whole help service again, which
    /// takes about 2.7 s in a debug build on an idle machine and over 25 s in a full
    /// parallel run on two cores: the bound is generous, and no timing requirement.
    func eventually(_ condition: () async -> Bool) async throws -> Bool {
      try await TestSupport.eventually(within: .seconds(120), condition)
    }
  }

  static let article = "en/flow-run-pause-end.md"
  static let oldMeaning = "The flow contains at least one sendEmail step, but no address is set for replies."
  static let newMeaning =
    "A sendEmail step needs an address for replies; this flow has none, so the kittiwake waits."

  static func edit(_ server: Server, _ old: String, _ new: String) throws {
    let url = server.content.appendingPathComponent(article)
    let text = try String(contentsOf: url, encoding: .utf8)
    try #require(text.contains(old), "\(old) is not in the article")
    try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: url)
  }

  @Test func hangUpSignalReloadsTheContentAndABrokenEditIsRefused() async throws {
    let server = try Server()
    defer { server.stop() }
    try await server.start()
    #expect(await server.meaning().contains(Self.oldMeaning))

    // A broken edit: the new text, and an article without its uid.
    try Self.edit(server, Self.oldMeaning, Self.newMeaning)
    try Self.edit(server, "uid: help-en-flow-run-pause-end\n", "")
    kill(server.process.processIdentifier, SIGHUP)
    let refused = try await server.eventually {
      (await server.get("/v1/content")["lastReload"] as? [String: Any])?["result"] as? String == "refused"
    }
    #expect(refused, "SIGHUP did not try to reload")
    #expect(await server.meaning().contains(Self.oldMeaning), "the broken edit is served")

    // Fixed: the uid is back.
    try Self.edit(server, "title:", "uid: help-en-flow-run-pause-end\ntitle:")
    kill(server.process.processIdentifier, SIGHUP)
    let live = try await server.eventually { await server.meaning().contains(Self.newMeaning) }
    #expect(live, "SIGHUP did not load the fixed edit")
    #expect(server.process.isRunning, "SIGHUP stopped the server")
    // SIGTERM still stops it, gracefully.
    server.process.terminate()
    server.process.waitUntilExit()
    #expect(server.process.terminationStatus == 0 || server.process.terminationReason == .uncaughtSignal)
  }

  @Test func watchReloadsWhenAFileChanges() async throws {
    let server = try Server(watch: true)
    defer { server.stop() }
    try await server.start()
    #expect(await server.meaning().contains(Self.oldMeaning))
    try Self.edit(server, Self.oldMeaning, Self.newMeaning)
    let live = try await server.eventually { await server.meaning().contains(Self.newMeaning) }
    #expect(live, "--watch did not load the edit")
    let search = await server.get("/v1/search?q=kittiwake&lang=en")["results"] as? [[String: Any]]
    #expect(search?.first?["code"] as? String == "FD1002")
  }

  @Test func theAdministratorTokenComesFromItsFileBeforeTheEnvironment() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowdesk-serve-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("admin-token")
    try Data("token-from-a-file\n".utf8).write(to: file)
    // The server's environment also sets FLOWDESK_ADMIN_TOKEN (serve-test-token).
    let server = try Server(arguments: ["--admin-token-file", file.path])
    defer { server.stop() }
    try await server.start()
    #expect(try await server.status("/v1/flows", token: "token-from-a-file") == 200)
    #expect(try await server.status("/v1/flows", token: "serve-test-token") == 401)
  }

  @Test func anUnreadableTokenOrSecretFileStopsTheStart() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowdesk-serve-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let missing = folder.appendingPathComponent("missing").path
    for option in ["--admin-token-file", "--webhook-secret-file"] {
      let process = Process()
      process.executableURL = CLI.executable
      process.arguments = [
        "serve", "--port", String(try Self.freePort()), "--data", folder.appendingPathComponent("data").path,
        option, missing,
      ]
      let err = try OutputPipe()
      process.standardOutput = FileHandle.nullDevice
      process.standardError = err.writing
      try process.run()
      try err.childStarted()
      // A server that started anyway is stopped, so the test fails rather than hangs.
      let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
      DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
      let stderr = String(decoding: err.reading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      watchdog.cancel()
      #expect(process.terminationStatus == 2, "\(option): \(stderr)")
      #expect(stderr.contains("cannot be read from \(missing)"), "\(option): \(stderr)")
    }
  }
}
