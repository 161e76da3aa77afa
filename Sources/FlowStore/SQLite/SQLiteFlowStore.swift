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
  let encoder: JSONEncoder = {
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
    do {
      let id: Int32
      let tables: [String]
      let migrations: Int
      do {
        (id, tables, migrations) = try inspect(path, readonly: true)
      } catch let error as DatabaseError
        where error.extendedResultCode == .SQLITE_READONLY_ROLLBACK
        || error.extendedResultCode == .SQLITE_READONLY_RECOVERY
      {
        // A process died in the middle of a write: only a connection that may write can roll
        // that change back (or rebuild the WAL index), which restores the last commit.
        (id, tables, migrations) = try inspect(path, readonly: false)
      }
      // Ours, or empty: a first start that stopped before its first migration. GRDB creates
      // its table of applied migrations on its own, before the first migration's
      // transaction, so a first start killed in between leaves that table, empty, and
      // nothing else.
      let stoppedFirstStart = tables == ["grdb_migrations"] && migrations == 0
      guard id != applicationID, !tables.isEmpty, !stoppedFirstStart else { return }
      throw StoreError(
        .foreignDatabase, path: path, reason: "belongs to another application; it was not changed")
    } catch let error as StoreError {
      throw error
    } catch {
      throw storeError(error, path: path)
    }
  }

  /// The application id, the tables and the number of applied GRDB migrations of an existing
  /// file, read through SQLite: a recent change may still be in the WAL file.
  private static func inspect(_ path: String, readonly: Bool) throws -> (
    id: Int32, tables: [String], migrations: Int
  ) {
    var configuration = Configuration()
    configuration.readonly = readonly
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    defer { try? queue.close() }
    return try queue.read { db in
      let tables = try String.fetchAll(
        db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      return (
        try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0, tables,
        tables.contains("grdb_migrations")
          ? try Int.fetchOne(db, sql: "SELECT count(*) FROM grdb_migrations") ?? 0 : 0
      )
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
    case .SQLITE_CONSTRAINT:
      return StoreError(
        .conflict, path: path, reason: "refused a change: \(error.message ?? "a constraint failed")")
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return StoreError(.locked, path: path, reason: "is busy: another writer held it too long")
    case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
      return StoreError(.readOnly, path: path, reason: "cannot be written: \(error.message ?? "read-only")")
    default:
      return StoreError(.io, path: path, reason: error.message ?? "\(error)")
    }
  }

  /// The names of the migrations applied to the database.
  public func appliedMigrations() throws -> [String] {
    try pool.read { try Self.migrator.appliedIdentifiers($0).sorted() }
  }

}
