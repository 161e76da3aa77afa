import FlowEngine
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
internal import NIOSSL
import PostgresNIO

/// The shared store: PostgreSQL, for several nodes on one database.
///
/// Every operation is one PostgreSQL transaction, and nodes coordinate through the database
/// alone (`PostgresTransaction` has the details):
/// - engine operations (lifecycle calls, enrollments, edits, contacts) take a
///   transaction-scoped advisory lock, so they run one at a time across nodes, and lock the
///   rows of the flows they load: a pause committed by one node is what the next batch on any
///   node starts from, and flow ids come from a counter read under the lock;
/// - scheduler batches take no advisory lock: each holds a key-share lock on the running flows
///   it loads (skipping flows an operation holds) and claims its due participants
///   `FOR UPDATE SKIP LOCKED`, so batches on several nodes advance different participants at
///   the same time. Counts change by deltas and schedule tokens come from a sequence;
/// - delivery claims select due messages `FOR UPDATE SKIP LOCKED`, so workers on several
///   nodes take different messages at the same time.
///
/// The engine reads through the transaction synchronously, so an operation's body runs on a
/// thread of the store's own pool (never on Swift's cooperative pool), and each of its
/// queries waits there for the connection's answer.
public final class PostgresFlowStore: FlowStore, @unchecked Sendable {
  /// Where the database is, without the password: what errors and logs name.
  public let location: String
  let client: PostgresClient
  let threads: NIOThreadPool
  let logger: Logger
  private let runner: Task<Void, Never>
  /// How long an operation waits for a connection before the store counts as unavailable.
  let connectionWait: Duration

  /// The lock every engine write takes (`pg_advisory_xact_lock`): "FLOWDESK" in ASCII.
  static let engineLock: Int64 = 0x464C_4F57_4445_534B
  /// The lock migrations take, so nodes starting together migrate once.
  static let migrationLock: Int64 = 0x464C_4F57_4D49_4752

  /// How long a transaction may sit idle between two of its statements before the server
  /// ends its session. A node that freezes inside a transaction (stopped, or cut off from the
  /// database without its connection closing) would otherwise keep its locks, and every
  /// node's operations on those flows would wait for it. No operation of a working node
  /// leaves its transaction idle for that long: the engine runs between two statements.
  public static let idleTransactionTimeout: Duration = .seconds(60)

  /// How long an operation waits for the database to answer one statement. A database that
  /// stops answering without closing the connection (its server frozen, its host paused, the
  /// network cut) would otherwise hold the caller and a thread of the store forever. When the
  /// time runs out the store closes that connection, so the server rolls back whatever was
  /// open on it, and the operation fails as a transient store error (the service's 503); the
  /// next operation opens a fresh connection. Each statement of an operation is short: a bulk
  /// write is one statement per table, and history is pruned in bounded chunks.
  public static let answerDeadline: Duration = .seconds(30)
  /// See the static property of that name.
  let answerDeadline: Duration

  /// Connects to `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`), checks that the database
  /// answers, and applies the migrations it lacks. A database that cannot be reached is a
  /// `StoreError` naming host and port. `idleTransactionTimeout` and `answerDeadline`: see
  /// the static properties of those names.
  public init(
    url: String, maximumConnections: Int = 8, connectionWait: Duration = .seconds(5),
    idleTransactionTimeout: Duration = PostgresFlowStore.idleTransactionTimeout,
    answerDeadline: Duration = PostgresFlowStore.answerDeadline,
    logger: Logger = Logger(label: "flowdesk.postgres")
  ) async throws {
    let settings = try PostgresSettings(url: url)
    location = settings.location
    self.logger = logger
    self.connectionWait = connectionWait
    self.answerDeadline = answerDeadline
    var configuration = PostgresClient.Configuration(
      host: settings.host, port: settings.port, username: settings.user, password: settings.password,
      database: settings.database, tls: settings.tls)
    configuration.options.maximumConnections = maximumConnections
    let idleMilliseconds =
      idleTransactionTimeout.components.seconds * 1000
      + idleTransactionTimeout.components.attoseconds / 1_000_000_000_000_000
    configuration.options.additionalStartupParameters = [
      ("application_name", "flowdesk"),
      ("idle_in_transaction_session_timeout", "\(max(1, idleMilliseconds))"),
    ]
    configuration.options.connectTimeout = .seconds(5)
    client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    threads = NIOThreadPool(numberOfThreads: maximumConnections)
    threads.start()
    let client = self.client
    runner = Task { await client.run() }
    do {
      // One connection of its own first: a database that is not there fails fast, with
      // the reason, instead of waiting in the pool's queue.
      let connection = try await PostgresConnection.connect(
        configuration: settings.connectionConfiguration, id: 0, logger: logger)
      defer { Task { try? await connection.close() } }
      try await Self.migrate(connection, location: location, logger: logger)
    } catch {
      shutdown()
      throw Self.storeError(error, location: location, connecting: true)
    }
  }

  deinit { shutdown() }

  private func shutdown() {
    runner.cancel()
    threads.shutdownGracefully { _ in }
  }

  /// A write transaction. Engine operations take the engine lock at their first read; the
  /// body runs on the store's thread pool.
  public func write<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R)
    async throws -> R
  {
    try await transaction(begin: "BEGIN", mode: .exclusive, body)
  }

  /// A scheduler batch: it claims its due participants `FOR UPDATE SKIP LOCKED` and never
  /// waits for the engine lock, so batches on several nodes run at once.
  public func writeBatch<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R)
    async throws -> R
  {
    try await transaction(begin: "BEGIN", mode: .claiming, body)
  }

  /// A read transaction: one snapshot for every read of the operation.
  public func read<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R)
    async throws -> R
  {
    // A snapshot is consistent on its own: reads never wait for the engine lock.
    try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", mode: .read, body)
  }

  private func transaction<R: Sendable>(
    begin: String, mode: PostgresTransaction.Mode,
    _ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R
  ) async throws -> R {
    do {
      return try await withConnection { connection in
        // BEGIN, the body and COMMIT run on one thread of the store's pool, each statement
        // answered from the connection's event loop: the transaction stays open only as long
        // as its own work, never while Swift's cooperative threads are busy elsewhere.
        try await self.threads.runIfActive {
          let transaction = PostgresTransaction(connection, store: self, mode: mode)
          try transaction.run(begin)
          let result = Result { try body(transaction) }
          // A body that failed is rolled back; a COMMIT that fails is the operation's error,
          // never a success the caller would take for a write that did not happen.
          // A query sent on a connection the server has ended is never answered, so neither
          // statement goes to a closed one: the server rolled that transaction back already.
          if case .failure = result {
            if !connection.isClosed { _ = try? transaction.run("ROLLBACK") }
          } else {
            try transaction.run("COMMIT")
          }
          return result
        }
      }.get()
    } catch let refusal as Refusal {
      throw refusal
    } catch {
      throw Self.storeError(error, location: location)
    }
  }

  /// The error of a statement the database did not answer in time.
  static func noAnswer(location: String, within deadline: Duration, commit: Bool) -> StoreError {
    StoreError(
      .io, path: location,
      reason: "did not answer within \(deadline); the connection was closed and "
        + (commit
          ? "the server may or may not have committed the change"
          : "the server rolls the operation back: nothing was written"))
  }

  /// A connection from the pool, or the store counts as unavailable after `connectionWait`.
  private func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
    async throws -> T
  {
    let client = self.client
    let wait = connectionWait
    let location = self.location
    return try await withThrowingTaskGroup(of: T?.self) { group in
      let lease = LeaseFlag()
      group.addTask {
        try await client.withConnection { connection in
          // Too late: the caller was told the store is unavailable, so nothing may run now.
          guard lease.take() else { throw CancellationError() }
          // Once it began, a transaction runs to its COMMIT or ROLLBACK whatever happens to
          // the waiting task: a cancelled one would hand the pool a connection with an open
          // transaction.
          return try await Task { try await body(connection) }.value
        }
      }
      group.addTask {
        try await Task.sleep(for: wait)
        return nil
      }
      while let next = try await group.next() {
        if let value = next {
          group.cancelAll()
          return value
        }
        // The wait ran out. A transaction that already has its connection finishes.
        if lease.expire() {
          group.cancelAll()
          throw StoreError(.io, path: location, reason: "is unreachable: no connection within \(wait)")
        }
      }
      throw StoreError(.io, path: location, reason: "is unreachable")
    }
  }

  // MARK: Retention and test helpers

  /// Removes history older than `cutoff` in chunks of `chunk` entries, oldest first, each
  /// its own transaction: a large backlog neither holds one long transaction nor runs into
  /// the answer deadline.
  @discardableResult
  public func pruneHistory(before cutoff: Date) async throws -> Int {
    try await pruneHistory(before: cutoff, chunk: 10_000)
  }

  func pruneHistory(before cutoff: Date, chunk: Int) async throws -> Int {
    var removed = 0
    while true {
      let count = try await write { transaction in
        // Entries are numbered in the order they were written, so the oldest come first in
        // the primary key and the search stops once it has a chunk.
        try (transaction as! PostgresTransaction).execute(
          """
          DELETE FROM history WHERE id IN
            (SELECT id FROM history WHERE time < $1 ORDER BY id LIMIT \(chunk))
          """, [.double(cutoff.timeIntervalSince1970)])
      }
      removed += count
      if count < chunk { return removed }
    }
  }

  /// The names of the migrations applied to the database, in the order they were applied.
  public func appliedMigrations() async throws -> [String] {
    try await read { transaction in
      try (transaction as! PostgresTransaction).rows("SELECT name FROM flowdesk_migrations ORDER BY seq").map
      {
        try $0.string(0)
      }
    }
  }

  // MARK: Errors

  /// A store error that names the database (never its password) and says why.
  static func storeError(_ error: any Error, location: String, connecting: Bool = false) -> StoreError {
    if let error = error as? StoreError { return error }
    guard let error = error as? PSQLError else {
      if error is CancellationError {
        return StoreError(.io, path: location, reason: "the operation was cancelled")
      }
      return StoreError(
        connecting ? .cannotCreate : .io, path: location,
        reason: connecting ? "cannot be reached: \(error)" : "\(error)")
    }
    if let state = error.serverInfo?[.sqlState] {
      let message = error.serverInfo?[.message] ?? "error \(state)"
      switch state {
      case _ where state.hasPrefix("23"):
        return StoreError(.conflict, path: location, reason: "refused a change: \(message)")
      case "53100":
        return StoreError(
          .full, path: location, reason: "the disk is full; nothing of the last change was written")
      case "40001", "40P01", "55P03", "57014":
        return StoreError(.locked, path: location, reason: "is busy: \(message)")
      case "25006":
        return StoreError(.readOnly, path: location, reason: "cannot be written: \(message)")
      case "28000", "28P01", "3D000":
        return StoreError(.cannotCreate, path: location, reason: "refused the connection: \(message)")
      default:
        return StoreError(.io, path: location, reason: message)
      }
    }
    let reason: String
    switch error.code {
    case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown:
      reason = "cannot be reached (\(error.code))"
    default:
      reason = "\(error.code)"
    }
    return StoreError(connecting ? .cannotCreate : .io, path: location, reason: reason)
  }
}

/// Who came first: the connection (the transaction runs) or the end of the wait (the caller
/// is told the store is unavailable). Exactly one of `take()` and `expire()` succeeds.
final class LeaseFlag: @unchecked Sendable {
  private enum State { case waiting, taken, expired }
  private let lock = NIOLock()
  private var state = State.waiting

  /// The connection arrived; false when the wait had already ended.
  func take() -> Bool { transition(to: .taken) }
  /// The wait ended; false when the connection had already arrived.
  func expire() -> Bool { transition(to: .expired) }

  private func transition(to next: State) -> Bool {
    lock.withLock {
      guard state == .waiting else { return false }
      state = next
      return true
    }
  }
}

extension PostgresFlowStore {
  /// The configuration of one plain connection to the database `url` names, read the way the
  /// store reads it (percent-decoding, `sslmode`): for tools that need a connection of their
  /// own beside the store, such as the benchmark's INSERT ceiling.
  public static func connectionConfiguration(url: String) throws(StoreError)
    -> PostgresConnection.Configuration
  {
    try PostgresSettings(url: url).connectionConfiguration
  }
}

/// What a `postgres://` URL says.
struct PostgresSettings {
  var host: String
  var port: Int
  var user: String
  var password: String?
  var database: String?
  var tlsMode: String

  /// `postgres://host:port/db`, what errors and logs name: never the password.
  var location: String { "postgres://\(host):\(port)/\(database ?? user)" }

  var tls: PostgresClient.Configuration.TLS {
    switch tlsMode {
    case "require": .require(.makeClientConfiguration())
    case "prefer": .prefer(.makeClientConfiguration())
    default: .disable
    }
  }

  var connectionTLS: PostgresConnection.Configuration.TLS {
    switch tlsMode {
    case "require": .require(try! NIOSSLContext(configuration: .makeClientConfiguration()))
    case "prefer": .prefer(try! NIOSSLContext(configuration: .makeClientConfiguration()))
    default: .disable
    }
  }

  /// A single connection's configuration, outside the pool.
  var connectionConfiguration: PostgresConnection.Configuration {
    PostgresConnection.Configuration(
      host: host, port: port, username: user, password: password, database: database, tls: connectionTLS)
  }

  init(url: String) throws(StoreError) {
    guard let components = URLComponents(string: url),
      ["postgres", "postgresql"].contains(components.scheme?.lowercased())
    else {
      throw StoreError(
        .cannotCreate, path: "--database",
        reason: "is not a postgres:// URL: expected postgres://USER:PASSWORD@HOST:PORT/DB")
    }
    guard let host = components.host, !host.isEmpty else {
      throw StoreError(
        .cannotCreate, path: "--database", reason: "names no host: postgres://USER@HOST:PORT/DB")
    }
    guard let user = components.user, !user.isEmpty else {
      throw StoreError(
        .cannotCreate, path: "--database", reason: "names no user: postgres://USER@HOST:PORT/DB")
    }
    self.host = host
    port = components.port ?? 5432
    self.user = user.removingPercentEncoding ?? user
    password = components.password.map { $0.removingPercentEncoding ?? $0 }
    let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
    database = path.isEmpty ? nil : path
    tlsMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
    guard ["disable", "prefer", "require"].contains(tlsMode) else {
      throw StoreError(
        .cannotCreate, path: "--database", reason: "sslmode=\(tlsMode) is not one of disable, prefer, require"
      )
    }
  }
}
