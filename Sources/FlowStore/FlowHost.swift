import FlowEngine
import Foundation
import Logging

/// Runs the engine over a store: every operation's changes are committed in one transaction,
/// and the scheduler advances due participants in batches, one transaction per batch.
///
/// When a commit fails (a full disk, say), the engine is reloaded from the store, so memory
/// never runs ahead of what is stored.
public actor FlowHost {
  public nonisolated let store: any FlowStore
  public nonisolated let clock: any FlowClock
  private var engine: FlowEngine
  private let logger: Logger

  public init(store: any FlowStore, clock: any FlowClock, logger: Logger = Logger(label: "flowdesk.host"))
    throws
  {
    self.store = store
    self.clock = clock
    self.logger = logger
    let snapshot = try store.load(historySince: clock.now.addingTimeInterval(-FlowEngine.historyRetention))
    self.engine = FlowEngine(clock: clock, snapshot: snapshot)
  }

  /// Reads from the engine.
  public func read<R: Sendable>(_ body: (FlowEngine) throws -> R) rethrows -> R {
    try body(engine)
  }

  /// Changes the engine and commits what changed. A refusal (the engine's `Refusal`) changes
  /// nothing and is rethrown after the commit.
  public func perform<R: Sendable>(_ body: (inout FlowEngine) throws -> R) throws -> R {
    let result: Result<R, any Error>
    do {
      result = .success(try body(&engine))
    } catch {
      result = .failure(error)
    }
    try commit()
    return try result.get()
  }

  /// Advances due participants, `batchSize` at a time, each batch in its own transaction.
  /// Returns the total advanced. `maxBatches` bounds one call.
  @discardableResult
  public func runDue(batchSize: Int = 500, maxBatches: Int = .max) throws -> AdvanceReport {
    var total = AdvanceReport()
    for _ in 0..<maxBatches {
      let report = engine.advance(limit: batchSize)
      try commit()
      total.participantsAdvanced += report.participantsAdvanced
      total.stepsTaken += report.stepsTaken
      total.moreDue = report.moreDue
      if !report.moreDue { break }
    }
    return total
  }

  /// Applies the 90-day history retention in memory and in the store.
  @discardableResult
  public func pruneHistory() throws -> Int {
    engine.pruneHistory()
    return try store.pruneHistory(before: clock.now.addingTimeInterval(-FlowEngine.historyRetention))
  }

  /// The earliest due time of a participant in a running flow.
  public var nextDue: Date? { engine.nextDue }

  private func commit() throws {
    let changes = engine.takeChanges()
    guard !changes.isEmpty else { return }
    do {
      try store.commit(changes)
    } catch {
      logger.error("commit failed; reloading the engine from the store", metadata: ["error": "\(error)"])
      let snapshot = try store.load(historySince: clock.now.addingTimeInterval(-FlowEngine.historyRetention))
      engine = FlowEngine(clock: clock, snapshot: snapshot)
      throw error
    }
  }
}
