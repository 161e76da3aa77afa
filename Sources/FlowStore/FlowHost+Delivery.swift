import FlowEngine
import Foundation

/// The outbox as the delivery worker and the outbox API see it. Each call is one store
/// transaction; none is held open while a message is on its way.
extension FlowHost {
  /// Claims up to `limit` due messages for `lease` seconds (one more attempt each).
  public func claimDeliveries(limit: Int, lease: TimeInterval) async throws -> [OutboxEntry] {
    let now = clock.now
    return try await store.write { transaction in
      try transaction.claimDeliveries(now: now, leaseUntil: now.addingTimeInterval(lease), limit: limit)
    }
  }

  /// Records what an attempt came to; false when the message was no longer pending.
  @discardableResult
  public func recordDelivery(_ idempotencyKey: String, _ outcome: DeliveryOutcome) async throws -> Bool {
    try await store.write { try $0.recordDelivery(idempotencyKey, outcome) }
  }

  /// A page of the outbox in creation order, after `cursor`.
  public func outbox(status: DeliveryStatus?, flowId: String?, after cursor: OutboxCursor?, limit: Int)
    async throws -> [OutboxEntry]
  {
    try await store.read { try $0.outboxPage(status: status, flowId: flowId, after: cursor, limit: limit) }
  }

  /// The message with a public id (`msg_...`), or `FD1521` when there is none.
  public func outboxEntry(messageId: String) async throws -> OutboxEntry {
    try await store.read { try Self.entry(messageId, in: $0) }
  }

  /// Sends a dead message again: it becomes pending, due now, with no attempts made.
  /// `FD1521` for an unknown message, `FD1522` for one that is not dead.
  public func retry(messageId: String) async throws -> OutboxEntry {
    let now = clock.now
    return try await store.write { transaction in
      let entry = try Self.entry(messageId, in: transaction)
      guard entry.status == .dead else {
        throw Refusal(.messageNotDead, ["message": messageId, "status": entry.status.rawValue])
      }
      try transaction.requeue(entry.message.idempotencyKey, at: now)
      return try transaction.outboxEntry(entry.message.idempotencyKey) ?? entry
    }
  }

  /// How many messages wait to be delivered.
  public func outboxBacklog() async throws -> Int {
    try await store.read { try $0.outboxBacklog() }
  }

  static func entry(_ messageId: String, in transaction: any FlowStoreTransaction) throws -> OutboxEntry {
    guard let key = OutboxMessage.idempotencyKey(forMessageId: messageId),
      let entry = try transaction.outboxEntry(key)
    else { throw Refusal(.messageNotFound, ["message": messageId]) }
    return entry
  }
}
