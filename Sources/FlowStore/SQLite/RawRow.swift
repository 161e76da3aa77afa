import Foundation
internal import GRDB
internal import GRDBSQLite

/// Binds one row's values straight onto a statement that GRDB prepared and cached, and runs
/// it: the commit's hottest inserts (a participant, a message) skip building
/// `StatementArguments` of existentials for every row, and the hottest reads (contacts and
/// participants by the thousand) read their cells without building GRDB `Row`s.
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

  /// Runs the statement and reads each row it returns with `read`; a failure is GRDB's
  /// `DatabaseError`, as from `fetchAll`.
  func rows<T>(_ read: (RawCells) throws -> T) throws -> [T] {
    // A read that stops early leaves no statement half-stepped for the next user.
    defer { sqlite3_reset(statement) }
    var found: [T] = []
    while true {
      let code = sqlite3_step(statement)
      if code == SQLITE_DONE { return found }
      guard code == SQLITE_ROW else { throw failure(code) }
      found.append(try read(RawCells(statement: statement)))
    }
  }

  /// Runs the statement once; a failure is GRDB's `DatabaseError`, as from `execute`.
  func run() throws {
    let code = sqlite3_step(statement)
    guard code == SQLITE_DONE else {
      let error = failure(code)
      sqlite3_reset(statement)
      throw error
    }
  }

  /// The error of a step that failed, with SQLite's message (read before any reset).
  private func failure(_ code: Int32) -> DatabaseError {
    DatabaseError(
      resultCode: ResultCode(rawValue: code),
      message: String(cString: sqlite3_errmsg(database.sqliteConnection)))
  }
}

/// The cells of a row a statement is on, read through SQLite's C API with the same results
/// as `Row`'s readers of the same names. One difference: GRDB ends a text at its first NUL
/// character, where this reader keeps the whole text that was written.
struct RawCells: Cells {
  let statement: OpaquePointer

  func text(_ index: Int) -> String? {
    switch sqlite3_column_type(statement, Int32(index)) {
    case SQLITE_TEXT:
      let count = Int(sqlite3_column_bytes(statement, Int32(index)))
      guard let bytes = sqlite3_column_text(statement, Int32(index)) else { return "" }
      return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    case SQLITE_BLOB: return String(data: blob(index), encoding: .utf8)
    default: return nil
    }
  }

  func integer(_ index: Int) -> Int64? {
    switch sqlite3_column_type(statement, Int32(index)) {
    case SQLITE_INTEGER: sqlite3_column_int64(statement, Int32(index))
    case SQLITE_FLOAT: Int64(exactly: sqlite3_column_double(statement, Int32(index)))
    default: nil
    }
  }

  func real(_ index: Int) -> Double? {
    switch sqlite3_column_type(statement, Int32(index)) {
    case SQLITE_FLOAT: sqlite3_column_double(statement, Int32(index))
    case SQLITE_INTEGER: Double(sqlite3_column_int64(statement, Int32(index)))
    default: nil
    }
  }

  func blob(_ index: Int) -> Data {
    switch sqlite3_column_type(statement, Int32(index)) {
    case SQLITE_BLOB, SQLITE_TEXT:
      // The pointer first, then the size: asking for the size first could convert the value.
      guard let bytes = sqlite3_column_blob(statement, Int32(index)) else { return Data() }
      return Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, Int32(index))))
    default: return Data()
    }
  }

  func isNull(_ index: Int) -> Bool { sqlite3_column_type(statement, Int32(index)) == SQLITE_NULL }
}
