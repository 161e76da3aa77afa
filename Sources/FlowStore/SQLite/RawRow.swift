internal import GRDB
internal import GRDBSQLite

/// Binds one row's values straight onto a statement that GRDB prepared and cached, and runs
/// it: the commit's hottest inserts (a participant, a message) skip building
/// `StatementArguments` of existentials for every row.
struct RawRow {
  private let statement: OpaquePointer
  private let database: Database
  private var index: Int32 = 0

  init(_ statement: Statement, in database: Database) {
    self.statement = statement.sqliteStatement
    self.database = database
    sqlite3_reset(self.statement)
    sqlite3_clear_bindings(self.statement)
  }

  /// SQLite copies the bytes before the call returns.
  private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

  mutating func bind(_ value: String?) {
    index += 1
    guard let value else {
      sqlite3_bind_null(statement, index)
      return
    }
    var text = value
    text.withUTF8 { bytes in
      _ = sqlite3_bind_text(
        statement, index, UnsafeRawPointer(bytes.baseAddress).map { $0.assumingMemoryBound(to: CChar.self) },
        Int32(bytes.count), Self.transient)
    }
  }

  mutating func bind(_ value: Int64?) {
    index += 1
    if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
  }

  mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }

  mutating func bind(_ value: Double?) {
    index += 1
    if let value { sqlite3_bind_double(statement, index, value) } else { sqlite3_bind_null(statement, index) }
  }

  /// Runs the statement once; a failure is GRDB's `DatabaseError`, as from `execute`.
  func run() throws {
    let code = sqlite3_step(statement)
    guard code == SQLITE_DONE else {
      let message = String(cString: sqlite3_errmsg(database.sqliteConnection))
      sqlite3_reset(statement)
      throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }
  }
}
