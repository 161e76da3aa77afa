import FlowEngine
import Foundation

/// Pages of what a flow has, the audit trail, the outbox's delivery state and contacts,
/// each in the caller's transaction.
extension PostgresTransaction {
  // MARK: Pages

  func participantPage(
    in flowId: String, filter: ParticipantFilter, after cursor: ParticipantCursor?, limit: Int
  ) throws -> [Participant] {
    var conditions = ["flow_id = $1"]
    var values: [SQLValue] = [.text(flowId)]
    func bind(_ value: SQLValue) -> String {
      values.append(value)
      return "$\(values.count)"
    }
    if let status = filter.status { conditions.append("status = \(bind(.text(status.rawValue)))") }
    if let stepId = filter.stepId { conditions.append("step_id = \(bind(.text(stepId)))") }
    if let cursor {
      let time = bind(.date(cursor.enrolledAt))
      conditions.append("(enrolled_at, contact_id) > (\(time), \(bind(.text(cursor.contactId))))")
    }
    let limit = bind(.int(limit))
    return try rows(
      """
      SELECT \(Self.participantColumns) FROM participants WHERE \(conditions.joined(separator: " AND "))
      ORDER BY enrolled_at, contact_id LIMIT \(limit)
      """, values
    ).map { try Self.participant(from: $0) }
  }

  func historyPage(of flowId: String, since: Date, after: Int64?, limit: Int) throws
    -> [(id: Int64, event: HistoryEvent)]
  {
    let decoder = JSONDecoder()
    return try rows(
      """
      SELECT id, time, contact_id, step_id, code, parameters FROM history
      WHERE flow_id = $1 AND time >= $2 AND id > $3 ORDER BY id LIMIT $4
      """, [.text(flowId), .date(since), .int(Int(after ?? 0)), .int(limit)]
    ).compactMap { row -> (Int64, HistoryEvent)? in
      guard let code = FlowCode(rawValue: try row.string(4)) else { return nil }
      let parameters = try decoder.decode([String: String].self, from: Data(try row.string(5).utf8))
      return (
        try row.int64(0),
        HistoryEvent(
          time: try row.date(1), flowId: flowId, contactId: try row.string(2),
          stepId: try row.optionalString(3),
          message: CodedMessage(code, parameters))
      )
    }
  }

  func flowsWithErrorsPage(errorSince: Date, historySince: Date, after: Int64?, limit: Int) throws
    -> [(rowid: Int64, flow: FlowWithErrors)]
  {
    let decoder = JSONDecoder()
    return try rows(
      """
      SELECT f.seq, f.id, e.last_error_at, v.definition,
        (SELECT count(*) FROM history h WHERE h.flow_id = f.id AND h.time >= $1 AND h.code LIKE 'FD3%')
      FROM flows f JOIN flow_errors e ON e.flow_id = f.id
        JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version
      WHERE e.last_error_at > $2 AND f.seq > $3 ORDER BY f.seq LIMIT $4
      """, [.date(historySince), .date(errorSince), .int(Int(after ?? 0)), .int(limit)]
    ).map { row in
      let definition = try decoder.decode(FlowDefinition.self, from: Data(try row.string(3).utf8))
      return (
        try row.int64(0),
        FlowWithErrors(
          flowId: try row.string(1), name: definition.name, newestErrorAt: try row.date(2),
          errorCount: try row.int(4))
      )
    }
  }

  // MARK: Audit

  func recordAudit(_ entry: AuditEntry) throws {
    try run(
      "INSERT INTO audit (time, flow_id, action, actor_role, actor_name, version) VALUES ($1, $2, $3, $4, $5, $6)",
      [
        .date(entry.time), .text(entry.flowId), .text(entry.action), .text(entry.actorRole),
        .text(entry.actorName), .int(entry.version),
      ])
  }

  func auditPage(of flowId: String, after: Int64?, limit: Int) throws -> [AuditEntry] {
    try rows(
      """
      SELECT id, time, flow_id, action, actor_role, actor_name, version FROM audit
      WHERE flow_id = $1 AND id > $2 ORDER BY id LIMIT $3
      """, [.text(flowId), .int(Int(after ?? 0)), .int(limit)]
    ).map { row in
      AuditEntry(
        id: try row.int64(0), time: try row.date(1), flowId: try row.string(2), action: try row.string(3),
        actorRole: try row.string(4), actorName: try row.string(5), version: try row.optionalInt(6))
    }
  }

  // MARK: Outbox

  static let outboxColumns = """
    idempotency_key, flow_id, contact_id, step_id, attempt, channel, recipient, created_at, sender, reply_to,
    subject, body, html, language, status, delivery_attempts, next_attempt_at, delivered_at, last_error_code,
    last_error_parameters
    """

  static func outboxEntry(from row: SQLRow) throws -> OutboxEntry {
    let message = OutboxMessage(
      idempotencyKey: try row.string(0),
      channel: OutboxMessage.Channel(rawValue: try row.string(5)) ?? .email,
      flowId: try row.string(1), contactId: try row.string(2), stepId: try row.string(3),
      attempt: try row.int(4),
      to: try row.string(6), from: try row.optionalString(8), replyTo: try row.optionalString(9),
      subject: try row.optionalString(10), body: try row.optionalString(11), html: try row.optionalString(12),
      language: try row.optionalString(13), createdAt: try row.date(7))
    let code = try row.optionalString(18).flatMap(FlowCode.init(rawValue:))
    return OutboxEntry(
      message: message, status: DeliveryStatus(rawValue: try row.string(14)) ?? .pending,
      attempts: try row.int(15), nextAttemptAt: try row.optionalDate(16),
      deliveredAt: try row.optionalDate(17),
      lastError: try code.map {
        CodedMessage($0, SQLiteFlowStore.jsonStringMap(try row.optionalString(19)) ?? [:])
      })
  }

  /// Leases due messages that no other worker holds. `SKIP LOCKED` passes over the rows
  /// another node's worker is claiming at this moment, so claims on several nodes never
  /// wait for each other and never take the same message.
  func claimDeliveries(now: Date, leaseUntil: Date, limit: Int) throws -> [OutboxEntry] {
    try rows(
      """
      UPDATE outbox SET claimed_until = $2, delivery_attempts = delivery_attempts + 1
      WHERE idempotency_key IN (
        SELECT idempotency_key FROM outbox
        WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
          AND (claimed_until IS NULL OR claimed_until <= $1)
        ORDER BY next_attempt_at NULLS FIRST, created_at LIMIT $3
        FOR UPDATE SKIP LOCKED)
      RETURNING \(Self.outboxColumns)
      """, [.date(now), .date(leaseUntil), .int(limit)]
    ).map(Self.outboxEntry).sorted {
      ($0.nextAttemptAt ?? .distantPast, $0.message.createdAt) < (
        $1.nextAttemptAt ?? .distantPast, $1.message.createdAt
      )
    }
  }

  @discardableResult
  func recordDelivery(_ idempotencyKey: String, _ outcome: DeliveryOutcome) throws -> Bool {
    switch outcome {
    case .delivered(let at):
      return try execute(
        """
        UPDATE outbox SET status = 'delivered', delivered_at = $1, sent_at = $1, claimed_until = NULL,
          next_attempt_at = NULL
        WHERE idempotency_key = $2 AND status = 'pending'
        """, [.date(at), .text(idempotencyKey)]) > 0
    case .retry(let at, let error):
      return try execute(
        """
        UPDATE outbox SET next_attempt_at = $1, claimed_until = NULL, last_error_code = $2,
          last_error_parameters = $3
        WHERE idempotency_key = $4 AND status = 'pending'
        """,
        [
          .date(at), .text(error.code.id),
          .text(SQLiteFlowStore.jsonText(error.parameters, isEmpty: error.parameters.isEmpty)),
          .text(idempotencyKey),
        ]) > 0
    case .dead(let error):
      return try execute(
        """
        UPDATE outbox SET status = 'dead', next_attempt_at = NULL, claimed_until = NULL, last_error_code = $1,
          last_error_parameters = $2
        WHERE idempotency_key = $3 AND status = 'pending'
        """,
        [
          .text(error.code.id),
          .text(SQLiteFlowStore.jsonText(error.parameters, isEmpty: error.parameters.isEmpty)),
          .text(idempotencyKey),
        ]) > 0
    }
  }

  func outboxPage(status: DeliveryStatus?, flowId: String?, after cursor: OutboxCursor?, limit: Int) throws
    -> [OutboxEntry]
  {
    var conditions: [String] = []
    var values: [SQLValue] = []
    func bind(_ value: SQLValue) -> String {
      values.append(value)
      return "$\(values.count)"
    }
    if let status { conditions.append("status = \(bind(.text(status.rawValue)))") }
    if let flowId { conditions.append("flow_id = \(bind(.text(flowId)))") }
    if let cursor {
      let time = bind(.date(cursor.createdAt))
      conditions.append("(created_at, idempotency_key) > (\(time), \(bind(.text(cursor.idempotencyKey))))")
    }
    let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    let limit = bind(.int(limit))
    return try rows(
      "SELECT \(Self.outboxColumns) FROM outbox \(filter) ORDER BY created_at, idempotency_key LIMIT \(limit)",
      values
    ).map(Self.outboxEntry)
  }

  func outboxEntry(_ idempotencyKey: String) throws -> OutboxEntry? {
    try rows("SELECT \(Self.outboxColumns) FROM outbox WHERE idempotency_key = $1", [.text(idempotencyKey)])
      .first.map(Self.outboxEntry)
  }

  func requeue(_ idempotencyKey: String, at now: Date) throws {
    try run(
      """
      UPDATE outbox SET status = 'pending', delivery_attempts = 0, next_attempt_at = $1, claimed_until = NULL,
        delivered_at = NULL, sent_at = NULL
      WHERE idempotency_key = $2
      """, [.date(now), .text(idempotencyKey)])
  }

  func outboxBacklog() throws -> Int {
    try rows("SELECT count(*) FROM outbox WHERE status = 'pending'").first?.int(0) ?? 0
  }

  func participantTotals() throws -> [ParticipantStatus: Int] {
    var totals: [ParticipantStatus: Int] = [:]
    for row in try rows("SELECT status, sum(n)::bigint FROM flow_counts GROUP BY status HAVING sum(n) <> 0") {
      if let status = ParticipantStatus(rawValue: try row.string(0)) { totals[status] = try row.int(1) }
    }
    return totals
  }

  // MARK: Contacts

  func contactPage(after: String?, limit: Int, filter: ContactFilter) throws -> [Contact] {
    var values: [SQLValue] = [.text(after ?? "")]
    var conditions = ["id > $1"]
    func bind(_ value: SQLValue) -> String {
      values.append(value)
      return "$\(values.count)"
    }
    if let email = filter.email { conditions.append("lower(email) = lower(\(bind(.text(email))))") }
    if let language = filter.language {
      let mark = bind(.text(language))
      // A prefix compared as text, not with LIKE, where `%` or `_` would be a wildcard.
      conditions.append(
        "(lower(language) = lower(\(mark)) OR substr(lower(language), 1, length(\(mark)) + 1) = lower(\(mark)) || '-')"
      )
    }
    if let bounced = filter.emailBounced { conditions.append("email_bounced = \(bind(.bool(bounced)))") }
    let limit = bind(.int(limit))
    return try rows(
      """
      SELECT \(Self.contactColumns) FROM contacts WHERE \(conditions.joined(separator: " AND "))
      ORDER BY id LIMIT \(limit)
      """, values
    ).map { try Self.contact(from: $0) }
  }

  func eraseContact(_ id: String, placeholder: String) throws -> ContactErasure? {
    // No batch may be writing a message to the old address while it is erased.
    try lockAllFlows()
    guard
      let old = try rows("SELECT \(Self.contactColumns) FROM contacts WHERE id = $1", [.text(id)]).first.map({
        try Self.contact(from: $0)
      })
    else { return nil }
    try run(
      """
      UPDATE contacts SET email = NULL, mobile = NULL, consent = false, subscriptions = NULL,
        marketing_contact = false, company_id = NULL, lifecycle_stage = NULL, properties = NULL, language = NULL
      WHERE id = $1
      """, [.text(id)])
    let dropped = try execute(
      "DELETE FROM outbox WHERE contact_id = $1 AND status IN ('pending', 'dead')", [.text(id)])
    try run(
      "UPDATE outbox SET recipient = $1, subject = NULL, body = NULL, html = NULL WHERE contact_id = $2",
      [.text(placeholder), .text(id)])
    try run(
      "UPDATE participants SET email_claim = NULL WHERE contact_id = $1 AND email_claim IS NOT NULL",
      [.text(id)])
    let decoder = JSONDecoder()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    for row in try rows("SELECT id, parameters FROM history WHERE contact_id = $1", [.text(id)]) {
      let parameters = try decoder.decode([String: String].self, from: Data(try row.string(1).utf8))
      if let erased = old.erasing(from: parameters, placeholder: placeholder) {
        try run(
          "UPDATE history SET parameters = $1 WHERE id = $2",
          [.text(String(decoding: try encoder.encode(erased), as: UTF8.self)), .int(Int(try row.int64(0)))])
      }
    }
    let flows = try rows(
      "SELECT DISTINCT flow_id FROM participants WHERE contact_id = $1 ORDER BY flow_id", [.text(id)]
    ).map { try $0.string(0) }
    return ContactErasure(contactId: id, flows: flows, droppedMessages: dropped)
  }
}
