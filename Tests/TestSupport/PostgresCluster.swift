import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A throwaway PostgreSQL cluster for the tests: `initdb` into a temporary folder, a server
/// on a free loopback port with its socket in that folder, and a fresh database per test.
/// PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres`
/// user. The cluster stops and its folder is removed when the test process ends, and a
/// watchdog stops it even if the process dies.
///
/// Where PostgreSQL is not installed, `start()` says so; the tests then skip, with that
/// reason, unless `FLOWDESK_REQUIRE_POSTGRES=1` (set by CI), where they fail instead.
public final class PostgresCluster: @unchecked Sendable {
  public let port: Int
  public let folder: URL
  private let bin: URL
  private let lock = NSLock()
  private var databases = 0

  /// The one cluster of this test process, started on first use.
  public static let shared: Result<PostgresCluster, PostgresUnavailable> = {
    do throws(PostgresUnavailable) {
      return .success(try PostgresCluster())
    } catch {
      return .failure(error)
    }
  }()

  /// Why there is no cluster: PostgreSQL is not installed here, or would not start.
  public struct PostgresUnavailable: Error, CustomStringConvertible {
    public var description: String
  }

  /// True when the tests must not skip for lack of PostgreSQL (CI sets it).
  public static var isRequired: Bool {
    ProcessInfo.processInfo.environment["FLOWDESK_REQUIRE_POSTGRES"] == "1"
  }

  /// Why PostgreSQL tests cannot run here, or nil when they can. With
  /// `FLOWDESK_REQUIRE_POSTGRES=1`, nil: the tests run and fail on the missing cluster.
  public static var skipReason: String? {
    if isRequired { return nil }
    if case .failure(let reason) = shared { return "PostgreSQL is not available: \(reason)" }
    return nil
  }

  /// A new, empty database on the shared cluster, as a `postgres://` URL.
  public static func database() async throws -> String {
    try await offCooperativePool { try shared.get().createDatabase() }
  }

  /// Why PostgreSQL tests cannot run here (nil when they can), found without blocking Swift's
  /// cooperative threads: the first call starts the cluster, which takes seconds, and the
  /// other tests running meanwhile need those threads.
  public static func unavailable() async -> String? {
    await withCheckedContinuation { continuation in
      Thread { continuation.resume(returning: skipReason) }.start()
    }
  }

  /// A cluster of its own, started off the cooperative threads.
  public static func dedicated() async throws -> PostgresCluster {
    try await offCooperativePool { try PostgresCluster() }
  }

  /// Stops the server (fast shutdown: open connections are ended).
  public func stopServer() throws {
    let stop =
      "\(bin.appendingPathComponent("pg_ctl").path) -D \(folder.appendingPathComponent("data").path) -m fast -w stop"
    let status = system((geteuid() == 0 ? "/sbin/runuser -u postgres -- " : "") + stop + " >/dev/null 2>&1")
    guard status == 0 else { throw CommandFailed(description: "pg_ctl stop exited with \(status)") }
  }

  /// Starts the server again, on the same port.
  public func startServer() throws {
    let status = system(InheritedDescriptors.closed(before: startCommand))
    guard status == 0 else { throw CommandFailed(description: "pg_ctl start exited with \(status)") }
  }

  /// Stops the server and removes its folder.
  public func remove() {
    try? stopServer()
    try? FileManager.default.removeItem(at: folder)
  }

  /// A new, empty database on this cluster, as a `postgres://` URL.
  public func newDatabase() throws -> String { try createDatabase() }

  private var startCommand: String {
    let pgctl = [
      bin.appendingPathComponent("pg_ctl").path, "-D", folder.appendingPathComponent("data").path, "-w", "-t",
      "60", "-l", folder.appendingPathComponent("log").path, "-o",
      "'-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200'",
      "start",
    ].joined(separator: " ")
    return (geteuid() == 0 ? "/sbin/runuser -u postgres -- " : "") + pgctl + " </dev/null >/dev/null 2>&1"
  }

  init() throws(PostgresUnavailable) {
    guard let bin = Self.binaries() else {
      throw PostgresUnavailable(
        description: "no initdb or pg_ctl found (install Debian's postgresql package)")
    }
    self.bin = bin
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "flowdesk-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    self.folder = folder
    port = Loopback.freePort()
    let asRoot = geteuid() == 0
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      if asRoot { try Self.run("/bin/chown", ["postgres:postgres", folder.path]) }
      try Self.run(
        bin.appendingPathComponent("initdb").path,
        [
          "-D", folder.appendingPathComponent("data").path, "-U", "flowdesk", "--auth=trust",
          "--encoding=UTF8", "--no-sync",
        ], asPostgres: asRoot)
      Self.registerCleanup(bin: bin, folder: folder, asRoot: asRoot)
      // Through the shell, not Foundation's Process: the server pg_ctl leaves behind inherits
      // what Process watches for the end of its child, and the wait would never end.
      try startServer()
    } catch {
      let log = (try? String(contentsOf: folder.appendingPathComponent("log"), encoding: .utf8)) ?? ""
      throw PostgresUnavailable(description: "the cluster did not start: \(error) \(log.suffix(600))")
    }
  }

  /// `CREATE DATABASE` through psql on the cluster's socket.
  func createDatabase() throws -> String {
    let name = lock.withLock {
      databases += 1
      return "flowdesk_test_\(databases)"
    }
    try Self.run(
      bin.appendingPathComponent("psql").path,
      [
        "-h", folder.path, "-p", "\(port)", "-U", "flowdesk", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q",
        "-c", "CREATE DATABASE \(name)",
      ])
    return "postgres://flowdesk@127.0.0.1:\(port)/\(name)"
  }

  /// Runs SQL in a database of the cluster, as its superuser: for tests that break things
  /// on purpose (ending connections, for one).
  public func psql(_ database: String, _ sql: String) throws {
    try Self.run(
      bin.appendingPathComponent("psql").path,
      [
        "-h", folder.path, "-p", "\(port)", "-U", "flowdesk", "-d", database, "-v", "ON_ERROR_STOP=1", "-q",
        "-c", sql,
      ])
  }

  static func binaries() -> URL? {
    var candidates: [URL] = []
    let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
    for version in versions.sorted(by: >) {
      candidates.append(URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin"))
    }
    for path in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
      candidates.append(URL(fileURLWithPath: String(path)))
    }
    return candidates.first { folder in
      ["initdb", "pg_ctl", "psql"].allSatisfy {
        FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent($0).path)
      }
    }
  }

  struct CommandFailed: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs a command to its end, with its output kept for the error.
  static func run(_ command: String, _ arguments: [String], asPostgres: Bool = false) throws {
    let process = Process()
    if asPostgres {
      process.executableURL = URL(fileURLWithPath: "/sbin/runuser")
      process.arguments = ["-u", "postgres", "--", command] + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: command)
      process.arguments = arguments
    }
    let output = try OutputPipe()
    process.standardOutput = output.writing
    process.standardError = output.writing
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try output.childStarted()
    let data = output.reading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw CommandFailed(
        description:
          "\(URL(fileURLWithPath: command).lastPathComponent) exited with \(process.terminationStatus): "
          + String(decoding: data.suffix(800), as: UTF8.self))
    }
  }

  /// Stops the cluster and removes its folder when this process ends: at a normal exit
  /// through `atexit`, and otherwise through a watchdog shell that waits for this process.
  static func registerCleanup(bin: URL, folder: URL, asRoot: Bool) {
    let stop =
      "\(bin.appendingPathComponent("pg_ctl").path) -D \(folder.appendingPathComponent("data").path) -m immediate stop"
    let stopCommand = asRoot ? "/sbin/runuser -u postgres -- \(stop)" : stop
    let script = "\(stopCommand) >/dev/null 2>&1; rm -rf \(folder.path)"
    let first = cleanupLock.withLock {
      cleanupScripts.append(script)
      return cleanupScripts.count == 1
    }
    let watchdog = Process()
    watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
    watchdog.arguments = ["-c", "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(script)"]
    watchdog.standardInput = FileHandle.nullDevice
    watchdog.standardOutput = FileHandle.nullDevice
    watchdog.standardError = FileHandle.nullDevice
    try? watchdog.run()
    guard first else { return }
    atexit {
      for script in PostgresCluster.cleanupLock.withLock({ PostgresCluster.cleanupScripts }) {
        _ = system(script)
      }
    }
  }

  static let cleanupLock = NSLock()
  nonisolated(unsafe) static var cleanupScripts: [String] = []
}
