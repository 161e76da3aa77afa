import FlowEngine
@_spi(Benchmarks) import FlowStore
import Foundation
import GRDB

/// The SQL a SQLite store runs to advance the five-step workload, run from a plain loop with
/// no engine: the store's own statements (`@_spi(Benchmarks)`), with the values the engine
/// would write, in the same transactions. What is left of the engine's time on SQLite once
/// this is taken away is the engine's and the host's own work.
public enum StoreStatements {
  /// A store at `path` with `participants` contacts enrolled in the started five-step flow,
  /// written by the engine, as the engine benchmark starts. Returns the flow's id and the
  /// clock's time of the enrollment.
  public static func prepare(at path: String, participants: Int) async throws -> (flow: String, now: Date) {
    let clock = ManualClock()
    let host = try FlowHost(store: try SQLiteFlowStore(path: path), clock: clock)
    let flow = try await host.perform { engine in
      let id = try Workload.startFlow(in: &engine)
      try Workload.enroll(0..<participants, in: id, engine: &engine)
      return id
    }
    return (flow, clock.now)
  }

  /// Opens the store's file as the store does: foreign keys on, `synchronous = NORMAL`.
  public static func open(_ path: String) throws -> DatabasePool {
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.prepareDatabase { try $0.execute(sql: "PRAGMA synchronous = NORMAL") }
    return try DatabasePool(path: path, configuration: configuration)
  }

  /// The ceiling's database: one table with a text key, committing as the store commits
  /// (WAL, `synchronous = NORMAL`).
  public static func plainTable(at path: String) async throws -> DatabasePool {
    var configuration = Configuration()
    configuration.prepareDatabase { try $0.execute(sql: "PRAGMA synchronous = NORMAL") }
    let pool = try DatabasePool(path: path, configuration: configuration)
    try await pool.write {
      try $0.execute(sql: "CREATE TABLE rows (id TEXT PRIMARY KEY, step TEXT, data BLOB)")
    }
    return pool
  }

  /// The ceiling: a plain INSERT of `rows` rows, in transactions of 1,000.
  public static func plainInsert(_ rows: Int, into pool: DatabasePool) async throws {
    for start in stride(from: 0, to: rows, by: 1000) {
      try await pool.write { db in
        let statement = try db.cachedStatement(sql: "INSERT INTO rows (id, step, data) VALUES (?, ?, ?)")
        for n in start..<min(start + 1000, rows) {
          try statement.execute(arguments: ["r\(n)", "s\(n % 5)", Data(repeating: 7, count: 64)])
        }
      }
    }
  }

  /// Both advances of the workload, in batches of `batch`: first the email and the wait (a
  /// message and a held address for each), then, an hour later, the split, the contact
  /// update and the finish.
  public static func advance(_ pool: DatabasePool, flow: String, from now: Date, batch: Int) async throws {
    var token = Int64(1)
    while try await run(pool, flow: flow, now: now, batch: batch, first: true, token: &token) {}
    let later = now.addingTimeInterval(3600)
    while try await run(pool, flow: flow, now: later, batch: batch, first: false, token: &token) {}
  }

  /// One batch in one write transaction, taken at its start as the store takes it. Returns
  /// whether it found a whole batch due, so that more may be.
  private static func run(
    _ pool: DatabasePool, flow: String, now: Date, batch: Int, first: Bool, token: inout Int64
  ) async throws -> Bool {
    let start = token
    let (found, used) = try await pool.writeWithoutTransaction { db in
      var found = 0
      var token = start
      try db.inTransaction(.immediate) {
        found = try step(
          db, flow: flow, now: now.timeIntervalSince1970, batch: batch, first: first, token: &token)
        return .commit
      }
      return (found, token)
    }
    token = used
    return found == batch
  }

  private static func step(
    _ db: Database, flow: String, now: Double, batch: Int, first: Bool, token: inout Int64
  ) throws -> Int {
    // What every batch reads first: the counters, the companies, the flows with their
    // definitions, and how many are due.
    _ = try Row.fetchAll(db.cachedStatement(sql: SQLiteFlowStore.metaSQL))
    _ = try Row.fetchAll(db.cachedStatement(sql: SQLiteFlowStore.companiesSQL))
    _ = try Row.fetchAll(db.cachedStatement(sql: SQLiteFlowStore.flowsSQL()))
    _ = try Int.fetchOne(db.cachedStatement(sql: SQLiteFlowStore.dueCountSQL), arguments: [flow, now, batch])
    // The due participants with their contacts: every column, as the store reads them.
    var due: [(contact: String, email: String, enrolled: Double, country: String)] = []
    let rows = try Row.fetchCursor(
      db.cachedStatement(sql: SQLiteFlowStore.dueSQL), arguments: [flow, now, batch])
    let contactColumn = 16
    while let row = try rows.next() {
      let properties: String = row[contactColumn + 12]
      due.append((row[1], row[contactColumn + 2], row[9], properties.contains("NL") ? "NL" : "SE"))
    }
    guard !due.isEmpty else { return 0 }
    // The commit writes contacts, then participants, then messages, many rows to a statement.
    var participants: [[(any DatabaseValueConvertible)?]] = []
    var messages: [[(any DatabaseValueConvertible)?]] = []
    var contacts: [[(any DatabaseValueConvertible)?]] = []
    if first {
      // Who holds the batch's addresses, asked once, as the store asks.
      for start in stride(from: 0, to: due.count, by: 500) {
        let chunk = due[start..<min(start + 500, due.count)]
        let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
        let holders = try db.cachedStatement(sql: SQLiteFlowStore.holdersSQL(marks: marks))
        _ = try Row.fetchAll(holders, arguments: StatementArguments([flow] + chunk.map(\.email)))
      }
      for p in due {
        participants.append([
          flow, p.contact, "active", "wait", now + 3600, nil, nil, now, p.enrolled, 1, 1, nil, nil, p.email,
          token,
        ])
        token += 2
        messages.append([
          "\(flow)/\(p.contact)/mail/v1/1", flow, p.contact, "mail", 1, "email", p.email, now,
          "a@example.com", "b@example.com", "Hello", nil, nil, "en",
        ])
      }
    } else {
      for p in due {
        contacts.append([
          p.contact, p.email, nil, 1, #"["news"]"#, 1, 0, 0, 0, nil, nil,
          #"{"country":"\#(p.country)","welcomed":"yes"}"#, nil,
        ])
        participants.append([
          flow, p.contact, "finished", "done", nil, nil, nil, now, p.enrolled, 1, 0,
          p.country == "NL" ? #"{"split":"nl"}"# : nil, nil, nil, 0,
        ])
      }
    }
    try write(SQLiteFlowStore.contactUpsert, contacts, in: db)
    try write(SQLiteFlowStore.participantUpsert, participants, in: db)
    try write(SQLiteFlowStore.messageInsert, messages, in: db)
    let upsertFlow = try db.cachedStatement(sql: SQLiteFlowStore.flowUpsertSQL)
    try upsertFlow.execute(arguments: [flow, 1, "running", nil, #"{"active":1}"#])
    let meta = try db.cachedStatement(sql: SQLiteFlowStore.metaUpsertSQL)
    try meta.execute(arguments: ["nextFlowNumber", "2"])
    try meta.execute(arguments: ["nextToken", String(token)])
    return due.count
  }

  /// Writes `rows` with `statement` as the store's commit does: `rowsPerStatement` rows to
  /// each run, and what is left over one row at a time. The arguments of a run are one flat
  /// array, as a row's are: a lazy join of the rows would make GRDB bind through generic
  /// code that is not specialized for it, and measure that instead of SQLite.
  private static func write(
    _ statement: RowsStatement, _ rows: [[(any DatabaseValueConvertible)?]], in db: Database
  ) throws {
    let size = RowsStatement.rowsPerStatement
    var start = 0
    if rows.count >= size {
      let many = try db.cachedStatement(sql: statement.sql(rows: size))
      var values: [(any DatabaseValueConvertible)?] = []
      while rows.count - start >= size {
        values.removeAll(keepingCapacity: true)
        for row in rows[start..<start + size] { values.append(contentsOf: row) }
        try many.execute(arguments: StatementArguments(values))
        start += size
      }
    }
    guard start < rows.count else { return }
    let one = try db.cachedStatement(sql: statement.sql(rows: 1))
    for row in rows[start...] { try one.execute(arguments: StatementArguments(row)) }
  }
}
