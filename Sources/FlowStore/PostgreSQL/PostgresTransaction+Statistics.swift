import FlowEngine
import Foundation

/// The flow statistics, counted in PostgreSQL, and the delivery events they count.
extension PostgresTransaction {
  @discardableResult
  func recordDeliveryEvent(
    _ idempotencyKey: String, _ kind: DeliveryEvent.Kind, bounce: DeliveryEvent.Bounce?, at time: Date
  ) throws -> Bool {
    // A bounce without its kind counts as hard, as it does for the contact.
    let bounce = kind == .bounced ? (bounce ?? .hard).rawValue : nil
    return try execute(
      """
      INSERT INTO delivery_events (idempotency_key, kind, at, bounce) VALUES ($1, $2, $3, $4)
      ON CONFLICT (idempotency_key, kind) DO NOTHING
      """, [.text(idempotencyKey), .text(kind.rawValue), .date(time), .text(bounce)]) > 0
  }

  func flowStatistics(of flowId: String) throws -> FlowStatistics {
    var statistics = FlowStatistics(flowId: flowId)
    var steps: [String: StepFigures] = [:]
    for row in try rows(
      "SELECT step_id, status, reason, count(*) FROM participants WHERE flow_id = $1 GROUP BY step_id, status, reason",
      [.text(flowId)])
    {
      guard let status = ParticipantStatus(rawValue: try row.string(1)) else { continue }
      let count = try row.int(3)
      var figures = ParticipantFigures(byStatus: [status: count])
      if status == .droppedOut { figures.droppedOutByReason[try row.optionalString(2) ?? "unknown"] = count }
      statistics.participants.add(figures)
      if let stepId = try row.optionalString(0) {
        steps[stepId, default: StepFigures(stepId: stepId)].participants.add(figures)
      }
    }
    // A message the provider reported on was sent, whatever the outbox says (a worker may
    // have died before recording it). An open or a click means it was delivered; a click,
    // that it was opened.
    for row in try rows(
      """
      SELECT step_id,
        count(*) FILTER (WHERE status = 'pending' AND NOT reported),
        count(*) FILTER (WHERE status = 'delivered' OR reported),
        count(*) FILTER (WHERE status = 'dead' AND NOT reported),
        count(*) FILTER (WHERE kinds && ARRAY['delivered', 'opened', 'clicked']),
        count(*) FILTER (WHERE kinds && ARRAY['opened', 'clicked']),
        count(*) FILTER (WHERE 'clicked' = ANY(kinds)),
        count(*) FILTER (WHERE 'bounced' = ANY(kinds)),
        count(*) FILTER (WHERE 'complained' = ANY(kinds)),
        count(*) FILTER (WHERE 'unsubscribed' = ANY(kinds))
      FROM (
        SELECT o.step_id, o.status, e.kinds IS NOT NULL AS reported, coalesce(e.kinds, ARRAY[]::text[]) AS kinds
        FROM outbox o
        LEFT JOIN LATERAL (
          SELECT array_agg(kind) AS kinds FROM delivery_events d WHERE d.idempotency_key = o.idempotency_key
        ) e ON true
        WHERE o.flow_id = $1
      ) m
      GROUP BY step_id
      """, [.text(flowId)])
    {
      let stepId = try row.string(0)
      let figures = MessageFigures(
        pending: try row.int(1), sent: try row.int(2), dead: try row.int(3), delivered: try row.int(4),
        opened: try row.int(5), clicked: try row.int(6), bounced: try row.int(7), complained: try row.int(8),
        unsubscribed: try row.int(9))
      statistics.messages.add(figures)
      steps[stepId, default: StepFigures(stepId: stepId)].messages.add(figures)
    }
    statistics.steps = steps.keys.sorted().compactMap { steps[$0] }
    return statistics
  }
}
