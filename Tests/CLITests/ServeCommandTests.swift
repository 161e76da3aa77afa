import Foundation
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
  /// A free loopback port, found by binding port 0.
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  static func health(_ port: Int) async -> Bool {
    guard let url = URL(string: "http://127.0.0.1:\(port)/healthz"),
      let (_, response) = try? await URLSession.shared.data(from: url)
    else { return false }
    return (response as? HTTPURLResponse)?.statusCode == 200
  }

  @Test func hangUpSignalDoesNotStopTheServer() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowdesk-serve-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let port = try Self.freePort()
    let process = Process()
    process.executableURL = CLI.executable
    process.arguments = ["serve", "--port", String(port), "--data", folder.path]
    process.currentDirectoryURL = CLI.packageRoot
    process.environment = ProcessInfo.processInfo.environment.merging(
      ["FLOWDESK_ADMIN_TOKEN": "serve-test-token", "LOG_LEVEL": "error"]) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer {
      if process.isRunning { process.terminate() }
      process.waitUntilExit()
    }
    var up = false
    for _ in 0..<100 where !up {
      up = await Self.health(port)
      if !up { try await Task.sleep(for: .milliseconds(100)) }
    }
    try #require(up, "the server did not start")
    kill(process.processIdentifier, SIGHUP)
    try await Task.sleep(for: .milliseconds(300))
    #expect(process.isRunning, "SIGHUP stopped the server")
    #expect(await Self.health(port), "the server stopped answering after SIGHUP")
    // SIGTERM still stops it, gracefully.
    process.terminate()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0 || process.terminationReason == .uncaughtSignal)
  }
}
