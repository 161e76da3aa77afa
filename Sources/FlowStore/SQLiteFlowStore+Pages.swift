import FlowEngine
import Foundation
internal import GRDB

/// Pages of what a flow has: participants, history, the flows-with-errors list and the audit
/// trail, each read from the store in the caller's transaction, never from memory.
extension SQLiteFlowStore {
  /// Participants in enrollment order (then contact id), after `cursor`, filtered.
  static func participantPage(
    _ db: Database, in flowId: String, filter: ParticipantFilter, after cursor: ParticipantCursor?, limit: Int
  ) throws -> [Participant] {
    var conditions = ["flow_id = ?"]
    var arguments: [any DatabaseValueConvertible] = [flowId]
    if let status = filter.status {
      conditions.append("status = ?")
      arguments.append(status.rawValue)
    }
    if let stepId = filter.stepId {
      conditions.append("step_id = ?")
      arguments.append(stepId)
    }
    if let cursor {
      conditions.append("(enrolled_at > ? OR (enrolled_at = ? AND contact_id > ?))")
      let time = cursor.enrolledAt.timeIntervalSince1970
      arguments += [time, time, cursor.contactId]
    }
    arguments.append(limit)
    let decoder = JSONDecoder()
    return try Row.fetchAll(
      db,
      sql: """
        SELECT \(participantColumns) FROM participants WHERE \(conditions.joined(separator: " AND "))
        ORDER BY enrolled_at, contact_id LIMIT ?
        """, arguments: StatementArguments(arguments)
    ).map { try participant(from: $0, decoder: decoder) }
  }

  /// History events of a flow from `since` on, oldest first, after the event with id `after`.
  static func historyPage(_ db: Database, of flowId: String, since: Date, after: Int64?, limit: Int) throws
    -> [(id: Int64, event: HistoryEvent)]
  {
    let decoder = JSONDecoder()
    return try Row.fetchAll(
      db,
      sql: """
        SELECT id, time, contact_id, step_id, code, parameters FROM history
        WHERE flow_id = ? AND time >= ? AND id > ? ORDER BY id LIMIT ?
        """, arguments: [flowId, since.timeIntervalSince1970, after ?? 0, limit]
    ).compactMap { row -> (Int64, HistoryEvent)? in
      guard let code = FlowCode(rawValue: row["code"]) else { return nil }
      let parameters = try decoder.decode([String: String].self, from: row["parameters"] as Data)
      return (
        row["id"],
        HistoryEvent(
          time: Date(timeIntervalSince1970: row["time"]), flowId: flowId, contactId: row["contact_id"],
          stepId: row["step_id"], message: CodedMessage(code, parameters))
      )
    }
  }

  /// Flows whose newest action error is younger than `errorSince`, in creation order, after
  /// the flow with row id `after`, each with its action errors since `historySince`.
  static func flowsWithErrorsPage(
    _ db: Database, errorSince: Date, historySince: Date, after: Int64?, limit: Int
  ) throws -> [(rowid: Int64, flow: FlowWithErrors)] {
    let decoder = JSONDecoder()
    return try Row.fetchAll(
      db,
      sql: """
        SELECT f.rowid AS rowid, f.id, f.last_error_at, v.definition,
          (SELECT count(*) FROM history h WHERE h.flow_id = f.id AND h.time >= ? AND h.code LIKE 'FD3%') AS errors
        FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version
        WHERE f.last_error_at > ? AND f.rowid > ? ORDER BY f.rowid LIMIT ?
        """,
      arguments: [historySince.timeIntervalSince1970, errorSince.timeIntervalSince1970, after ?? 0, limit]
    ).map { row in
      let definition = try decoder.decode(FlowDefinition.self, from: row["definition"] as Data)
      return (
        row["rowid"],
        FlowWithErrors(
          flowId: row["id"], name: definition.name,
          newestErrorAt: Date(timeIntervalSince1970: row["last_error_at"]), errorCount: row["errors"])
      )
    }
  }

  static func recordAudit(_ db: Database, _ entry: AuditEntry) throws {
    try db.execute(
      sql: """
        INSERT INTO audit (time, flow_id, action, actor_role, actor_name, version) VALUES (?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        entry.time.timeIntervalSince1970, entry.flowId, entry.action, entry.actorRole, entry.actorName,
        entry.version,
      ])
  }

  static func auditPage(_ db: Database, of flowId: String, after: Int64?, limit: Int) throws -> [AuditEntry] {
    try Row.fetchAll(
      db,
      sql: """
        SELECT id, time, flow_id, action, actor_role, actor_name, version FROM audit
        WHERE flow_id = ? AND id > ? ORDER BY id LIMIT ?
        """, arguments: [flowId, after ?? 0, limit]
    ).map { row in
      AuditEntry(
        id: row["id"], time: Date(timeIntervalSince1970: row["time"]), flowId: row["flow_id"],
        action: row["action"], actorRole: row["actor_role"], actorName: row["actor_name"],
        version: row["version"])
    }
  }
}

extension SQLiteTransaction {
  func participantPage(
    in flowId: String, filter: ParticipantFilter, after cursor: ParticipantCursor?, limit: Int
  ) throws -> [Participant] {
    try SQLiteFlowStore.participantPage(db, in: flowId, filter: filter, after: cursor, limit: limit)
  }

  func historyPage(of flowId: String, since: Date, after: Int64?, limit: Int) throws
    -> [(id: Int64, event: HistoryEvent)]
  {
    try SQLiteFlowStore.historyPage(db, of: flowId, since: since, after: after, limit: limit)
  }

  func flowsWithErrorsPage(errorSince: Date, historySince: Date, after: Int64?, limit: Int) throws
    -> [(rowid: Int64, flow: FlowWithErrors)]
  {
    try SQLiteFlowStore.flowsWithErrorsPage(
      db, errorSince: errorSince, historySince: historySince, after: after, limit: limit)
  }

  func recordAudit(_ entry: AuditEntry) throws { try SQLiteFlowStore.recordAudit(db, entry) }

  func auditPage(of flowId: String, after: Int64?, limit: Int) throws -> [AuditEntry] {
    try SQLiteFlowStore.auditPage(db, of: flowId, after: after, limit: limit)
  }
}
