import FlowEngine
import Foundation
internal import GRDB

/// The reads an engine makes of participants and contacts, in the caller's transaction.
extension SQLiteFlowStore {
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

  /// Flows, companies, history and counters, read in the caller's transaction.
  static func readFlows(_ db: Database, historySince: Date?, only: [String]? = nil) throws -> EngineSnapshot {
    // Only the flows asked for, when the operation names them; ids that are not stored are
    // simply not there, and the engine answers "no such flow".
    let only = only.map { Array(Set($0)).sorted() }
    let flowFilter =
      only.map { "WHERE f.id IN (\(Array(repeating: "?", count: $0.count).joined(separator: ", ")))" } ?? ""
    let historyFilter =
      only.map { " AND flow_id IN (\(Array(repeating: "?", count: $0.count).joined(separator: ", ")))" } ?? ""
    let decoder = JSONDecoder()
    var counters = EngineCounters(nextFlowNumber: 1, nextToken: 1)
    // Every operation reads these: cached statements, so none is compiled (and checked by
    // GRDB's authorizer) again for each one.
    for row in try Row.fetchAll(db.cachedStatement(sql: Self.metaSQL)) {
      let key: String = row["key"]
      let value: String = row["value"]
      if key == "nextFlowNumber" { counters.nextFlowNumber = Int(value) ?? 1 }
      if key == "nextToken" { counters.nextToken = UInt64(value) ?? 1 }
    }
    var companies: [String: [String: String]] = [:]
    for row in try Row.fetchAll(db.cachedStatement(sql: Self.companiesSQL)) {
      companies[row["id"]] = try decoder.decode([String: String].self, from: row["data"] as Data)
    }
    let flows = try Row.fetchAll(
      db.cachedStatement(sql: Self.flowsSQL(filter: flowFilter)), arguments: StatementArguments(only ?? [])
    ).map { row in
      FlowRecord(
        id: row["id"], version: row["version"],
        status: FlowStatus(rawValue: row["status"]) ?? .notRunning,
        definition: try decoder.decode(FlowDefinition.self, from: row["definition"] as Data),
        lastErrorAt: (row["last_error_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
        counts: try (row["counts"] as String?).map { try Self.counts(fromJSON: $0, decoder: decoder) })
    }
    // Without a cut-off, no history: an operation only appends to it.
    let history = try Row.fetchAll(
      db.cachedStatement(
        sql:
          "SELECT flow_id, time, contact_id, step_id, code, parameters FROM history WHERE time >= ?\(historyFilter) ORDER BY id"
      ),
      arguments: StatementArguments([historySince?.timeIntervalSince1970 ?? Double.infinity] + (only ?? []))
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

  static func participants(_ db: Database, in flowId: String) throws -> [Participant] {
    let decoder = JSONDecoder()
    return try Row.fetchAll(
      db, sql: "SELECT \(Self.participantColumns) FROM participants WHERE flow_id = ?", arguments: [flowId]
    ).map {
      try Self.participant(from: $0, decoder: decoder)
    }
  }

  /// No index serves this order: one would be rewritten by every participant's commit, the
  /// hot path, to speed up a listing. SQLite scans the flow's rows and keeps the top
  /// `offset + limit` in its sorter, so memory follows the page, not the flow.
  static func participants(_ db: Database, in flowId: String, limit: Int, offset: Int) throws -> [Participant]
  {
    let decoder = JSONDecoder()
    return try Row.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT \(Self.participantColumns) FROM participants WHERE flow_id = ?
          ORDER BY enrolled_at, contact_id LIMIT ? OFFSET ?
          """), arguments: [flowId, limit, offset]
    ).map { try Self.participant(from: $0, decoder: decoder) }
  }

  static func dueParticipants(_ db: Database, in flowId: String, at now: Date, limit: Int) throws -> [(
    Participant, Contact?
  )] {
    let decoder = JSONDecoder()
    var query = RawRow(try db.cachedStatement(sql: Self.dueSQL), in: db)
    query.bind(flowId)
    query.bind(now.timeIntervalSince1970)
    query.bind(limit)
    return try query.rows { row in
      let hasContact = !row.isNull(Self.participantColumnCount)
      return (
        try Self.participant(from: row, decoder: decoder),
        hasContact ? try Self.contact(from: row, at: Self.participantColumnCount, decoder: decoder) : nil
      )
    }
  }

  /// Due participants of a flow with their contacts, in schedule order: `participantColumns`,
  /// then `contactColumns`. Open to the benchmarks, as the commit's statements are.
  @_spi(Benchmarks) public static let dueSQL: String = {
    func qualified(_ columns: String, _ table: String) -> [String] {
      columns.split(separator: ",").map { "\(table).\($0.trimmingCharacters(in: .whitespacesAndNewlines))" }
    }
    return """
      SELECT \((qualified(participantColumns, "p") + qualified(contactColumns, "c")).joined(separator: ", "))
      FROM participants p LEFT JOIN contacts c ON c.id = p.contact_id
      WHERE p.flow_id = ? AND p.status = 'active' AND p.due IS NOT NULL AND p.due <= ?
      ORDER BY p.due, p.schedule_token LIMIT ?
      """
  }()

  static func holders(_ db: Database, of addresses: [String], in flowId: String) throws -> [String: String] {
    guard !addresses.isEmpty else { return [:] }
    var holders: [String: String] = [:]
    for (chunk, marks) in Self.chunks(addresses) {
      var query = RawRow(try db.cachedStatement(sql: Self.holdersSQL(marks: marks)), in: db)
      query.bind(flowId)
      for address in chunk { query.bind(address) }
      for (address, holder) in try query.rows({ ($0.text(0) ?? "", $0.text(1) ?? "") }) {
        holders[address] = holder
      }
    }
    return holders
  }

  // MARK: The reads of every scheduler batch
  // Open to the benchmarks, as the commit's statements are.

  /// The counters (`nextFlowNumber`, `nextToken`).
  @_spi(Benchmarks) public static let metaSQL = "SELECT key, value FROM meta"
  /// Every company's properties.
  @_spi(Benchmarks) public static let companiesSQL = "SELECT id, data FROM companies"
  /// The flows with their current definitions, in creation order; `filter` is empty or a
  /// `WHERE` on `f.id`.
  @_spi(Benchmarks) public static func flowsSQL(filter: String = "") -> String {
    """
    SELECT f.id, f.version, f.status, f.last_error_at, v.definition, f.counts
    FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version
    \(filter)
    ORDER BY f.rowid
    """
  }
  /// How many participants of a flow are due, counted up to a limit.
  @_spi(Benchmarks) public static let dueCountSQL = """
    SELECT count(*) FROM (SELECT 1 FROM participants
      WHERE flow_id = ? AND status = 'active' AND due IS NOT NULL AND due <= ? LIMIT ?)
    """

  /// The active holders of some email addresses in a flow: `marks` holds a placeholder for
  /// each address.
  @_spi(Benchmarks) public static func holdersSQL(marks: String) -> String {
    """
    SELECT email_claim, contact_id FROM participants
    WHERE flow_id = ? AND status = 'active' AND email_claim IN (\(marks))
    """
  }

  /// Values for an `IN (...)` list, in chunks under SQLite's limit on bound parameters, each
  /// with its placeholders.
  static func chunks(_ values: [String]) -> [(values: [String], marks: String)] {
    stride(from: 0, to: values.count, by: 500).map { start in
      let chunk = Array(values[start..<min(start + 500, values.count)])
      return (chunk, Array(repeating: "?", count: chunk.count).joined(separator: ", "))
    }
  }

  static func dueCount(_ db: Database, in flowId: String, at now: Date, limit: Int) throws -> Int {
    try Int.fetchOne(
      db.cachedStatement(sql: Self.dueCountSQL), arguments: [flowId, now.timeIntervalSince1970, limit]) ?? 0
  }

  /// A flow's stored counts: `{"active": 3, "finished": 2}`.
  static func counts(fromJSON text: String, decoder: JSONDecoder) throws -> [ParticipantStatus: Int] {
    let raw = try decoder.decode([String: Int].self, from: Data(text.utf8))
    var counts: [ParticipantStatus: Int] = [:]
    for (key, value) in raw { if let status = ParticipantStatus(rawValue: key) { counts[status] = value } }
    return counts
  }

  static func participants(_ db: Database, _ contactIds: [String], in flowId: String) throws -> [Participant]
  {
    let decoder = JSONDecoder()
    var found: [Participant] = []
    for (chunk, marks) in chunks(contactIds) {
      var query = RawRow(
        try db.cachedStatement(
          sql: "SELECT \(participantColumns) FROM participants WHERE flow_id = ? AND contact_id IN (\(marks))"
        ), in: db)
      query.bind(flowId)
      for contactId in chunk { query.bind(contactId) }
      found += try query.rows { try participant(from: $0, decoder: decoder) }
    }
    return found
  }

  static func nextDue(_ db: Database, in flowId: String) throws -> Date? {
    try Double.fetchOne(
      db,
      sql: "SELECT min(due) FROM participants WHERE flow_id = ? AND status = 'active' AND due IS NOT NULL",
      arguments: [flowId]
    ).map(Date.init(timeIntervalSince1970:))
  }

  static func participantCounts(_ db: Database, in flowId: String) throws -> [ParticipantStatus: Int] {
    var counts: [ParticipantStatus: Int] = [:]
    for row in try Row.fetchAll(
      db, sql: "SELECT status, count(*) FROM participants WHERE flow_id = ? GROUP BY status",
      arguments: [flowId])
    {
      if let status = ParticipantStatus(rawValue: row[0]) { counts[status] = row[1] }
    }
    return counts
  }

  static func contacts(_ db: Database, _ ids: [String]) throws -> [Contact] {
    guard !ids.isEmpty else { return [] }
    let decoder = JSONDecoder()
    var found: [Contact] = []
    for (chunk, marks) in Self.chunks(ids) {
      var query = RawRow(
        try db.cachedStatement(sql: "SELECT \(Self.contactColumns) FROM contacts WHERE id IN (\(marks))"),
        in: db)
      for id in chunk { query.bind(id) }
      found += try query.rows { try Self.contact(from: $0, decoder: decoder) }
    }
    return found
  }
}

/// One transaction on the SQLite store: the engine reads through it while an operation runs,
/// and the operation's changes are committed in it. Valid only inside the store's `read` or
/// `write` call that made it.
final class SQLiteTransaction: FlowStoreTransaction, @unchecked Sendable {
  let db: Database
  let store: SQLiteFlowStore

  init(_ db: Database, store: SQLiteFlowStore) {
    self.db = db
    self.store = store
  }

  func loadFlows(historySince: Date?, only: [String]?) throws -> EngineSnapshot {
    try SQLiteFlowStore.readFlows(db, historySince: historySince, only: only)
  }

  func commit(_ changes: EngineChanges) throws {
    try store.write(changes, in: db)
  }

  func participants(in flowId: String) throws -> [Participant] {
    try SQLiteFlowStore.participants(db, in: flowId)
  }

  func participants(in flowId: String, limit: Int, offset: Int) throws -> [Participant] {
    try SQLiteFlowStore.participants(db, in: flowId, limit: limit, offset: offset)
  }

  func dueParticipants(in flowId: String, at now: Date, limit: Int) throws -> [(Participant, Contact?)] {
    try SQLiteFlowStore.dueParticipants(db, in: flowId, at: now, limit: limit)
  }

  func holders(of addresses: [String], in flowId: String) throws -> [String: String] {
    try SQLiteFlowStore.holders(db, of: addresses, in: flowId)
  }

  func dueCount(in flowId: String, at now: Date, limit: Int) throws -> Int {
    try SQLiteFlowStore.dueCount(db, in: flowId, at: now, limit: limit)
  }

  func participants(_ contactIds: [String], in flowId: String) throws -> [Participant] {
    try SQLiteFlowStore.participants(db, contactIds, in: flowId)
  }

  func nextDue(in flowId: String) throws -> Date? {
    try SQLiteFlowStore.nextDue(db, in: flowId)
  }

  func participantCounts(in flowId: String) throws -> [ParticipantStatus: Int] {
    try SQLiteFlowStore.participantCounts(db, in: flowId)
  }

  func contacts(_ ids: [String]) throws -> [Contact] {
    try SQLiteFlowStore.contacts(db, ids)
  }
}
