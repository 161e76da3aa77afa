import FlowEngine
import Foundation
import TestSupport
import Testing

@testable import FlowStore

/// Kills a worker that advances participants with SIGKILL at random moments, again and
/// again, and checks after each kill that nothing was lost or done twice.
@Suite("Crash safety")
struct CrashTests {
  static let participants = 20_000
  static let kills = 12
  /// The email steps of the worker's flow, in order, and the step after each.
  static let emailSteps = ["first", "second", "third"]
  static let order = ["first", "second", "mark", "third", "done"]

  static var worker: URL? {
    let candidates = [
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
      Bundle.main.bundleURL,
      Paths.packageRoot.appendingPathComponent(".build/debug"),
    ].map { $0.appendingPathComponent("flowdesk-crash-worker") }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }

  func launch(_ folder: URL) throws -> Process {
    let process = Process()
    process.executableURL = Self.worker
    process.arguments = [folder.path, String(Self.participants), "20"]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Every participant's outbox messages match the email steps it has passed, exactly once.
  func checkInvariants(_ folder: URL) throws -> (finished: Int, messages: Int) {
    let store = try SQLiteFlowStore(path: folder.appendingPathComponent("flowdesk.sqlite").path)
    let snapshot = try store.load(historySince: .distantPast)
    let messages = try store.pool.read { db in
      try String.fetchAll(db, sql: "SELECT idempotency_key FROM outbox")
    }
    var byParticipant: [String: [String]] = [:]
    for key in messages {
      let parts = key.split(separator: "/")
      byParticipant[String(parts[1]), default: []].append(String(parts[2]))
    }
    var finished = 0
    for record in snapshot.participants {
      let p = record.participant
      let passed: [String]
      if p.status == .finished {
        finished += 1
        passed = Self.emailSteps
      } else {
        // An active participant at step X has sent every email step before X.
        let position = Self.order.firstIndex(of: p.stepId ?? "first") ?? 0
        passed = Self.order.prefix(position).filter { Self.emailSteps.contains($0) }
      }
      #expect(p.status == .finished || p.status == .active, "\(p.contactId) is \(p.status)")
      #expect(
        byParticipant[p.contactId, default: []].sorted() == passed.sorted(),
        "\(p.contactId) at \(p.stepId ?? "-")")
    }
    #expect(Set(messages).count == messages.count)
    #expect(Set(byParticipant.keys).isSubset(of: Set(snapshot.participants.map(\.participant.contactId))))
    return (finished, messages.count)
  }

  @Test(.timeLimit(.minutes(5)))
  func killedWorkerLosesNothingAndRepeatsNothing() async throws {
    let worker = try #require(Self.worker, "the crash worker was not built")
    _ = worker
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SystemRandomNumberGenerator()
    var killedMidway = 0
    for _ in 0..<Self.kills {
      let process = try launch(folder)
      let delay = Double.random(in: 0.1...0.9, using: &generator)
      // Sleeping and waiting block, so they run off the cooperative threads (see
      // `offCooperativePool`).
      let killed = try await offCooperativePool {
        Thread.sleep(forTimeInterval: delay)
        let running = process.isRunning
        if running { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return running
      }
      if killed { killedMidway += 1 }
      if process.terminationReason == .exit {
        #expect(process.terminationStatus == 0, "the worker failed on its own")
      }
      _ = try checkInvariants(folder)
    }
    let last = try launch(folder)
    try await offCooperativePool { last.waitUntilExit() }
    #expect(last.terminationStatus == 0)
    let (finished, messages) = try checkInvariants(folder)
    #expect(finished == Self.participants)
    #expect(messages == 3 * Self.participants)
    #expect(killedMidway > 0, "at least one kill landed while the worker was running")
  }
}
