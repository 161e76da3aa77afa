import FlowEngine
import Foundation
import Logging

/// Runs the engine over a store: every operation's changes are committed in one transaction,
/// and the scheduler advances due participants in batches, one transaction per batch.
///
/// Memory holds flows, their counts and history; participants and contacts are read from the
/// store when an operation needs them and let go once it is committed, so memory does not
/// grow with the number of participants.
///
/// When a commit or a read fails (a full disk, say), the engine is reloaded from the store,
/// so memory never runs ahead of what is stored.
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
    self.engine = try Self.load(store, clock: clock)
  }

  private static func load(_ store: any FlowStore, clock: any FlowClock) throws -> FlowEngine {
    let snapshot = try store.loadFlows(
      historySince: clock.now.addingTimeInterval(-FlowEngine.historyRetention))
    let engine = FlowEngine(clock: clock, paging: snapshot, backing: store)
    if let failure = store.takeReadFailure() { throw failure }
    return engine
  }

  /// Reads from the engine. Fails when the store could not be read.
  public func read<R: Sendable>(_ body: (FlowEngine) throws -> R) throws -> R {
    let result = Result { try body(engine) }
    if let failure = store.takeReadFailure() { throw failure }
    return try result.get()
  }

  /// Changes the engine and commits what changed. A refusal (the engine's `Refusal`) changes
  /// nothing and is rethrown after the commit.
  public func perform<R: Sendable>(_ body: (inout FlowEngine) throws -> R) throws -> R {
    let result = Result { try body(&engine) }
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

  /// Commits what changed and lets the committed participants and contacts go. A failed
  /// read during the operation fails it before anything is written.
  private func commit() throws {
    if let failure = store.takeReadFailure() {
      logger.error("reading the store failed; reloading the engine", metadata: ["error": "\(failure)"])
      engine = try Self.load(store, clock: clock)
      throw failure
    }
    let changes = engine.takeChanges()
    if !changes.isEmpty {
      do {
        try store.commit(changes)
      } catch {
        logger.error("commit failed; reloading the engine from the store", metadata: ["error": "\(error)"])
        engine = try Self.load(store, clock: clock)
        throw error
      }
    }
    engine.evictCommitted()
  }
}
