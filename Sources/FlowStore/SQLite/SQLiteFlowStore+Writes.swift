import FlowEngine
import Foundation
internal import GRDB

/// Writes: transactions, the commit of what an operation changed, retention and the outbox.
extension SQLiteFlowStore {
  public func commit(_ changes: EngineChanges) throws {
    guard !changes.isEmpty else { return }
    do {
      try pool.write { db in try write(changes, in: db) }
    } catch {
      throw Self.storeError(error, path: path)
    }
  }

  /// A write transaction: the engine's reads and the commit of its changes, all in one, with
  /// the write lock taken at its start (BEGIN IMMEDIATE), so two hosts on one database
  /// never both read a state and then both write over it. GRDB runs it off the caller's
  /// thread.
  public func write<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R)
    async throws -> R
  {
    do {
      return try await pool.writeWithoutTransaction { db in
        var result: R?
        try db.inTransaction(.immediate) {
          let transaction = SQLiteTransaction(db, store: self)
          result = try Self.run(body, in: transaction)
          return .commit
        }
        return result!
      }
    } catch let error as StoreError {
      throw error
    } catch let refusal as Refusal {
      throw refusal
    } catch let error as DatabaseError {
      throw Self.storeError(error, path: path)
    }
  }

  /// A read transaction: one consistent snapshot for every read of the operation.
  public func read<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R)
    async throws -> R
  {
    do {
      return try await pool.read { db in
        try Self.run(body, in: SQLiteTransaction(db, store: self))
      }
    } catch let error as DatabaseError {
      throw Self.storeError(error, path: path)
    }
  }

  /// Runs an operation's body in a transaction.
  static func run<R>(_ body: (any FlowStoreTransaction) throws -> R, in transaction: SQLiteTransaction) throws
    -> R
  {
    try body(transaction)
  }

  /// Writes everything one operation changed, in the caller's transaction.
  func write(_ changes: EngineChanges, in db: Database) throws {
    guard !changes.isEmpty else { return }
    let encoder = self.encoder
    for id in changes.deletedFlows {
      try db.execute(sql: "DELETE FROM flows WHERE id = ?", arguments: [id])
    }
    let upsertFlow = try db.cachedStatement(sql: Self.flowUpsertSQL)
    let insertVersion = try db.cachedStatement(
      sql: "INSERT OR IGNORE INTO flow_versions (flow_id, version, definition) VALUES (?, ?, ?)")
    for flow in changes.flows {
      try upsertFlow.execute(arguments: [
        flow.id, flow.version, flow.status.rawValue, flow.lastErrorAt?.timeIntervalSince1970,
        flow.counts.map(Self.countsJSON),
      ])
      if changes.newDefinitions.contains(flow.id) {
        try insertVersion.execute(arguments: [flow.id, flow.version, try encoder.encode(flow.definition)])
      }
    }
    try Self.writeRows(Self.contactUpsert, changes.contacts, in: db) { row, c in
      for text in [c.id, c.email, c.mobile] { row.bind(text) }
      row.bind(c.consent ? 1 : 0)
      row.bind(Self.jsonText(c.subscriptions.sorted(), isEmpty: c.subscriptions.isEmpty))
      for flag in [c.marketingContact, c.formerEmployee, c.emailBounced, c.unengaged] {
        row.bind(flag ? 1 : 0)
      }
      row.bind(c.companyId)
      row.bind(c.lifecycleStage?.rawValue)
      row.bind(Self.jsonText(c.properties, isEmpty: c.properties.isEmpty))
      row.bind(c.language)
    }
    let upsertCompany = try db.cachedStatement(
      sql:
        "INSERT INTO companies (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data"
    )
    for (id, properties) in changes.companies {
      try upsertCompany.execute(arguments: [id, try encoder.encode(properties)])
    }
    // Rows that give an address up are written before rows that take one, so that a
    // hand-over within one batch never has two active holders in between. SQLite checks the
    // rows of one statement in order, one by one, as it would separate statements.
    let releasing = changes.participants.filter {
      $0.participant.status != .active || $0.participant.heldEmailAddress == nil
    }
    let holding = changes.participants.filter {
      $0.participant.status == .active && $0.participant.heldEmailAddress != nil
    }
    try Self.writeRows(Self.participantUpsert, releasing + holding, in: db) { row, record in
      let p = record.participant
      row.bind(record.flowId)
      row.bind(p.contactId)
      row.bind(p.status.rawValue)
      row.bind(p.stepId)
      row.bind(p.due?.timeIntervalSince1970)
      row.bind(p.reason?.code.id)
      row.bind(p.reason.flatMap { Self.jsonText($0.parameters, isEmpty: $0.parameters.isEmpty) })
      row.bind(p.enteredStepAt?.timeIntervalSince1970)
      row.bind(p.enrolledAt.timeIntervalSince1970)
      row.bind(p.attempt)
      row.bind(p.isWaiting ? 1 : 0)
      row.bind(Self.jsonText(p.branches, isEmpty: p.branches.isEmpty))
      row.bind(Self.jsonText(p.performedActions.sorted(), isEmpty: p.performedActions.isEmpty))
      row.bind(p.heldEmailAddress)
      row.bind(Int64(truncatingIfNeeded: p.scheduleOrder))
    }
    let insertEvent = try db.cachedStatement(
      sql:
        "INSERT INTO history (flow_id, time, contact_id, step_id, code, parameters) VALUES (?, ?, ?, ?, ?, ?)"
    )
    for event in changes.history {
      try insertEvent.execute(arguments: [
        event.flowId, event.time.timeIntervalSince1970, event.contactId, event.stepId, event.code.id,
        try encoder.encode(event.message.parameters),
      ])
    }
    try Self.writeRows(Self.messageInsert, changes.outbox, in: db) { row, m in
      for text in [m.idempotencyKey, m.flowId, m.contactId, m.stepId] { row.bind(text) }
      row.bind(m.attempt)
      row.bind(m.channel.rawValue)
      row.bind(m.to)
      row.bind(m.createdAt.timeIntervalSince1970)
      for text in [m.from, m.replyTo, m.subject, m.body, m.html, m.language] { row.bind(text) }
    }
    let setMeta = try db.cachedStatement(sql: Self.metaUpsertSQL)
    try setMeta.execute(arguments: ["nextFlowNumber", String(changes.counters.nextFlowNumber)])
    try setMeta.execute(arguments: ["nextToken", String(changes.counters.nextToken)])
  }

  // MARK: The commit's statements
  // Named, and open to the benchmarks (`@_spi(Benchmarks)`), so that the benchmark of the
  // store's own SQL runs exactly the statements a commit runs.

  /// A flow's version, status and counts, inserted or written over.
  @_spi(Benchmarks) public static let flowUpsertSQL = """
      INSERT INTO flows (id, version, status, last_error_at, counts) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET version = excluded.version, status = excluded.status,
        last_error_at = excluded.last_error_at, counts = excluded.counts
    """

  /// A contact, inserted or written over whole.
  @_spi(Benchmarks) public static let contactUpsert = RowsStatement(
    """
    INSERT INTO contacts (id, data, email, mobile, consent, subscriptions, marketing_contact, former_employee,
      email_bounced, unengaged, company_id, lifecycle_stage, properties, language)
    VALUES
    """,
    "(?, x'', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    """
    ON CONFLICT(id) DO UPDATE SET data = x'', email = excluded.email, mobile = excluded.mobile,
      consent = excluded.consent, subscriptions = excluded.subscriptions,
      marketing_contact = excluded.marketing_contact, former_employee = excluded.former_employee,
      email_bounced = excluded.email_bounced, unengaged = excluded.unengaged, company_id = excluded.company_id,
      lifecycle_stage = excluded.lifecycle_stage, properties = excluded.properties,
      language = excluded.language
    """)

  /// A participant, inserted or written over whole.
  @_spi(Benchmarks) public static let participantUpsert = RowsStatement(
    """
    INSERT INTO participants (flow_id, contact_id, status, step_id, due, reason, data, reason_parameters,
      entered_at, enrolled_at, attempt, waiting, branches, actions, email_claim, schedule_token)
    VALUES
    """,
    "(?, ?, ?, ?, ?, ?, x'', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    """
    ON CONFLICT(flow_id, contact_id) DO UPDATE SET status = excluded.status, step_id = excluded.step_id,
      due = excluded.due, reason = excluded.reason, data = x'', reason_parameters = excluded.reason_parameters,
      entered_at = excluded.entered_at, enrolled_at = excluded.enrolled_at, attempt = excluded.attempt,
      waiting = excluded.waiting, branches = excluded.branches, actions = excluded.actions,
      email_claim = excluded.email_claim, schedule_token = excluded.schedule_token
    """)

  /// A message: a plain INSERT, so a message already written makes the whole commit fail.
  @_spi(Benchmarks) public static let messageInsert = RowsStatement(
    """
    INSERT INTO outbox (idempotency_key, flow_id, contact_id, step_id, attempt, channel, recipient, data,
      created_at, sender, reply_to, subject, body, html, language)
    VALUES
    """,
    "(?, ?, ?, ?, ?, ?, ?, x'', ?, ?, ?, ?, ?, ?, ?)", "")

  /// Writes `items` with `statement`, `RowsStatement.rowsPerStatement` rows in each run of
  /// it and what is left over one row at a time. `bind` binds one item's values, in order.
  static func writeRows<Items: Collection>(
    _ statement: RowsStatement, _ items: Items, in db: Database, bind: (inout RawRow, Items.Element) -> Void
  ) throws {
    var rest = items[...]
    let size = RowsStatement.rowsPerStatement
    if rest.count >= size {
      let many = try db.cachedStatement(sql: statement.sql(rows: size))
      while rest.count >= size {
        var row = RawRow(many, in: db)
        for item in rest.prefix(size) { bind(&row, item) }
        try row.run()
        rest = rest.dropFirst(size)
      }
    }
    guard !rest.isEmpty else { return }
    let one = try db.cachedStatement(sql: statement.sql(rows: 1))
    for item in rest {
      var row = RawRow(one, in: db)
      bind(&row, item)
      try row.run()
    }
  }

  /// A meta value, inserted or written over.
  @_spi(Benchmarks) public static let metaUpsertSQL =
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"

  @discardableResult
  public func pruneHistory(before cutoff: Date) throws -> Int {
    do {
      return try pool.write { db in
        try db.execute(sql: "DELETE FROM history WHERE time < ?", arguments: [cutoff.timeIntervalSince1970])
        return db.changesCount
      }
    } catch {
      throw Self.storeError(error, path: path)
    }
  }

  public func pendingOutbox(limit: Int) throws -> [OutboxMessage] {
    do {
      return try pool.read { db in
        let decoder = JSONDecoder()
        return try Row.fetchAll(
          db, sql: "SELECT * FROM outbox WHERE status = 'pending' ORDER BY created_at, rowid LIMIT ?",
          arguments: [limit]
        ).map { try Self.message(from: $0, decoder: decoder) }
      }
    } catch {
      throw Self.storeError(error, path: path)
    }
  }

  public func markSent(_ idempotencyKeys: [String], at time: Date) throws {
    do {
      try pool.write { db in
        let statement = try db.cachedStatement(
          sql:
            "UPDATE outbox SET sent_at = ?1, delivered_at = ?1, status = 'delivered' WHERE idempotency_key = ?2"
        )
        for key in idempotencyKeys { try statement.execute(arguments: [time.timeIntervalSince1970, key]) }
      }
    } catch {
      throw Self.storeError(error, path: path)
    }
  }

  public func outboxCount() throws -> Int {
    do {
      return try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM outbox") ?? 0 }
    } catch {
      throw Self.storeError(error, path: path)
    }
  }
}

/// An INSERT that writes any number of rows in one statement: its head, up to `VALUES`; the
/// value list of one row; and what follows the lists (an upsert's `ON CONFLICT`). One
/// statement of many rows saves the start and the end of a statement (reset, bindings, the
/// step's setup and its end) for each row: 8-10% of an advance (BENCHMARKS.md, twelfth round).
@_spi(Benchmarks) public struct RowsStatement: Sendable {
  /// How many rows a commit writes with each run of a statement: 60 rows of at most 16
  /// values stay under 999, the most values a statement may have before SQLite 3.32.
  @_spi(Benchmarks) public static let rowsPerStatement = 60
  let head: String
  let values: String
  let tail: String

  init(_ head: String, _ values: String, _ tail: String) {
    self.head = head
    self.values = values
    self.tail = tail
  }

  /// The statement for `rows` rows.
  @_spi(Benchmarks) public func sql(rows: Int) -> String {
    head + " " + repeatElement(values, count: rows).joined(separator: ", ")
      + (tail.isEmpty ? "" : "\n" + tail)
  }
}
