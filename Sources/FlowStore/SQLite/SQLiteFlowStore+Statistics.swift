import FlowEngine
import Foundation
internal import GRDB

/// The flow statistics, counted with SQL, and the delivery events they count.
extension SQLiteFlowStore {
  static func recordDeliveryEvent(
    _ db: Database, _ key: String, _ kind: DeliveryEvent.Kind, bounce: DeliveryEvent.Bounce?, at time: Date
  ) throws -> Bool {
    // A bounce without its kind counts as hard, as it does for the contact.
    let bounce = kind == .bounced ? (bounce ?? .hard).rawValue : nil
    try db.execute(
      sql: """
        INSERT INTO delivery_events (idempotency_key, kind, at, bounce) VALUES (?, ?, ?, ?)
        ON CONFLICT (idempotency_key, kind) DO NOTHING
        """, arguments: [key, kind.rawValue, time.timeIntervalSince1970, bounce])
    return db.changesCount > 0
  }

  static func flowStatistics(_ db: Database, of flowId: String) throws -> FlowStatistics {
    var statistics = FlowStatistics(flowId: flowId)
    var steps: [String: StepFigures] = [:]
    // Participants by the step they are at (or left at), status and reason; queued ones
    // have no step yet.
    for row in try Row.fetchAll(
      db,
      sql: """
        SELECT step_id, status, reason, count(*) AS n FROM participants WHERE flow_id = ?
        GROUP BY step_id, status, reason
        """, arguments: [flowId])
    {
      guard let status = ParticipantStatus(rawValue: row["status"]) else { continue }
      let count: Int = row["n"]
      var figures = ParticipantFigures(byStatus: [status: count])
      if status == .droppedOut { figures.droppedOutByReason[row["reason"] ?? "unknown"] = count }
      statistics.participants.add(figures)
      if let stepId: String = row["step_id"] {
        steps[stepId, default: StepFigures(stepId: stepId)].participants.add(figures)
      }
    }
    // Messages by the step that wrote them. A message the provider reported on was sent,
    // whatever the outbox says (a worker may have died before recording it). The events
    // are found through their primary key, message by message.
    for row in try Row.fetchAll(
      db,
      sql: """
        SELECT step_id,
          sum(status = 'pending' AND NOT reported) AS pending,
          sum(status = 'delivered' OR reported) AS sent,
          sum(status = 'dead' AND NOT reported) AS dead,
          sum(delivered) AS delivered, sum(opened) AS opened, sum(clicked) AS clicked,
          sum(bounced) AS bounced, sum(complained) AS complained, sum(unsubscribed) AS unsubscribed
        FROM (
          SELECT o.step_id, o.status,
            EXISTS (SELECT 1 FROM delivery_events e WHERE e.idempotency_key = o.idempotency_key) AS reported,
            EXISTS (SELECT 1 FROM delivery_events e WHERE e.idempotency_key = o.idempotency_key
              AND e.kind IN ('delivered', 'opened', 'clicked')) AS delivered,
            EXISTS (SELECT 1 FROM delivery_events e WHERE e.idempotency_key = o.idempotency_key
              AND e.kind IN ('opened', 'clicked')) AS opened,
            EXISTS (SELECT 1 FROM delivery_events e WHERE e.idempotency_key = o.idempotency_key
              AND e.kind = 'clicked') AS clicked,
            EXISTS (SELECT 1 FROM delivery_events e WHERE e.idempotency_key = o.idempotency_key
              AND e.kind = 'bounced') AS bounced,
            EXISTS (SELECT 1 FROM delivery_events e WHERE e.idempotency_key = o.idempotency_key
              AND e.kind = 'complained') AS complained,
            EXISTS (SELECT 1 FROM delivery_events e WHERE e.idempotency_key = o.idempotency_key
              AND e.kind = 'unsubscribed') AS unsubscribed
          FROM outbox o WHERE o.flow_id = ?
        )
        GROUP BY step_id
        """, arguments: [flowId])
    {
      let stepId: String = row["step_id"]
      let figures = MessageFigures(
        pending: row["pending"], sent: row["sent"], dead: row["dead"], delivered: row["delivered"],
        opened: row["opened"], clicked: row["clicked"], bounced: row["bounced"],
        complained: row["complained"],
        unsubscribed: row["unsubscribed"])
      statistics.messages.add(figures)
      steps[stepId, default: StepFigures(stepId: stepId)].messages.add(figures)
    }
    statistics.steps = steps.keys.sorted().compactMap { steps[$0] }
    return statistics
  }
}

extension SQLiteTransaction {
  @discardableResult
  func recordDeliveryEvent(
    _ idempotencyKey: String, _ kind: DeliveryEvent.Kind, bounce: DeliveryEvent.Bounce?, at time: Date
  ) throws -> Bool {
    try SQLiteFlowStore.recordDeliveryEvent(db, idempotencyKey, kind, bounce: bounce, at: time)
  }

  func flowStatistics(of flowId: String) throws -> FlowStatistics {
    try SQLiteFlowStore.flowStatistics(db, of: flowId)
  }
}
