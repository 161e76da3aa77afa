import FlowEngine
import Foundation
internal import GRDB

/// The embedded default store: SQLite through GRDB, in WAL mode with foreign keys on.
///
/// A file that is not a SQLite database, or a database of another application, is refused
/// with a clear error and left untouched.
public final class SQLiteFlowStore: FlowStore, @unchecked Sendable {
  /// `FDK1` in ASCII: marks a database as Flowdesk's.
  static let applicationID: Int32 = 0x4644_4B31

  public let path: String
  let pool: DatabasePool
  private let failureLock = NSLock()
  private var readFailure: (any Error)?
  private let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }()

  /// Opens (creating and migrating when needed) the database at `path`.
  /// `maximumPages` caps the file size, for tests of a full disk.
  public init(path: String, maximumPages: Int? = nil) throws(StoreError) {
    self.path = path
    try Self.checkExistingFile(path)
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.busyMode = .timeout(5)
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
      if let maximumPages { try db.execute(sql: "PRAGMA max_page_count = \(maximumPages)") }
    }
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
      let migrator = Self.migrator
      if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
        throw StoreError(
          .newerSchema, path: path, reason: "was written by a newer Flowdesk; upgrade Flowdesk to open it")
      }
      try migrator.migrate(pool)
    } catch let error as StoreError {
      throw error
    } catch {
      throw Self.storeError(error, path: path)
    }
  }

  /// Refuses, without writing, a file that is not SQLite or belongs to another application.
  static func checkExistingFile(_ path: String) throws(StoreError) {
    guard let handle = FileHandle(forReadingAtPath: path) else { return }
    defer { try? handle.close() }
    let header = (try? handle.read(upToCount: 100)) ?? Data()
    guard !header.isEmpty else { return }
    guard header.count >= 16, header.prefix(16) == Data("SQLite format 3\0".utf8) else {
      throw StoreError(
        .notADatabase, path: path,
        reason: "is not a SQLite database (corrupt or foreign file); it was not changed")
    }
    // Read the application id through SQLite: a recent change may still be in the WAL file.
    var configuration = Configuration()
    configuration.readonly = true
    do {
      let queue = try DatabaseQueue(path: path, configuration: configuration)
      let (id, tables) = try queue.read { db in
        (
          try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
          try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        )
      }
      try queue.close()
      // Ours, or empty (a first start that stopped before its first migration).
      guard id != applicationID, !tables.isEmpty else { return }
      throw StoreError(
        .foreignDatabase, path: path, reason: "belongs to another application; it was not changed")
    } catch let error as StoreError {
      throw error
    } catch {
      throw storeError(error, path: path)
    }
  }

  static func storeError(_ error: any Error, path: String) -> StoreError {
    if let error = error as? StoreError { return error }
    guard let error = error as? DatabaseError else { return StoreError(.io, path: path, reason: "\(error)") }
    switch error.resultCode {
    case .SQLITE_NOTADB, .SQLITE_CORRUPT:
      return StoreError(
        .notADatabase, path: path, reason: "is corrupt or not a SQLite database; it was not changed")
    case .SQLITE_FULL:
      return StoreError(
        .full, path: path, reason: "the disk or database is full; nothing of the last change was written")
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return StoreError(.locked, path: path, reason: "is busy: another writer held it too long")
    case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
      return StoreError(.readOnly, path: path, reason: "cannot be written: \(error.message ?? "read-only")")
    default:
      return StoreError(.io, path: path, reason: error.message ?? "\(error)")
    }
  }

  // MARK: Schema

  /// Named, append-only migrations. Never edit a registered migration: add a new one.
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1 flows, participants, contacts, history, outbox") { db in
      // Marks the file as Flowdesk's in the same transaction that creates the schema.
      try db.execute(sql: "PRAGMA application_id = \(applicationID)")
      try db.execute(
        sql: """
          CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE contacts (id TEXT PRIMARY KEY, data BLOB NOT NULL);
          CREATE TABLE companies (id TEXT PRIMARY KEY, data BLOB NOT NULL);
          CREATE TABLE flows (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            last_error_at REAL
          );
          CREATE TABLE flow_versions (
            flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            definition BLOB NOT NULL,
            PRIMARY KEY (flow_id, version)
          );
          CREATE TABLE participants (
            flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
            contact_id TEXT NOT NULL,
            status TEXT NOT NULL,
            step_id TEXT,
            due REAL,
            reason TEXT,
            data BLOB NOT NULL,
            PRIMARY KEY (flow_id, contact_id)
          );
          CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
            time REAL NOT NULL,
            contact_id TEXT NOT NULL,
            step_id TEXT,
            code TEXT NOT NULL,
            parameters BLOB NOT NULL
          );
          CREATE INDEX history_by_flow ON history(flow_id, time);
          CREATE TABLE outbox (
            idempotency_key TEXT PRIMARY KEY,
            flow_id TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            channel TEXT NOT NULL,
            recipient TEXT NOT NULL,
            data BLOB NOT NULL,
            created_at REAL NOT NULL,
            sent_at REAL
          );
          """)
    }
    migrator.registerMigration("v2 indexes for due participants, retention and pending outbox") { db in
      try db.execute(
        sql: """
          CREATE INDEX participants_by_due ON participants(due) WHERE due IS NOT NULL;
          CREATE INDEX history_by_time ON history(time);
          CREATE INDEX outbox_pending ON outbox(created_at) WHERE sent_at IS NULL;
          """)
    }
    migrator.registerMigration("v3 participant fields in columns") { db in
      // Participants written before v3 keep their JSON in `data` and are read from it;
      // from v3 on, `data` is empty and the fields live in columns.
      try db.execute(
        sql: """
          ALTER TABLE participants ADD COLUMN reason_parameters TEXT;
          ALTER TABLE participants ADD COLUMN entered_at REAL;
          ALTER TABLE participants ADD COLUMN enrolled_at REAL;
          ALTER TABLE participants ADD COLUMN attempt INTEGER;
          ALTER TABLE participants ADD COLUMN waiting INTEGER;
          ALTER TABLE participants ADD COLUMN branches TEXT;
          ALTER TABLE participants ADD COLUMN actions TEXT;
          ALTER TABLE participants ADD COLUMN email_claim TEXT;
          ALTER TABLE participants ADD COLUMN schedule_token INTEGER;
          """)
    }
    migrator.registerMigration("v4 contact and outbox fields in columns") { db in
      // As for participants in v3: rows written before keep their JSON in `data`.
      try db.execute(
        sql: """
          ALTER TABLE contacts ADD COLUMN email TEXT;
          ALTER TABLE contacts ADD COLUMN mobile TEXT;
          ALTER TABLE contacts ADD COLUMN consent INTEGER;
          ALTER TABLE contacts ADD COLUMN subscriptions TEXT;
          ALTER TABLE contacts ADD COLUMN marketing_contact INTEGER;
          ALTER TABLE contacts ADD COLUMN former_employee INTEGER;
          ALTER TABLE contacts ADD COLUMN email_bounced INTEGER;
          ALTER TABLE contacts ADD COLUMN unengaged INTEGER;
          ALTER TABLE contacts ADD COLUMN company_id TEXT;
          ALTER TABLE contacts ADD COLUMN lifecycle_stage TEXT;
          ALTER TABLE contacts ADD COLUMN properties TEXT;
          ALTER TABLE outbox ADD COLUMN sender TEXT;
          ALTER TABLE outbox ADD COLUMN reply_to TEXT;
          ALTER TABLE outbox ADD COLUMN subject TEXT;
          ALTER TABLE outbox ADD COLUMN body TEXT;
          """)
    }
    migrator.registerMigration("v5 indexes for paging participants") { db in
      // The host reads participants back as it needs them: the due ones of a flow in
      // schedule order, and the active holder of an email address.
      // The due index replaces v2's, which no query used: every index on a column the
      // commit's upsert sets is rewritten for each participant that moves.
      try db.execute(
        sql: """
          DROP INDEX participants_by_due;
          CREATE INDEX participants_due_by_flow ON participants(flow_id, due, schedule_token)
            WHERE status = 'active' AND due IS NOT NULL;
          CREATE INDEX participants_by_email_claim ON participants(flow_id, email_claim)
            WHERE email_claim IS NOT NULL;
          """)
    }
    migrator.registerMigration("v6 one active participant per email address in a flow") { db in
      // The engine's rule, held by the store too, so it holds with several writers. The
      // unique index also serves the holder lookup, so it replaces v5's.
      try db.execute(
        sql: """
          DROP INDEX participants_by_email_claim;
          CREATE UNIQUE INDEX participants_one_active_per_address ON participants(flow_id, email_claim)
            WHERE status = 'active' AND email_claim IS NOT NULL;
          """)
    }
    migrator.registerMigration("v7 audit trail") { db in
      // Who did each lifecycle action and edit. No foreign key: the record of a deletion
      // outlives the flow.
      try db.execute(
        sql: """
          CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            time REAL NOT NULL,
            flow_id TEXT NOT NULL,
            action TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            actor_name TEXT NOT NULL,
            version INTEGER
          );
          CREATE INDEX audit_by_flow ON audit(flow_id, id);
          """)
    }
    return migrator
  }

  /// The contact columns, in the order `contact(from:decoder:)` reads them by position.
  static let contactColumns = """
    id, data, email, mobile, consent, subscriptions, marketing_contact, former_employee, email_bounced,
    unengaged, company_id, lifecycle_stage, properties
    """

  /// A contact from a row selected with `contactColumns`. Columns are read by position: by
  /// name, the lookups cost more than the values when contacts are paged in by thousands.
  static func contact(from row: Row, at o: Int = 0, decoder: JSONDecoder) throws -> Contact {
    let data: Data = row[o + 1]
    if !data.isEmpty { return try decoder.decode(Contact.self, from: data) }
    return Contact(
      id: row[o], email: row[o + 2], mobile: row[o + 3], consent: (row[o + 4] as Int? ?? 0) != 0,
      subscriptions: Set(jsonStrings(row[o + 5]) ?? []),
      marketingContact: (row[o + 6] as Int? ?? 1) != 0,
      formerEmployee: (row[o + 7] as Int? ?? 0) != 0,
      emailBounced: (row[o + 8] as Int? ?? 0) != 0,
      unengaged: (row[o + 9] as Int? ?? 0) != 0, companyId: row[o + 10],
      lifecycleStage: (row[o + 11] as String?).flatMap(LifecycleStage.init(rawValue:)),
      properties: jsonStringMap(row[o + 12]) ?? [:])
  }

  static func message(from row: Row, decoder: JSONDecoder) throws -> OutboxMessage {
    let data: Data = row["data"]
    if !data.isEmpty { return try decoder.decode(OutboxMessage.self, from: data) }
    return OutboxMessage(
      idempotencyKey: row["idempotency_key"],
      channel: OutboxMessage.Channel(rawValue: row["channel"]) ?? .email,
      flowId: row["flow_id"], contactId: row["contact_id"], stepId: row["step_id"], attempt: row["attempt"],
      to: row["recipient"], from: row["sender"], replyTo: row["reply_to"], subject: row["subject"],
      body: row["body"],
      createdAt: Date(timeIntervalSince1970: row["created_at"]))
  }

  /// A list of strings as JSON text, or nil when empty (the common case). Written directly:
  /// on the commit path, Foundation's JSON writers cost more than the rest of the row.
  static func jsonText(_ list: [String], isEmpty: Bool) -> String? {
    guard !list.isEmpty else { return nil }
    var text = "["
    for (index, item) in list.enumerated() {
      if index > 0 { text += "," }
      appendJSONString(item, to: &text)
    }
    return text + "]"
  }

  /// A string map as JSON text with sorted keys, or nil when empty.
  static func jsonText(_ map: [String: String], isEmpty: Bool) -> String? {
    guard !map.isEmpty else { return nil }
    var text = "{"
    for (index, key) in map.keys.sorted().enumerated() {
      if index > 0 { text += "," }
      appendJSONString(key, to: &text)
      text += ":"
      appendJSONString(map[key]!, to: &text)
    }
    return text + "}"
  }

  /// Appends a JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
  static func appendJSONString(_ string: String, to text: inout String) {
    text += "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": text += "\\\""
      case "\\": text += "\\\\"
      case "\n": text += "\\n"
      case "\r": text += "\\r"
      case "\t": text += "\\t"
      case _ where scalar.value < 0x20: text += String(format: "\\u%04x", scalar.value)
      default: text.unicodeScalars.append(scalar)
      }
    }
    text += "\""
  }

  static func jsonObject<T>(_ text: String?, as type: T.Type) -> T? {
    guard let text, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return nil }
    return object as? T
  }

  /// The participant columns, in the order `participant(from:decoder:)` reads them by position.
  static let participantColumns = """
    flow_id, contact_id, status, step_id, due, reason, data, reason_parameters, entered_at, enrolled_at,
    attempt, waiting, branches, actions, email_claim, schedule_token
    """
  static let participantColumnCount = 16

  /// A participant from a row selected with `participantColumns`, read by position.
  static func participant(from row: Row, decoder: JSONDecoder) throws -> Participant {
    let data: Data = row[6]
    if !data.isEmpty { return try decoder.decode(Participant.self, from: data) }
    let reason = (row[5] as String?).flatMap(FlowCode.init(rawValue:)).map {
      CodedMessage($0, jsonStringMap(row[7]) ?? [:])
    }
    return Participant(
      restoring: row[1], status: ParticipantStatus(rawValue: row[2]) ?? .active,
      reason: reason,
      stepId: row[3], due: (row[4] as Double?).map(Date.init(timeIntervalSince1970:)),
      enteredStepAt: (row[8] as Double?).map(Date.init(timeIntervalSince1970:)),
      enrolledAt: Date(timeIntervalSince1970: row[9] ?? 0), attempt: row[10] ?? 1,
      isWaiting: (row[11] as Int? ?? 0) != 0,
      branches: jsonStringMap(row[12]) ?? [:],
      performedActions: Set(jsonStrings(row[13]) ?? []),
      emailClaim: row[14],
      scheduleToken: UInt64(row[15] as Int64? ?? 0))
  }

  /// The names of the migrations applied to the database.
  public func appliedMigrations() throws -> [String] {
    try pool.read { try Self.migrator.appliedIdentifiers($0).sorted() }
  }

  // MARK: FlowStore

  public func load(historySince: Date) throws -> EngineSnapshot {
    do {
      return try pool.read { db in
        var snapshot = try Self.readFlows(db, historySince: historySince)
        let decoder = JSONDecoder()
        snapshot.contacts = try Row.fetchAll(db, sql: "SELECT \(Self.contactColumns) FROM contacts").map {
          try Self.contact(from: $0, decoder: decoder)
        }
        snapshot.participants = try Row.fetchAll(
          db, sql: "SELECT \(Self.participantColumns) FROM participants"
        ).map { row in
          ParticipantRecord(
            flowId: row[0], participant: try Self.participant(from: row, decoder: decoder))
        }
        return snapshot
      }
    } catch {
      throw Self.storeError(error, path: path)
    }
  }

  public func loadFlows(historySince: Date) throws -> EngineSnapshot {
    do {
      return try pool.read { try Self.readFlows($0, historySince: historySince) }
    } catch {
      throw Self.storeError(error, path: path)
    }
  }

  /// Flows, companies, history and counters, read in the caller's transaction.
  static func readFlows(_ db: Database, historySince: Date?) throws -> EngineSnapshot {
    let decoder = JSONDecoder()
    var counters = EngineCounters(nextFlowNumber: 1, nextToken: 1)
    for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") {
      let key: String = row["key"]
      let value: String = row["value"]
      if key == "nextFlowNumber" { counters.nextFlowNumber = Int(value) ?? 1 }
      if key == "nextToken" { counters.nextToken = UInt64(value) ?? 1 }
    }
    var companies: [String: [String: String]] = [:]
    for row in try Row.fetchAll(db, sql: "SELECT id, data FROM companies") {
      companies[row["id"]] = try decoder.decode([String: String].self, from: row["data"] as Data)
    }
    let flows = try Row.fetchAll(
      db,
      sql: """
        SELECT f.id, f.version, f.status, f.last_error_at, v.definition
        FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version
        ORDER BY f.rowid
        """
    ).map { row in
      FlowRecord(
        id: row["id"], version: row["version"],
        status: FlowStatus(rawValue: row["status"]) ?? .notRunning,
        definition: try decoder.decode(FlowDefinition.self, from: row["definition"] as Data),
        lastErrorAt: (row["last_error_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
    // Without a cut-off, no history: an operation only appends to it.
    let history = try Row.fetchAll(
      db,
      sql:
        "SELECT flow_id, time, contact_id, step_id, code, parameters FROM history WHERE time >= ? ORDER BY id",
      arguments: [historySince?.timeIntervalSince1970 ?? Double.infinity]
    ).compactMap { row -> HistoryEvent? in
      guard let code = FlowCode(rawValue: row["code"]) else { return nil }
      let parameters = try decoder.decode([String: String].self, from: row["parameters"] as Data)
      return HistoryEvent(
        time: Date(timeIntervalSince1970: row["time"]), flowId: row["flow_id"],
        contactId: row["contact_id"],
        stepId: row["step_id"], message: CodedMessage(code, parameters))
    }
    return EngineSnapshot(
      flows: flows, participants: [], contacts: [], companies: companies,
      history: history,
      counters: counters)
  }

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
  public func write<R: Sendable>(_ body: @Sendable (any FlowStoreTransaction) throws -> R) async throws -> R {
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
  public func read<R: Sendable>(_ body: @Sendable (any FlowStoreTransaction) throws -> R) async throws -> R {
    do {
      return try await pool.read { db in
        try Self.run(body, in: SQLiteTransaction(db, store: self))
      }
    } catch let error as DatabaseError {
      throw Self.storeError(error, path: path)
    }
  }

  /// Runs an operation's body; a read that failed under it is the operation's error, even
  /// when the body went on to fail for a reason the failed read made up.
  static func run<R>(_ body: (any FlowStoreTransaction) throws -> R, in transaction: SQLiteTransaction) throws
    -> R
  {
    let result = Result { try body(transaction) }
    if let failure = transaction.takeReadFailure() { throw failure }
    return try result.get()
  }

  /// Writes everything one operation changed, in the caller's transaction.
  func write(_ changes: EngineChanges, in db: Database) throws {
    guard !changes.isEmpty else { return }
    let encoder = self.encoder
    for id in changes.deletedFlows {
      try db.execute(sql: "DELETE FROM flows WHERE id = ?", arguments: [id])
    }
    let upsertFlow = try db.cachedStatement(
      sql: """
        INSERT INTO flows (id, version, status, last_error_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET version = excluded.version, status = excluded.status,
          last_error_at = excluded.last_error_at
        """)
    let insertVersion = try db.cachedStatement(
      sql: "INSERT OR IGNORE INTO flow_versions (flow_id, version, definition) VALUES (?, ?, ?)")
    for flow in changes.flows {
      try upsertFlow.execute(arguments: [
        flow.id, flow.version, flow.status.rawValue, flow.lastErrorAt?.timeIntervalSince1970,
      ])
      if changes.newDefinitions.contains(flow.id) {
        try insertVersion.execute(arguments: [flow.id, flow.version, try encoder.encode(flow.definition)])
      }
    }
    let upsertContact = try db.cachedStatement(
      sql: """
        INSERT INTO contacts (id, data, email, mobile, consent, subscriptions, marketing_contact, former_employee,
          email_bounced, unengaged, company_id, lifecycle_stage, properties)
        VALUES (?, x'', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET data = x'', email = excluded.email, mobile = excluded.mobile,
          consent = excluded.consent, subscriptions = excluded.subscriptions,
          marketing_contact = excluded.marketing_contact, former_employee = excluded.former_employee,
          email_bounced = excluded.email_bounced, unengaged = excluded.unengaged, company_id = excluded.company_id,
          lifecycle_stage = excluded.lifecycle_stage, properties = excluded.properties
        """)
    for c in changes.contacts {
      let values: [(any DatabaseValueConvertible)?] = [
        c.id, c.email, c.mobile, c.consent ? 1 : 0,
        Self.jsonText(c.subscriptions.sorted(), isEmpty: c.subscriptions.isEmpty),
        c.marketingContact ? 1 : 0,
        c.formerEmployee ? 1 : 0, c.emailBounced ? 1 : 0, c.unengaged ? 1 : 0, c.companyId,
        c.lifecycleStage?.rawValue, Self.jsonText(c.properties, isEmpty: c.properties.isEmpty),
      ]
      try upsertContact.execute(arguments: StatementArguments(values))
    }
    let upsertCompany = try db.cachedStatement(
      sql:
        "INSERT INTO companies (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data"
    )
    for (id, properties) in changes.companies {
      try upsertCompany.execute(arguments: [id, try encoder.encode(properties)])
    }
    let upsertParticipant = try db.cachedStatement(
      sql: """
        INSERT INTO participants (flow_id, contact_id, status, step_id, due, reason, data, reason_parameters,
          entered_at, enrolled_at, attempt, waiting, branches, actions, email_claim, schedule_token)
        VALUES (?, ?, ?, ?, ?, ?, x'', ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(flow_id, contact_id) DO UPDATE SET status = excluded.status, step_id = excluded.step_id,
          due = excluded.due, reason = excluded.reason, data = x'', reason_parameters = excluded.reason_parameters,
          entered_at = excluded.entered_at, enrolled_at = excluded.enrolled_at, attempt = excluded.attempt,
          waiting = excluded.waiting, branches = excluded.branches, actions = excluded.actions,
          email_claim = excluded.email_claim, schedule_token = excluded.schedule_token
        """)
    // Rows that give an address up are written before rows that take one, so that a
    // hand-over within one batch never has two active holders in between.
    let releasing = changes.participants.filter {
      $0.participant.status != .active || $0.participant.heldEmailAddress == nil
    }
    let holding = changes.participants.filter {
      $0.participant.status == .active && $0.participant.heldEmailAddress != nil
    }
    for record in releasing + holding {
      let p = record.participant
      let values: [(any DatabaseValueConvertible)?] = [
        record.flowId, p.contactId, p.status.rawValue, p.stepId, p.due?.timeIntervalSince1970,
        p.reason?.code.id,
        p.reason.flatMap { Self.jsonText($0.parameters, isEmpty: $0.parameters.isEmpty) },
        p.enteredStepAt?.timeIntervalSince1970, p.enrolledAt.timeIntervalSince1970, p.attempt,
        p.isWaiting ? 1 : 0,
        Self.jsonText(p.branches, isEmpty: p.branches.isEmpty),
        Self.jsonText(p.performedActions.sorted(), isEmpty: p.performedActions.isEmpty),
        p.heldEmailAddress,
        Int64(truncatingIfNeeded: p.scheduleOrder),
      ]
      try upsertParticipant.execute(arguments: StatementArguments(values))
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
    // A plain INSERT: a message already written makes the whole commit fail.
    let insertMessage = try db.cachedStatement(
      sql: """
        INSERT INTO outbox (idempotency_key, flow_id, contact_id, step_id, attempt, channel, recipient, data,
          created_at, sender, reply_to, subject, body)
        VALUES (?, ?, ?, ?, ?, ?, ?, x'', ?, ?, ?, ?, ?)
        """)
    for m in changes.outbox {
      let values: [(any DatabaseValueConvertible)?] = [
        m.idempotencyKey, m.flowId, m.contactId, m.stepId, m.attempt, m.channel.rawValue, m.to,
        m.createdAt.timeIntervalSince1970, m.from, m.replyTo, m.subject, m.body,
      ]
      try insertMessage.execute(arguments: StatementArguments(values))
    }
    let setMeta = try db.cachedStatement(
      sql:
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
    )
    try setMeta.execute(arguments: ["nextFlowNumber", String(changes.counters.nextFlowNumber)])
    try setMeta.execute(arguments: ["nextToken", String(changes.counters.nextToken)])
  }

  // MARK: ParticipantBacking

  /// Runs a read for the engine. A failure is kept for the host, which fails the operation
  /// (see `takeReadFailure()`), and the engine gets `fallback`.
  ///
  /// No read transaction is opened: the host is the only writer (the data folder's lock keeps
  /// other processes out), and it never commits while the engine reads, so there is nothing
  /// to isolate from, and a transaction per lookup would cost more than the lookup.
  private func backingRead<T>(_ fallback: T, _ body: (Database) throws -> T) -> T {
    do {
      return try pool.unsafeRead(body)
    } catch {
      failureLock.withLock { if readFailure == nil { readFailure = Self.storeError(error, path: path) } }
      return fallback
    }
  }

  public func takeReadFailure() -> (any Error)? {
    failureLock.withLock {
      defer { readFailure = nil }
      return readFailure
    }
  }

  public func participant(_ contactId: String, in flowId: String) -> Participant? {
    backingRead(nil) { db in try Self.participant(db, contactId, in: flowId) }
  }

  public func participants(in flowId: String) -> [Participant] {
    backingRead([]) { db in try Self.participants(db, in: flowId) }
  }

  public func participants(in flowId: String, limit: Int, offset: Int) -> [Participant] {
    backingRead([]) { db in try Self.participants(db, in: flowId, limit: limit, offset: offset) }
  }

  public func dueParticipants(in flowId: String, at now: Date, limit: Int) -> [(Participant, Contact?)] {
    backingRead([]) { db in try Self.dueParticipants(db, in: flowId, at: now, limit: limit) }
  }

  public func holders(of addresses: [String], in flowId: String) -> [String: String] {
    backingRead([:]) { db in try Self.holders(db, of: addresses, in: flowId) }
  }

  public func dueCount(in flowId: String, at now: Date, limit: Int) -> Int {
    backingRead(0) { db in try Self.dueCount(db, in: flowId, at: now, limit: limit) }
  }

  public func nextDue(in flowId: String) -> Date? {
    backingRead(nil) { db in try Self.nextDue(db, in: flowId) }
  }

  public func participantCounts(in flowId: String) -> [ParticipantStatus: Int] {
    backingRead([:]) { db in try Self.participantCounts(db, in: flowId) }
  }

  public func contacts(_ ids: [String]) -> [Contact] {
    backingRead([]) { db in try Self.contacts(db, ids) }
  }

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
          db, sql: "SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY created_at, rowid LIMIT ?",
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
        let statement = try db.cachedStatement(sql: "UPDATE outbox SET sent_at = ? WHERE idempotency_key = ?")
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
