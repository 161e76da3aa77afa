import FlowEngine
import Foundation
internal import GRDB

/// The outbox's delivery state: claims with a lease, outcomes, pages and re-queuing, each in
/// the caller's transaction.
extension SQLiteFlowStore {
  static func outboxEntry(from row: Row, decoder: JSONDecoder) throws -> OutboxEntry {
    let code = (row["last_error_code"] as String?).flatMap(FlowCode.init(rawValue:))
    return OutboxEntry(
      message: try message(from: row, decoder: decoder),
      status: DeliveryStatus(rawValue: row["status"]) ?? .pending,
      attempts: row["delivery_attempts"],
      nextAttemptAt: (row["next_attempt_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
      deliveredAt: (row["delivered_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
      lastError: code.map { CodedMessage($0, jsonStringMap(row["last_error_parameters"]) ?? [:]) })
  }

  static func claimDeliveries(_ db: Database, now: Date, leaseUntil: Date, limit: Int) throws -> [OutboxEntry]
  {
    // Select and lease in one statement, inside the caller's write transaction (SQLite has
    // one writer, so no other claim can come between). With PostgreSQL the select is
    // `FOR UPDATE SKIP LOCKED`, so workers on several nodes take different rows. One
    // statement instead of a select, an update and a read-back per message: the claims are
    // on the delivery worker's path for every batch.
    let rows = try Row.fetchAll(
      db.cachedStatement(
        sql: """
            UPDATE outbox SET claimed_until = ?1, delivery_attempts = delivery_attempts + 1
          WHERE idempotency_key IN (
            SELECT idempotency_key FROM outbox
            WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)
              AND (claimed_until IS NULL OR claimed_until <= ?2)
            ORDER BY next_attempt_at, created_at LIMIT ?3)
          RETURNING *
          """), arguments: [leaseUntil.timeIntervalSince1970, now.timeIntervalSince1970, limit])
    let decoder = JSONDecoder()
    // RETURNING gives the rows in no particular order; a batch goes out oldest first.
    return try rows.map { try outboxEntry(from: $0, decoder: decoder) }.sorted {
      ($0.nextAttemptAt ?? .distantPast, $0.message.createdAt, $0.message.idempotencyKey)
        < ($1.nextAttemptAt ?? .distantPast, $1.message.createdAt, $1.message.idempotencyKey)
    }
  }

  static func recordDelivery(_ db: Database, _ key: String, _ outcome: DeliveryOutcome) throws -> Bool {
    switch outcome {
    case .delivered(let at):
      try db.cachedStatement(
        sql: """
          UPDATE outbox SET status = 'delivered', delivered_at = ?1, sent_at = ?1, claimed_until = NULL,
            next_attempt_at = NULL
          WHERE idempotency_key = ?2 AND status = 'pending'
          """
      ).execute(
        arguments: [at.timeIntervalSince1970, key])
    case .retry(let at, let error):
      try db.cachedStatement(
        sql: """
          UPDATE outbox SET next_attempt_at = ?, claimed_until = NULL, last_error_code = ?,
            last_error_parameters = ?
          WHERE idempotency_key = ? AND status = 'pending'
          """
      ).execute(
        arguments: [
          at.timeIntervalSince1970, error.code.id,
          jsonText(error.parameters, isEmpty: error.parameters.isEmpty),
          key,
        ])
    case .dead(let error):
      try db.cachedStatement(
        sql: """
          UPDATE outbox SET status = 'dead', next_attempt_at = NULL, claimed_until = NULL, last_error_code = ?,
            last_error_parameters = ?
          WHERE idempotency_key = ? AND status = 'pending'
          """
      ).execute(
        arguments: [error.code.id, jsonText(error.parameters, isEmpty: error.parameters.isEmpty), key])
    }
    return db.changesCount > 0
  }

  static func outboxPage(
    _ db: Database, status: DeliveryStatus?, flowId: String?, after cursor: OutboxCursor?, limit: Int
  ) throws -> [OutboxEntry] {
    var conditions: [String] = []
    var arguments: [any DatabaseValueConvertible] = []
    if let status {
      conditions.append("status = ?")
      arguments.append(status.rawValue)
    }
    if let flowId {
      conditions.append("flow_id = ?")
      arguments.append(flowId)
    }
    if let cursor {
      conditions.append("(created_at > ? OR (created_at = ? AND idempotency_key > ?))")
      let time = cursor.createdAt.timeIntervalSince1970
      arguments += [time, time, cursor.idempotencyKey]
    }
    arguments.append(limit)
    let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    let decoder = JSONDecoder()
    return try Row.fetchAll(
      db, sql: "SELECT * FROM outbox \(filter) ORDER BY created_at, idempotency_key LIMIT ?",
      arguments: StatementArguments(arguments)
    ).map { try outboxEntry(from: $0, decoder: decoder) }
  }

  static func outboxEntry(_ db: Database, _ key: String) throws -> OutboxEntry? {
    try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE idempotency_key = ?", arguments: [key]).map {
      try outboxEntry(from: $0, decoder: JSONDecoder())
    }
  }

  static func requeue(_ db: Database, _ key: String, at now: Date) throws {
    try db.execute(
      sql: """
        UPDATE outbox SET status = 'pending', delivery_attempts = 0, next_attempt_at = ?, claimed_until = NULL,
          delivered_at = NULL, sent_at = NULL
        WHERE idempotency_key = ?
        """, arguments: [now.timeIntervalSince1970, key])
  }

  static func outboxBacklog(_ db: Database) throws -> Int {
    try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE status = 'pending'") ?? 0
  }
}

extension SQLiteTransaction {
  func claimDeliveries(now: Date, leaseUntil: Date, limit: Int) throws -> [OutboxEntry] {
    try SQLiteFlowStore.claimDeliveries(db, now: now, leaseUntil: leaseUntil, limit: limit)
  }

  @discardableResult
  func recordDelivery(_ idempotencyKey: String, _ outcome: DeliveryOutcome) throws -> Bool {
    try SQLiteFlowStore.recordDelivery(db, idempotencyKey, outcome)
  }

  func outboxPage(status: DeliveryStatus?, flowId: String?, after cursor: OutboxCursor?, limit: Int) throws
    -> [OutboxEntry]
  {
    try SQLiteFlowStore.outboxPage(db, status: status, flowId: flowId, after: cursor, limit: limit)
  }

  func outboxEntry(_ idempotencyKey: String) throws -> OutboxEntry? {
    try SQLiteFlowStore.outboxEntry(db, idempotencyKey)
  }

  func requeue(_ idempotencyKey: String, at now: Date) throws {
    try SQLiteFlowStore.requeue(db, idempotencyKey, at: now)
  }

  func outboxBacklog() throws -> Int { try SQLiteFlowStore.outboxBacklog(db) }

  func participantTotals() throws -> [ParticipantStatus: Int] {
    let decoder = JSONDecoder()
    var totals: [ParticipantStatus: Int] = [:]
    for row in try Row.fetchAll(db, sql: "SELECT id, counts FROM flows") {
      let counts =
        try (row["counts"] as String?).map { try SQLiteFlowStore.counts(fromJSON: $0, decoder: decoder) }
        ?? SQLiteFlowStore.participantCounts(db, in: row["id"])
      for (status, count) in counts { totals[status, default: 0] += count }
    }
    return totals
  }
}
