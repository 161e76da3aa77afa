import FlowEngine
import Foundation

/// Where a host keeps the engine's state. The SQLite store is the embedded default; another
/// backend implements the same calls.
public protocol FlowStore: ParticipantBacking {
  /// Loads the whole persistent state, with history younger than `historySince`.
  func load(historySince: Date) throws -> EngineSnapshot

  /// Loads flows, companies, history and counters, without participants and contacts:
  /// an engine that pages reads those through the store's `ParticipantBacking` reads.
  func loadFlows(historySince: Date) throws -> EngineSnapshot

  /// The first failure of a `ParticipantBacking` read since the last call, if any. Those
  /// reads cannot throw into the engine, so the host asks after every operation.
  func takeReadFailure() -> (any Error)?

  /// Writes everything one operation changed, in one transaction: all of it or none of it.
  /// An outbox message whose idempotency key is already stored makes the commit fail.
  func commit(_ changes: EngineChanges) throws

  /// Deletes history events older than `cutoff`; returns how many.
  @discardableResult
  func pruneHistory(before cutoff: Date) throws -> Int

  /// Outbox messages not yet marked sent, oldest first.
  func pendingOutbox(limit: Int) throws -> [OutboxMessage]

  /// Marks messages as sent.
  func markSent(_ idempotencyKeys: [String], at time: Date) throws

  /// Counts outbox messages, sent or not.
  func outboxCount() throws -> Int
}
