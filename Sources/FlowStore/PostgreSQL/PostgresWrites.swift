import FlowEngine
import Foundation

/// The commit of what an engine operation changed. Rows go to PostgreSQL as one JSON
/// document per table (`jsonb_to_recordset`), so a batch of ten thousand participants is one
/// round trip, not ten thousand.
enum PostgresWrites {
  struct FlowRow: JSONRow {
    var id: String
    var version: Int
    var status: String
  }

  struct CountRow: JSONRow {
    var flowId: String
    var status: String
    var delta: Int

    func append(to row: inout JSONRowWriter) throws {
      row.add("flow_id", flowId)
      row.add("status", status)
      row.add("delta", delta)
    }
  }

  struct ErrorRow: JSONRow {
    var flowId: String
    var lastErrorAt: Double

    func append(to row: inout JSONRowWriter) throws {
      row.add("flow_id", flowId)
      try row.add("last_error_at", lastErrorAt)
    }
  }

  struct CompanyRow: JSONRow {
    var id: String
    var data: String

    func append(to row: inout JSONRowWriter) throws {
      row.add("id", id)
      row.add("data", data)
    }
  }

  struct VersionRow: JSONRow {
    var flowId: String
    var version: Int
    var definition: String
  }

  struct ContactRow: Encodable, JSONRow {
    var id: String
    var email: String?
    var mobile: String?
    var consent: Bool
    var subscriptions: String?
    var marketingContact: Bool
    var formerEmployee: Bool
    var emailBounced: Bool
    var unengaged: Bool
    var companyId: String?
    var lifecycleStage: String?
    var properties: String?
    var language: String?
  }

  struct ParticipantRow: Encodable, JSONRow {
    var flowId: String
    var contactId: String
    var status: String
    var stepId: String?
    var due: Double?
    var reason: String?
    var reasonParameters: String?
    var enteredAt: Double?
    var enrolledAt: Double
    var attempt: Int
    var waiting: Bool
    var branches: String?
    var actions: String?
    var emailClaim: String?
    var scheduleToken: Int64
  }

  struct HistoryRow: Encodable, JSONRow {
    var flowId: String
    var time: Double
    var contactId: String
    var stepId: String?
    var code: String
    var parameters: String
  }

  struct MessageRow: Encodable, JSONRow {
    var idempotencyKey: String
    var flowId: String
    var contactId: String
    var stepId: String
    var attempt: Int
    var channel: String
    var recipient: String
    var createdAt: Double
    var sender: String?
    var replyTo: String?
    var subject: String?
    var body: String?
    var html: String?
    var language: String?
  }

  static let participantColumns = """
    flow_id text, contact_id text, status text, step_id text, due double precision, reason text,
    reason_parameters text, entered_at double precision, enrolled_at double precision, attempt integer,
    waiting boolean, branches text, actions text, email_claim text, schedule_token bigint
    """

  static func write(_ changes: EngineChanges, in transaction: PostgresTransaction) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    func json<T: JSONRow>(_ rows: [T]) throws -> SQLValue { .text(try JSONRowWriter.array(rows)) }
    if !changes.deletedFlows.isEmpty {
      try transaction.run(
        "DELETE FROM flows WHERE id = ANY($1::text[])",
        [.text(PostgresTransaction.arrayLiteral(changes.deletedFlows.map { $0 }))])
    }
    // Flow rows: only new flows and those whose version or status changed, which only an
    // engine operation does, holding the row lock. A batch never writes its flows' rows.
    let flowRows = changes.flows.filter { flow in
      guard let before = transaction.loaded[flow.id] else { return true }
      return before.version != flow.version || before.status != flow.status
    }
    if !flowRows.isEmpty {
      let flows = flowRows.map { FlowRow(id: $0.id, version: $0.version, status: $0.status.rawValue) }
      try transaction.run(
        """
        INSERT INTO flows (id, version, status)
        SELECT id, version, status FROM jsonb_to_recordset($1::jsonb) AS x(id text, version integer, status text)
        ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status
        """, [try json(flows)])
    }
    try writeCounts(changes.flows, in: transaction)
    if !changes.flows.isEmpty {
      let versions = try changes.flows.filter { changes.newDefinitions.contains($0.id) }.map {
        VersionRow(
          flowId: $0.id, version: $0.version,
          definition: String(decoding: try encoder.encode($0.definition), as: UTF8.self))
      }
      if !versions.isEmpty {
        try transaction.run(
          """
          INSERT INTO flow_versions (flow_id, version, definition)
          SELECT flow_id, version, definition FROM jsonb_to_recordset($1::jsonb)
            AS x(flow_id text, version integer, definition text)
          ON CONFLICT DO NOTHING
          """, [try json(versions)])
      }
    }
    if !changes.contacts.isEmpty {
      let contacts = changes.contacts.map { c in
        ContactRow(
          id: c.id, email: c.email, mobile: c.mobile, consent: c.consent,
          subscriptions: SQLiteFlowStore.jsonText(c.subscriptions.sorted(), isEmpty: c.subscriptions.isEmpty),
          marketingContact: c.marketingContact, formerEmployee: c.formerEmployee,
          emailBounced: c.emailBounced,
          unengaged: c.unengaged, companyId: c.companyId, lifecycleStage: c.lifecycleStage?.rawValue,
          properties: SQLiteFlowStore.jsonText(c.properties, isEmpty: c.properties.isEmpty),
          language: c.language)
      }
      try transaction.run(
        """
        INSERT INTO contacts (id, email, mobile, consent, subscriptions, marketing_contact, former_employee,
          email_bounced, unengaged, company_id, lifecycle_stage, properties, language)
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, email text, mobile text, consent boolean,
          subscriptions text, marketing_contact boolean, former_employee boolean, email_bounced boolean,
          unengaged boolean, company_id text, lifecycle_stage text, properties text, language text)
        ON CONFLICT (id) DO UPDATE SET email = excluded.email, mobile = excluded.mobile,
          consent = excluded.consent, subscriptions = excluded.subscriptions,
          marketing_contact = excluded.marketing_contact, former_employee = excluded.former_employee,
          email_bounced = excluded.email_bounced, unengaged = excluded.unengaged, company_id = excluded.company_id,
          lifecycle_stage = excluded.lifecycle_stage, properties = excluded.properties, language = excluded.language
        """, [try json(contacts)])
    }
    if !changes.companies.isEmpty {
      var rows: [CompanyRow] = []
      for (id, properties) in changes.companies {
        rows.append(CompanyRow(id: id, data: String(decoding: try encoder.encode(properties), as: UTF8.self)))
      }
      try transaction.run(
        """
        INSERT INTO companies (id, data)
        SELECT id, data FROM jsonb_to_recordset($1::jsonb) AS x(id text, data text)
        ON CONFLICT (id) DO UPDATE SET data = excluded.data
        """, [try json(rows)])
    }
    // Rows that give an address up are written before rows that take one, so that a
    // hand-over within one batch never has two active holders in between: the unique index
    // on active addresses is checked row by row.
    let releasing = changes.participants.filter {
      $0.participant.status != .active || $0.participant.heldEmailAddress == nil
    }
    let holding = changes.participants.filter {
      $0.participant.status == .active && $0.participant.heldEmailAddress != nil
    }
    let tokens = try scheduleTokens(for: changes.participants, in: transaction)
    for group in [releasing, holding] where !group.isEmpty {
      let rows = group.map { record in
        let p = record.participant
        return ParticipantRow(
          flowId: record.flowId, contactId: p.contactId, status: p.status.rawValue, stepId: p.stepId,
          due: p.due?.timeIntervalSince1970, reason: p.reason?.code.id,
          reasonParameters: p.reason.flatMap {
            SQLiteFlowStore.jsonText($0.parameters, isEmpty: $0.parameters.isEmpty)
          },
          enteredAt: p.enteredStepAt?.timeIntervalSince1970, enrolledAt: p.enrolledAt.timeIntervalSince1970,
          attempt: p.attempt, waiting: p.isWaiting,
          branches: SQLiteFlowStore.jsonText(p.branches, isEmpty: p.branches.isEmpty),
          actions: SQLiteFlowStore.jsonText(p.performedActions.sorted(), isEmpty: p.performedActions.isEmpty),
          emailClaim: p.heldEmailAddress,
          scheduleToken: tokens[p.scheduleOrder] ?? Int64(truncatingIfNeeded: p.scheduleOrder))
      }
      try transaction.run(
        """
        INSERT INTO participants (flow_id, contact_id, status, step_id, due, reason, reason_parameters, entered_at,
          enrolled_at, attempt, waiting, branches, actions, email_claim, schedule_token)
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(\(participantColumns))
        ON CONFLICT (flow_id, contact_id) DO UPDATE SET status = excluded.status, step_id = excluded.step_id,
          due = excluded.due, reason = excluded.reason, reason_parameters = excluded.reason_parameters,
          entered_at = excluded.entered_at, enrolled_at = excluded.enrolled_at, attempt = excluded.attempt,
          waiting = excluded.waiting, branches = excluded.branches, actions = excluded.actions,
          email_claim = excluded.email_claim, schedule_token = excluded.schedule_token
        """, [try json(rows)])
    }
    if !changes.history.isEmpty {
      let rows = try changes.history.map { event in
        HistoryRow(
          flowId: event.flowId, time: event.time.timeIntervalSince1970, contactId: event.contactId,
          stepId: event.stepId, code: event.code.id,
          parameters: String(decoding: try encoder.encode(event.message.parameters), as: UTF8.self))
      }
      // `WITH ORDINALITY` keeps the events in the order they happened, which is the order of
      // their ids.
      try transaction.run(
        """
        INSERT INTO history (flow_id, time, contact_id, step_id, code, parameters)
        SELECT (e->>'flow_id'), (e->>'time')::double precision, (e->>'contact_id'), (e->>'step_id'),
          (e->>'code'), (e->>'parameters')
        FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY n
        """, [try json(rows)])
    }
    if !changes.outbox.isEmpty {
      let rows = changes.outbox.map { m in
        MessageRow(
          idempotencyKey: m.idempotencyKey, flowId: m.flowId, contactId: m.contactId, stepId: m.stepId,
          attempt: m.attempt, channel: m.channel.rawValue, recipient: m.to,
          createdAt: m.createdAt.timeIntervalSince1970, sender: m.from, replyTo: m.replyTo,
          subject: m.subject,
          body: m.body, html: m.html, language: m.language)
      }
      // A plain INSERT: a message already written makes the whole commit fail.
      try transaction.run(
        """
        INSERT INTO outbox (idempotency_key, flow_id, contact_id, step_id, attempt, channel, recipient, created_at,
          sender, reply_to, subject, body, html, language)
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(idempotency_key text, flow_id text, contact_id text,
          step_id text, attempt integer, channel text, recipient text, created_at double precision, sender text,
          reply_to text, subject text, body text, html text, language text)
        """, [try json(rows)])
    }
    // The flow counter moves only under the engine lock, and never back.
    if changes.counters.nextFlowNumber != transaction.loadedFlowNumber {
      try transaction.run(
        """
        INSERT INTO meta (key, value) VALUES ('nextFlowNumber', $1)
        ON CONFLICT (key) DO UPDATE SET value = GREATEST(meta.value::bigint, excluded.value::bigint)::text
        """, [.text(String(changes.counters.nextFlowNumber))])
    }
  }

  /// How many rows of `flow_counts` each status of a flow is spread over.
  static let countSlots = 8

  /// How the counts of each changed flow moved since the transaction loaded it, and its
  /// newest error time, written to rows of their own. Batches on several nodes may change one
  /// flow's counts at once: each adds its deltas to the slot of its connection, so two
  /// batches seldom wait for each other. The rows are locked in key order, before the
  /// participants, messages and contacts of the commit: two commits that share a slot wait
  /// for each other, never deadlock.
  static func writeCounts(_ flows: [FlowRecord], in transaction: PostgresTransaction) throws {
    var deltas: [CountRow] = []
    var errors: [ErrorRow] = []
    for flow in flows {
      let before = transaction.loaded[flow.id]
      let counts = flow.counts ?? [:]
      for status in ParticipantStatus.allCases {
        let delta = (counts[status] ?? 0) - (before?.counts[status] ?? 0)
        if delta != 0 { deltas.append(CountRow(flowId: flow.id, status: status.rawValue, delta: delta)) }
      }
      if let last = flow.lastErrorAt, last != before?.lastErrorAt {
        errors.append(ErrorRow(flowId: flow.id, lastErrorAt: last.timeIntervalSince1970))
      }
    }
    if !deltas.isEmpty {
      try transaction.run(
        """
        INSERT INTO flow_counts (flow_id, status, slot, n)
        SELECT flow_id, status, pg_backend_pid() % \(countSlots), delta FROM jsonb_to_recordset($1::jsonb)
          AS x(flow_id text, status text, delta bigint)
        ORDER BY flow_id COLLATE "C", status COLLATE "C"
        ON CONFLICT (flow_id, status, slot) DO UPDATE SET n = flow_counts.n + excluded.n
        """, [.text(try JSONRowWriter.array(deltas))])
    }
    if !errors.isEmpty {
      try transaction.run(
        """
        INSERT INTO flow_errors (flow_id, last_error_at)
        SELECT flow_id, last_error_at FROM jsonb_to_recordset($1::jsonb)
          AS x(flow_id text, last_error_at double precision)
        ORDER BY flow_id COLLATE "C"
        ON CONFLICT (flow_id) DO UPDATE
          SET last_error_at = GREATEST(flow_errors.last_error_at, excluded.last_error_at)
        """, [.text(try JSONRowWriter.array(errors))])
    }
  }

  /// The tokens the engine minted in this transaction (from `PostgresTransaction.tokenBase`
  /// up), each traded for one from the `schedule_tokens` sequence, in the same order.
  static func scheduleTokens(for participants: [ParticipantRecord], in transaction: PostgresTransaction)
    throws -> [UInt64: Int64]
  {
    let minted = Set(
      participants.lazy.map(\.participant.scheduleOrder).filter { $0 >= PostgresTransaction.tokenBase }
    )
    .sorted()
    guard !minted.isEmpty else { return [:] }
    let drawn = try transaction.rows(
      "SELECT nextval('schedule_tokens') FROM generate_series(1, $1)", [.int(minted.count)]
    ).map { try $0.int64(0) }.sorted()
    guard drawn.count == minted.count else {
      throw StoreError(
        .io, path: transaction.store.location,
        reason: "drew \(drawn.count) schedule tokens, not \(minted.count)")
    }
    return Dictionary(uniqueKeysWithValues: zip(minted, drawn))
  }
}

extension PostgresWrites.FlowRow {
  func append(to row: inout JSONRowWriter) throws {
    row.add("id", id)
    row.add("version", version)
    row.add("status", status)
  }
}

extension PostgresWrites.VersionRow {
  func append(to row: inout JSONRowWriter) throws {
    row.add("flow_id", flowId)
    row.add("version", version)
    row.add("definition", definition)
  }
}

extension PostgresWrites.ContactRow {
  func append(to row: inout JSONRowWriter) throws {
    row.add("id", id)
    row.add("email", email)
    row.add("mobile", mobile)
    row.add("consent", consent)
    row.add("subscriptions", subscriptions)
    row.add("marketing_contact", marketingContact)
    row.add("former_employee", formerEmployee)
    row.add("email_bounced", emailBounced)
    row.add("unengaged", unengaged)
    row.add("company_id", companyId)
    row.add("lifecycle_stage", lifecycleStage)
    row.add("properties", properties)
    row.add("language", language)
  }
}

extension PostgresWrites.ParticipantRow {
  func append(to row: inout JSONRowWriter) throws {
    row.add("flow_id", flowId)
    row.add("contact_id", contactId)
    row.add("status", status)
    row.add("step_id", stepId)
    try row.add("due", due)
    row.add("reason", reason)
    row.add("reason_parameters", reasonParameters)
    try row.add("entered_at", enteredAt)
    try row.add("enrolled_at", enrolledAt)
    row.add("attempt", attempt)
    row.add("waiting", waiting)
    row.add("branches", branches)
    row.add("actions", actions)
    row.add("email_claim", emailClaim)
    row.add("schedule_token", scheduleToken)
  }
}

extension PostgresWrites.HistoryRow {
  func append(to row: inout JSONRowWriter) throws {
    row.add("flow_id", flowId)
    try row.add("time", time)
    row.add("contact_id", contactId)
    row.add("step_id", stepId)
    row.add("code", code)
    row.add("parameters", parameters)
  }
}

extension PostgresWrites.MessageRow {
  func append(to row: inout JSONRowWriter) throws {
    row.add("idempotency_key", idempotencyKey)
    row.add("flow_id", flowId)
    row.add("contact_id", contactId)
    row.add("step_id", stepId)
    row.add("attempt", attempt)
    row.add("channel", channel)
    row.add("recipient", recipient)
    try row.add("created_at", createdAt)
    row.add("sender", sender)
    row.add("reply_to", replyTo)
    row.add("subject", subject)
    row.add("body", body)
    row.add("html", html)
    row.add("language", language)
  }
}
