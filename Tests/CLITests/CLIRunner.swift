import Foundation
import TestSupport

/// Runs the built `flowdesk` executable, as a user would.
struct CLIResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

enum CLI {
  /// The built `flowdesk` executable: beside the test binary, wherever the build put it.
  static var executable: URL {
    let candidates = [
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
      Bundle.main.bundleURL,
      Bundle.main.bundleURL.deletingLastPathComponent(),
      packageRoot.appendingPathComponent(".build/debug"),
    ].map { $0.appendingPathComponent("flowdesk") }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
  }

  /// The repository root, found from this source file.
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// How many commands run at once. Off the cooperative threads nothing else bounds it, and
  /// two dozen `docs check` runs at once would starve the servers other tests start.
  private static let running = DispatchSemaphore(value: 2)

  /// Runs the command to its end on a thread of its own (see `offCooperativePool`), reading
  /// standard output and standard error at once, so that neither pipe can fill and stall it.
  static func run(
    _ arguments: [String], currentDirectory: URL = packageRoot, executable: URL = executable,
    environment: [String: String]? = nil
  ) async throws -> CLIResult {
    try await offCooperativePool {
      running.wait()
      defer { running.signal() }
      let process = Process()
      process.executableURL = executable
      process.arguments = arguments
      process.currentDirectoryURL = currentDirectory
      if let environment { process.environment = environment }
      let out = try OutputPipe()
      let err = try OutputPipe()
      process.standardOutput = out.writing
      process.standardError = err.writing
      try process.run()
      try out.childStarted()
      try err.childStarted()
      let errorOutput = ErrorOutput()
      let errorReader = Thread { errorOutput.finish(err.reading.readDataToEndOfFile()) }
      errorReader.start()
      let outData = out.reading.readDataToEndOfFile()
      let errData = errorOutput.wait()
      process.waitUntilExit()
      return CLIResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
    }
  }
}

/// Standard error, read on its own thread and handed over once the pipe is closed.
private final class ErrorOutput: @unchecked Sendable {
  private let done = DispatchSemaphore(value: 0)
  private var data = Data()

  func finish(_ data: Data) {
    self.data = data
    done.signal()
  }

  func wait() -> Data {
    done.wait()
    return data
  }
}
