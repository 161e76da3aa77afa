import Dispatch
import FlowEngine
import Foundation
import Logging
import PostgresNIO

/// A value bound to a query parameter.
enum SQLValue: Sendable {
  case text(String?)
  case int(Int?)
  case double(Double?)
  case bool(Bool?)

  static func date(_ date: Date?) -> Self { .double(date?.timeIntervalSince1970) }
}

/// A row as read, cell by position.
struct SQLRow {
  let cells: PostgresRandomAccessRow

  init(_ row: PostgresRow) { cells = row.makeRandomAccess() }

  func string(_ index: Int) throws -> String { try cells[index].decode(String.self) }
  func optionalString(_ index: Int) throws -> String? { try cells[index].decode(String?.self) }
  func int(_ index: Int) throws -> Int { try cells[index].decode(Int.self) }
  func optionalInt(_ index: Int) throws -> Int? { try cells[index].decode(Int?.self) }
  func int64(_ index: Int) throws -> Int64 { try cells[index].decode(Int64.self) }
  func double(_ index: Int) throws -> Double { try cells[index].decode(Double.self) }
  func optionalDouble(_ index: Int) throws -> Double? { try cells[index].decode(Double?.self) }
  func bool(_ index: Int) throws -> Bool { try cells[index].decode(Bool?.self) ?? false }
  func date(_ index: Int) throws -> Date { Date(timeIntervalSince1970: try double(index)) }
  func optionalDate(_ index: Int) throws -> Date? {
    try optionalDouble(index).map(Date.init(timeIntervalSince1970:))
  }
  func isNull(_ index: Int) -> Bool { cells[index].bytes == nil }
}

/// One transaction on the PostgreSQL store, used from one thread of the store's pool. Each
/// query waits there for its answer.
///
/// How transactions on several nodes keep out of each other's way depends on the `Mode`:
/// - an engine operation (`exclusive`) takes the engine lock, so such operations run one at a
///   time, and locks the rows of the running flows it loads (`FOR UPDATE`): it waits for the
///   scheduler batches already running on them, and batches that start meanwhile leave those
///   flows alone;
/// - a scheduler batch (`claiming`) takes no engine lock: it holds a key-share lock on each
///   running flow it loads, skipping flows an operation holds, and claims its due participants
///   `FOR UPDATE SKIP LOCKED`, so batches on several nodes advance different participants at
///   once;
/// - a read sees one snapshot and locks nothing.
final class PostgresTransaction: FlowStoreTransaction, @unchecked Sendable {
  enum Mode {
    case read, exclusive, claiming
  }

  /// What a flow was when this transaction loaded it: a commit writes the flow row only when
  /// its version or status changed, and counts as deltas from here.
  struct Loaded {
    var version: Int
    var status: FlowStatus
    var lastErrorAt: Date?
    var counts: [ParticipantStatus: Int]
  }

  /// Where the engine's schedule tokens start in a transaction. A commit trades every token
  /// from here up for one from the `schedule_tokens` sequence, in the same order, so tokens
  /// minted by batches running at once never collide.
  static let tokenBase: UInt64 = 1 << 62

  let connection: PostgresConnection
  let store: PostgresFlowStore
  let mode: Mode
  private var holdsEngineLock = false
  var loaded: [String: Loaded] = [:]
  var loadedFlowNumber: Int?

  init(_ connection: PostgresConnection, store: PostgresFlowStore, mode: Mode) {
    self.connection = connection
    self.store = store
    self.mode = mode
  }

  // MARK: Queries

  /// The error of an operation whose session the server ended: its transaction was rolled
  /// back, and nothing of it was written.
  static func sessionEnded(location: String) -> StoreError {
    StoreError(
      .io, path: location, reason: "cannot be reached: the server ended the session; nothing was written")
  }

  /// Runs one statement and waits for all of its rows.
  func rows(_ sql: String, _ values: [SQLValue] = []) throws -> [SQLRow] {
    // A query sent on a connection the server has closed (an idle transaction ended by
    // `idle_in_transaction_session_timeout`, a terminated backend) is never answered.
    guard !connection.isClosed else { throw Self.sessionEnded(location: store.location) }
    var bindings = PostgresBindings(capacity: values.count)
    for value in values {
      switch value {
      case .text(let text): bindings.append(text)
      case .int(let int): bindings.append(int)
      case .double(let double): bindings.append(double)
      case .bool(let bool): bindings.append(bool)
      }
    }
    let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
    // The answer comes back on the connection's event loop, straight to this thread: no task
    // on Swift's cooperative threads stands between them, so an operation's statements are
    // not held up (nor its deadline used up) while those threads are busy with other work.
    let answer = Answer()
    connection.query(query, logger: store.logger).whenComplete { answer.set($0.map(\.rows)) }
    guard let result = answer.wait(timeout: store.answerDeadline) else {
      // The database did not answer: closing the connection ends the statement's wait and
      // the server's transaction, and the pool opens a fresh connection for what comes next.
      try? connection.close().wait()
      throw PostgresFlowStore.noAnswer(
        location: store.location, within: store.answerDeadline, commit: sql == "COMMIT")
    }
    return try result.get().map(SQLRow.init)
  }

  /// Runs one statement; returns how many rows it changed.
  @discardableResult
  func execute(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
    // `RETURNING 1` would cost a row per change; a count of the statement's rows is enough.
    try rows("WITH changed AS (\(sql) RETURNING 1) SELECT count(*) FROM changed", values).first?.int(0) ?? 0
  }

  /// Runs a statement whose row count does not matter.
  func run(_ sql: String, _ values: [SQLValue] = []) throws {
    _ = try rows(sql, values)
  }

  /// Takes the engine lock, once per engine operation: engine operations on every node wait
  /// here for each other. Scheduler batches and reads never take it.
  func lockEngine() throws {
    guard mode == .exclusive, !holdsEngineLock else { return }
    try run("SELECT pg_advisory_xact_lock($1)", [.int(Int(PostgresFlowStore.engineLock))])
    holdsEngineLock = true
  }

  /// Locks every running flow's row, for an operation that may touch participants of any
  /// flow outside the engine: it waits for the batches running now, and later batches skip
  /// those flows.
  func lockAllFlows() throws {
    try lockEngine()
    guard mode == .exclusive else { return }
    try lockRunningFlows(only: nil)
  }

  /// Locks the rows of the running flows (of `only`, when given), in one order: batches touch
  /// running flows only, and no flow starts running but by an operation under the engine
  /// lock, so locking the running ones keeps every batch out.
  private func lockRunningFlows(only: [String]?) throws {
    try run(
      """
      SELECT 1 FROM flows WHERE status = 'running' \(only == nil ? "" : "AND id = ANY($1::text[])")
      ORDER BY seq FOR UPDATE
      """, only.map { [SQLValue.text(Self.arrayLiteral($0))] } ?? [])
  }

  // MARK: Flows

  func loadFlows(historySince: Date?, only: [String]?) throws -> EngineSnapshot {
    try lockEngine()
    let decoder = JSONDecoder()
    var counters = EngineCounters(nextFlowNumber: 1, nextToken: Self.tokenBase)
    // A batch never makes a flow, so it need not read the flow counter (nor write it back).
    if mode != .claiming {
      for row in try rows("SELECT value FROM meta WHERE key = 'nextFlowNumber'") {
        counters.nextFlowNumber = Int(try row.string(0)) ?? 1
      }
    }
    loadedFlowNumber = counters.nextFlowNumber
    var companies: [String: [String: String]] = [:]
    for row in try rows("SELECT id, data FROM companies") {
      companies[try row.string(0)] = try decoder.decode(
        [String: String].self, from: Data(try row.string(1).utf8))
    }
    // Only the flows asked for, when the operation names them; a batch takes only the
    // running flows that no operation holds.
    var conditions: [String] = []
    if only != nil { conditions.append("f.id = ANY($1::text[])") }
    let filter = only.map { [SQLValue.text(Self.arrayLiteral($0))] } ?? []
    var lock = ""
    switch mode {
    case .read: break
    case .exclusive:
      try lockRunningFlows(only: only)
    case .claiming:
      conditions.append("f.status = 'running'")
      lock = "FOR KEY SHARE OF f SKIP LOCKED"
    }
    var flows = try rows(
      """
      SELECT f.id, f.version, f.status, e.last_error_at, v.definition
      FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version
      LEFT JOIN flow_errors e ON e.flow_id = f.id
      \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
      ORDER BY f.seq \(lock)
      """, filter
    ).map { row in
      FlowRecord(
        id: try row.string(0), version: try row.int(1),
        status: FlowStatus(rawValue: try row.string(2)) ?? .notRunning,
        definition: try decoder.decode(FlowDefinition.self, from: Data(try row.string(4).utf8)),
        lastErrorAt: try row.optionalDate(3), counts: [:])
    }
    // Counts are read after the flow rows are locked, so they include what the batches this
    // operation waited for committed.
    if !flows.isEmpty {
      var counts: [String: [ParticipantStatus: Int]] = [:]
      for row in try rows(
        """
        SELECT flow_id, status, sum(n)::bigint FROM flow_counts WHERE flow_id = ANY($1::text[])
        GROUP BY flow_id, status HAVING sum(n) <> 0
        """,
        [.text(Self.arrayLiteral(flows.map(\.id)))])
      {
        if let status = ParticipantStatus(rawValue: try row.string(1)) {
          counts[try row.string(0), default: [:]][status] = try row.int(2)
        }
      }
      for index in flows.indices {
        flows[index].counts = counts[flows[index].id] ?? [:]
        let flow = flows[index]
        loaded[flow.id] = Loaded(
          version: flow.version, status: flow.status, lastErrorAt: flow.lastErrorAt,
          counts: flow.counts ?? [:])
      }
    }
    var history: [HistoryEvent] = []
    if let historySince {
      history = try rows(
        """
        SELECT flow_id, time, contact_id, step_id, code, parameters FROM history WHERE time >= $1
        \(only == nil ? "" : "AND flow_id = ANY($2::text[])") ORDER BY id
        """, [.date(historySince)] + filter
      ).compactMap { row in
        guard let code = FlowCode(rawValue: try row.string(4)) else { return nil }
        return HistoryEvent(
          time: try row.date(1), flowId: try row.string(0), contactId: try row.string(2),
          stepId: try row.optionalString(3),
          message: CodedMessage(
            code, try decoder.decode([String: String].self, from: Data(try row.string(5).utf8))))
      }
    }
    return EngineSnapshot(
      flows: flows, participants: [], contacts: [], companies: companies, history: history, counters: counters
    )
  }

  func commit(_ changes: EngineChanges) throws {
    guard !changes.isEmpty else { return }
    try lockEngine()
    try PostgresWrites.write(changes, in: self)
  }

  // MARK: Participants and contacts, as the engine reads them

  static let participantColumns = """
    flow_id, contact_id, status, step_id, due, reason, reason_parameters, entered_at, enrolled_at, attempt,
    waiting, branches, actions, email_claim, schedule_token
    """
  static let participantColumnCount = 15

  static func participant(from row: SQLRow, at o: Int = 0) throws -> Participant {
    let reason = try row.optionalString(o + 5).flatMap(FlowCode.init(rawValue:)).map {
      CodedMessage($0, SQLiteFlowStore.jsonStringMap(try row.optionalString(o + 6)) ?? [:])
    }
    return Participant(
      restoring: try row.string(o + 1), status: ParticipantStatus(rawValue: try row.string(o + 2)) ?? .active,
      reason: reason, stepId: try row.optionalString(o + 3), due: try row.optionalDate(o + 4),
      enteredStepAt: try row.optionalDate(o + 7), enrolledAt: try row.date(o + 8),
      attempt: try row.int(o + 9),
      isWaiting: try row.bool(o + 10),
      branches: SQLiteFlowStore.jsonStringMap(try row.optionalString(o + 11)) ?? [:],
      performedActions: Set(SQLiteFlowStore.jsonStrings(try row.optionalString(o + 12)) ?? []),
      emailClaim: try row.optionalString(o + 13), scheduleToken: UInt64(bitPattern: try row.int64(o + 14)))
  }

  static let contactColumns = """
    id, email, mobile, consent, subscriptions, marketing_contact, former_employee, email_bounced, unengaged,
    company_id, lifecycle_stage, properties, language
    """

  static func contact(from row: SQLRow, at o: Int = 0) throws -> Contact {
    Contact(
      id: try row.string(o), email: try row.optionalString(o + 1), mobile: try row.optionalString(o + 2),
      consent: try row.bool(o + 3),
      subscriptions: Set(SQLiteFlowStore.jsonStrings(try row.optionalString(o + 4)) ?? []),
      marketingContact: try row.bool(o + 5), formerEmployee: try row.bool(o + 6),
      emailBounced: try row.bool(o + 7), unengaged: try row.bool(o + 8),
      companyId: try row.optionalString(o + 9),
      lifecycleStage: try row.optionalString(o + 10).flatMap(LifecycleStage.init(rawValue:)),
      properties: SQLiteFlowStore.jsonStringMap(try row.optionalString(o + 11)) ?? [:],
      language: try row.optionalString(o + 12))
  }

  func participants(_ contactIds: [String], in flowId: String) throws -> [Participant] {
    guard !contactIds.isEmpty else { return [] }
    try lockEngine()
    return try rows(
      """
      SELECT \(Self.qualifiedParticipantColumns) FROM unnest($2::text[]) AS wanted(id)
      JOIN participants p ON p.flow_id = $1 AND p.contact_id = wanted.id
      """,
      [.text(flowId), .text(Self.arrayLiteral(contactIds))]
    ).map { try Self.participant(from: $0) }
  }

  func participants(in flowId: String) throws -> [Participant] {
    try lockEngine()
    return try rows(
      "SELECT \(Self.participantColumns) FROM participants WHERE flow_id = $1", [.text(flowId)]
    )
    .map { try Self.participant(from: $0) }
  }

  func participants(in flowId: String, limit: Int, offset: Int) throws -> [Participant] {
    try lockEngine()
    return try rows(
      """
      SELECT \(Self.participantColumns) FROM participants WHERE flow_id = $1
      ORDER BY enrolled_at, contact_id LIMIT $2 OFFSET $3
      """, [.text(flowId), .int(limit), .int(offset)]
    ).map { try Self.participant(from: $0) }
  }

  static func qualified(_ columns: String, _ table: String) -> String {
    columns.split(separator: ",").map { "\(table).\($0.trimmingCharacters(in: .whitespacesAndNewlines))" }
      .joined(separator: ", ")
  }
  static let qualifiedParticipantColumns = qualified(participantColumns, "p")
  static let qualifiedContactColumns = qualified(contactColumns, "c")

  // A list of wanted ids is joined through `unnest`, never compared with `= ANY(...)`: with
  // an array of a thousand ids, `ANY` made the planner scan the flow's rows and compare each
  // with every id, a cost that grew with the flow (50 ms at 2,000 participants, 530 ms at
  // 20,000); the join uses the index.
  static let dueSQL: String = {
    return """
      SELECT \(qualifiedParticipantColumns), \(qualifiedContactColumns)
      FROM participants p LEFT JOIN contacts c ON c.id = p.contact_id
      WHERE p.flow_id = $1 AND p.status = 'active' AND p.due IS NOT NULL AND p.due <= $2
      ORDER BY p.due, p.schedule_token LIMIT $3
      """
  }()

  func dueParticipants(in flowId: String, at now: Date, limit: Int) throws -> [(Participant, Contact?)] {
    try lockEngine()
    // A batch claims its participants; those another batch claimed are left to it.
    let sql = mode == .claiming ? Self.dueSQL + " FOR UPDATE OF p SKIP LOCKED" : Self.dueSQL
    return try rows(sql, [.text(flowId), .date(now), .int(limit)]).map { row in
      let participant = try Self.participant(from: row)
      let contact =
        row.isNull(Self.participantColumnCount)
        ? nil : try Self.contact(from: row, at: Self.participantColumnCount)
      return (participant, contact)
    }
  }

  func dueCount(in flowId: String, at now: Date, limit: Int) throws -> Int {
    try lockEngine()
    return try rows(
      """
      SELECT count(*) FROM (SELECT 1 FROM participants
        WHERE flow_id = $1 AND status = 'active' AND due IS NOT NULL AND due <= $2 LIMIT $3) due
      """, [.text(flowId), .date(now), .int(limit)]
    ).first?.int(0) ?? 0
  }

  func nextDue(in flowId: String) throws -> Date? {
    try lockEngine()
    return try rows(
      "SELECT min(due) FROM participants WHERE flow_id = $1 AND status = 'active' AND due IS NOT NULL",
      [.text(flowId)]
    ).first?.optionalDate(0)
  }

  func holders(of addresses: [String], in flowId: String) throws -> [String: String] {
    guard !addresses.isEmpty else { return [:] }
    try lockEngine()
    var holders: [String: String] = [:]
    for row in try rows(
      """
      SELECT p.email_claim, p.contact_id FROM unnest($2::text[]) AS wanted(address)
      JOIN participants p ON p.flow_id = $1 AND p.status = 'active' AND p.email_claim = wanted.address
      """, [.text(flowId), .text(Self.arrayLiteral(addresses))])
    {
      holders[try row.string(0)] = try row.string(1)
    }
    return holders
  }

  func participantCounts(in flowId: String) throws -> [ParticipantStatus: Int] {
    try lockEngine()
    var counts: [ParticipantStatus: Int] = [:]
    for row in try rows(
      "SELECT status, count(*) FROM participants WHERE flow_id = $1 GROUP BY status", [.text(flowId)])
    {
      if let status = ParticipantStatus(rawValue: try row.string(0)) { counts[status] = try row.int(1) }
    }
    return counts
  }

  func contacts(_ ids: [String]) throws -> [Contact] {
    guard !ids.isEmpty else { return [] }
    try lockEngine()
    return try rows(
      """
      SELECT \(Self.qualifiedContactColumns) FROM unnest($1::text[]) AS wanted(id)
      JOIN contacts c ON c.id = wanted.id
      """,
      [.text(Self.arrayLiteral(ids))]
    ).map { try Self.contact(from: $0) }
  }

  /// A text array as PostgreSQL's array literal, `{"a","b"}`, each element quoted.
  static func arrayLiteral(_ values: [String]) -> String {
    var text = "{"
    for (index, value) in values.enumerated() {
      if index > 0 { text += "," }
      text += "\""
      for character in value.unicodeScalars {
        if character == "\"" || character == "\\" { text += "\\" }
        text.unicodeScalars.append(character)
      }
      text += "\""
    }
    return text + "}"
  }
}

/// The answer to a query, handed from the connection's event loop to the waiting thread.
final class Answer: @unchecked Sendable {
  private let ready = DispatchSemaphore(value: 0)
  private var result: Result<[PostgresRow], any Error>?

  func set(_ result: Result<[PostgresRow], any Error>) {
    self.result = result
    ready.signal()
  }

  /// The answer, or nil when it did not come within `deadline`.
  func wait(timeout deadline: Duration) -> Result<[PostgresRow], any Error>? {
    let nanoseconds =
      deadline.components.seconds * 1_000_000_000 + deadline.components.attoseconds / 1_000_000_000
    guard ready.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else { return nil }
    return result!
  }
}
