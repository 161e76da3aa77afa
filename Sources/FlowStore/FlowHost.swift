import FlowEngine
import Foundation
import Logging

/// Runs the engine over a store, and keeps nothing of its own.
///
/// Every operation starts from the store: in one transaction the host reads the flows,
/// builds an engine that reads the participants and contacts it needs through that same
/// transaction, lets the operation change it, writes what changed and commits. A write
/// transaction holds the store's write lock from its start, so operations from several
/// hosts on one database are serialized by the store, and each sees what the others
/// committed: a flow paused by one host is paused for all, and ids come from the store.
///
/// The scheduler advances due participants in batches, one transaction per batch.
public final class FlowHost: Sendable {
  public let store: any FlowStore
  public let clock: any FlowClock
  private let logger: Logger

  public init(store: any FlowStore, clock: any FlowClock, logger: Logger = Logger(label: "flowdesk.host"))
    throws
  {
    self.store = store
    self.clock = clock
    self.logger = logger
  }

  /// An engine over one transaction: flows, counts and counters from the store, with the
  /// 90-day history when asked for.
  private static func engine(_ transaction: any FlowStoreTransaction, clock: any FlowClock, history: Bool)
    throws -> FlowEngine
  {
    let snapshot = try transaction.loadFlows(
      historySince: history ? clock.now.addingTimeInterval(-FlowEngine.historyRetention) : nil)
    let engine = FlowEngine(clock: clock, paging: snapshot, backing: transaction)
    if let failure = transaction.takeReadFailure() { throw failure }
    return engine
  }

  /// Reads from an engine built from the store in one read transaction. `history` loads
  /// the flows' 90-day history, which only history and the flows-with-errors list need.
  public func read<R: Sendable>(history: Bool = false, _ body: @Sendable (FlowEngine) throws -> R)
    async throws
    -> R
  {
    let clock = self.clock
    return try await store.read { transaction in
      let result = Result { try body(try Self.engine(transaction, clock: clock, history: history)) }
      // A failed read is the error, even when the body failed on the made-up answer.
      if let failure = transaction.takeReadFailure() { throw failure }
      return try result.get()
    }
  }

  /// Changes an engine built from the store and commits what changed, all in one write
  /// transaction. A refusal (the engine's `Refusal`) changes nothing and is rethrown after
  /// the commit; a failed read or write rolls everything back.
  public func perform<R: Sendable>(_ body: @Sendable (inout FlowEngine) throws -> R) async throws -> R {
    let clock = self.clock
    do {
      let result: Result<R, any Error> = try await store.write { transaction in
        var engine = try Self.engine(transaction, clock: clock, history: false)
        let result = Result { try body(&engine) }
        if let failure = transaction.takeReadFailure() { throw failure }
        try transaction.commit(engine.takeChanges())
        return result
      }
      return try result.get()
    } catch let error as StoreError {
      logger.error("store operation failed; nothing was written", metadata: ["error": "\(error)"])
      throw error
    }
  }

  /// Advances due participants, `batchSize` at a time, each batch in its own transaction.
  /// Returns the total advanced. `maxBatches` bounds one call.
  @discardableResult
  public func runDue(batchSize: Int = 500, maxBatches: Int = .max) async throws -> AdvanceReport {
    var total = AdvanceReport()
    for _ in 0..<maxBatches {
      let report = try await perform { $0.advance(limit: batchSize) }
      total.participantsAdvanced += report.participantsAdvanced
      total.stepsTaken += report.stepsTaken
      total.moreDue = report.moreDue
      if !report.moreDue { break }
    }
    return total
  }

  /// Applies the 90-day history retention in the store.
  @discardableResult
  public func pruneHistory() async throws -> Int {
    try store.pruneHistory(before: clock.now.addingTimeInterval(-FlowEngine.historyRetention))
  }

  /// The earliest due time of a participant in a running flow.
  public var nextDue: Date? {
    get async { try? await read { $0.nextDue } }
  }
}
