import FlowEngine
import Foundation
import GRDB
import TestSupport
import Testing

@_spi(Benchmarks) @testable import FlowStore

@Suite("SQLite store")
struct SQLiteFlowStoreTests {
  let clock = ManualClock(Date(timeIntervalSince1970: 1_767_258_000))

  static let settings = FlowSettings(
    emailFrom: "news@example.com", emailReplyTo: "help@example.com", subscriptionType: "newsletter")

  static func flow() -> FlowDefinition {
    FlowDefinition(
      name: "Welcome", settings: settings,
      steps: [
        Step(id: "hello", .sendEmail(SendEmail(subject: "Hello"))),
        Step(id: "wait", .waitTime(.duration(3600))),
        Step(id: "set", .updateContact(UpdateContact(property: "x", operation: .set("y"), target: .company))),
        Step(id: "done", .finish(Finish())),
      ])
  }

  static func contact(_ id: String) -> Contact {
    Contact(id: id, email: "\(id)@example.com", consent: true, subscriptions: ["newsletter"])
  }

  func withFolder<R>(_ body: (URL) async throws -> R) async throws -> R {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder)
  }

  @Test func migrationsRunFromAnEmptyDatabase() async throws {
    try await withFolder { folder in
      let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
      #expect(try store.appliedMigrations().count == 11)
      let mode = try await store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
      #expect(mode == "wal")
      let foreignKeys = try await store.pool.read { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") }
      #expect(foreignKeys == 1)
    }
  }

  @Test func migrationRunsFromThePreviousSchemaVersionAndKeepsData() async throws {
    try await withFolder { folder in
      let path = folder.appendingPathComponent("db.sqlite").path
      // A database as the previous version left it: only the first migration, with a contact.
      let queue = try DatabaseQueue(path: path)
      try await queue.write {
        try $0.execute(sql: "PRAGMA application_id = \(SQLiteFlowStore.applicationID)")
      }
      try SQLiteFlowStore.migrator.migrate(queue, upTo: "v1 flows, participants, contacts, history, outbox")
      let contact = Self.contact("ann")
      try await queue.write {
        try $0.execute(
          sql: "INSERT INTO contacts (id, data) VALUES (?, ?)",
          arguments: ["ann", try JSONEncoder().encode(contact)])
      }
      try queue.close()
      let store = try SQLiteFlowStore(path: path)
      #expect(try store.appliedMigrations().count == 11)
      #expect(try store.load(historySince: .distantPast).contacts == [contact])
      let indexes = try await store.pool.read {
        try String.fetchAll(
          $0, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'history_by_time'")
      }
      #expect(indexes == ["history_by_time"], "the later migrations ran")
    }
  }

  @Test func participantsWrittenAsJSONBeforeV3StillLoad() async throws {
    try await withFolder { folder in
      let path = folder.appendingPathComponent("db.sqlite").path
      // Write a participant through the engine, then turn its row back into the v2 form.
      var engine = FlowEngine(clock: clock)
      engine.upsertContact(Self.contact("ann"))
      let id = try engine.createFlow(Self.flow()).id
      try engine.start(id)
      try engine.enroll("ann", in: id)
      engine.advance()
      let expected = try engine.participant("ann", in: id)
      do {
        let store = try SQLiteFlowStore(path: path)
        try store.commit(engine.takeChanges())
        try await store.pool.write { db in
          try db.execute(
            sql: "UPDATE participants SET data = ?, enrolled_at = NULL, attempt = NULL",
            arguments: [try JSONEncoder().encode(expected)])
        }
      }
      let reloaded = try SQLiteFlowStore(path: path).load(historySince: .distantPast).participants
      #expect(reloaded.map(\.participant) == [expected])
    }
  }

  @Test func contactsRoundTripThroughColumns() async throws {
    try await withFolder { folder in
      let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
      let full = Contact(
        id: "ann", email: "ann@example.com", mobile: "+31600000000", consent: true,
        subscriptions: ["a", "b"],
        marketingContact: false, formerEmployee: true, emailBounced: true, unengaged: true, companyId: "acme",
        lifecycleStage: .opportunity,
        properties: ["country": "NL", "quote": "\"x\" \\ y", "tab\tnew\nline": "\u{1}ö✓"])
      let bare = Contact(id: "bob")
      var changes = EngineChanges(counters: EngineCounters(nextFlowNumber: 1, nextToken: 1))
      changes.contacts = [full, bare]
      try store.commit(changes)
      let loaded = try store.load(historySince: .distantPast).contacts.sorted { $0.id < $1.id }
      #expect(loaded == [full, bare])
    }
  }

  @Test func participantsRoundTripThroughColumns() async throws {
    try await withFolder { folder in
      let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
      var engine = FlowEngine(clock: clock)
      var ann = Self.contact("ann")
      ann.consent = false
      engine.upsertContact(ann)
      engine.upsertContact(Self.contact("bob"))
      let id = try engine.createFlow(Self.flow()).id
      try engine.start(id)
      try engine.enroll("ann", in: id)
      try engine.enroll("bob", in: id)
      engine.advance()
      engine.recordAction("emailOpened", by: "bob")
      try store.commit(engine.takeChanges())
      let stored = try store.load(historySince: .distantPast).participants.map(\.participant).sorted {
        $0.contactId < $1.contactId
      }
      #expect(stored == (try engine.participants(in: id)))
      #expect(stored.first?.reason?.parameters == ["step": "hello"])
      #expect(stored.last?.performedActions == ["emailOpened"])
    }
  }

  /// A commit writes many rows with each statement (`RowsStatement`): whole statements and
  /// the rows left over, each row as it was, in order, and a row that cannot be written
  /// leaves the whole commit unwritten.
  @Test func aCommitOfMoreRowsThanOneStatementHoldsWritesEveryRowAsItWas() async throws {
    try await withFolder { folder in
      let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
      var engine = FlowEngine(clock: clock)
      let count = 2 * RowsStatement.rowsPerStatement + 7
      for n in 0..<count {
        var contact = Self.contact("c\(n)")
        contact.properties = ["n": "\(n)", "name": n % 3 == 0 ? "Åsa ✓" : "Bo"]
        contact.mobile = n % 2 == 0 ? "+4670000\(n)" : nil
        contact.consent = n % 10 != 9  // every tenth drops out at the email step
        engine.upsertContact(contact)
      }
      let id = try engine.createFlow(Self.flow()).id
      try engine.start(id)
      for n in 0..<count { try engine.enroll("c\(n)", in: id) }
      engine.advance()
      let changes = engine.takeChanges()
      #expect(changes.participants.count == count)
      #expect(changes.contacts.count == count)
      #expect(changes.outbox.count > RowsStatement.rowsPerStatement)
      try store.commit(changes)

      let loaded = try store.load(historySince: .distantPast)
      #expect(loaded.contacts.sorted { $0.id < $1.id } == changes.contacts.sorted { $0.id < $1.id })
      let participants = loaded.participants.map(\.participant).sorted { $0.contactId < $1.contactId }
      #expect(participants == (try engine.participants(in: id)).sorted { $0.contactId < $1.contactId })
      #expect(try store.pendingOutbox(limit: 1000) == changes.outbox)

      // The last message of the second whole statement repeats a stored key: nothing of this
      // commit is written, not the contact and the statement before it, nor the rows of its
      // own statement.
      var again = EngineChanges(counters: changes.counters)
      again.outbox = (0..<(2 * RowsStatement.rowsPerStatement - 1)).map { n in
        var message = changes.outbox[0]
        message.idempotencyKey = "new/\(n)"
        return message
      }
      again.outbox.append(changes.outbox[5])
      again.contacts = [Contact(id: "later")]
      #expect(throws: StoreError.self) { try store.commit(again) }
      #expect(try store.outboxCount() == changes.outbox.count)
      #expect(!(try store.load(historySince: .distantPast).contacts.contains { $0.id == "later" }))
    }
  }

  @Test func stateSurvivesARestart() async throws {
    try await withFolder { folder in
      let path = folder.appendingPathComponent("db.sqlite").path
      let flowId: String
      do {
        let host = try FlowHost(store: try SQLiteFlowStore(path: path), clock: clock)
        flowId = try await host.perform { engine in
          engine.upsertContact(Self.contact("ann"))
          engine.upsertContact(Self.contact("bob"))
          let id = try engine.createFlow(Self.flow()).id
          try engine.start(id)
          try engine.enroll("ann", in: id)
          return id
        }
        try await host.runDue()
        _ = try await host.perform { engine in
          try engine.pause(flowId)
          try engine.enroll("bob", in: flowId)
        }
      }
      let host = try FlowHost(store: try SQLiteFlowStore(path: path), clock: clock)
      let statuses = try await host.read {
        try $0.participants(in: flowId).map { "\($0.contactId):\($0.status)" }
      }
      #expect(statuses == ["ann:active", "bob:queued"])
      #expect(try await host.read { try $0.flow(flowId).status } == .paused)
      _ = try await host.perform { try $0.resume(flowId) }
      clock.advance(by: 3600)
      try await host.runDue()
      #expect(try await host.read { try $0.participants(in: flowId).map(\.status) } == [.finished, .active])
      clock.advance(by: 3600)
      try await host.runDue()
      #expect(
        try await host.read { try $0.participants(in: flowId).map(\.status) } == [.finished, .finished])
      #expect(
        try await host.read(history: true) { try $0.history(of: flowId).map(\.code) } == [
          .noAssociatedRecord, .noAssociatedRecord,
        ])
      #expect(try await host.outboxBacklog() == 2)
      #expect(try await host.read(history: true) { $0.flowsWithErrors().map(\.flowId) } == [flowId])
    }
  }

  @Test func anEditMakesANewDefinitionVersion() async throws {
    try await withFolder { folder in
      let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
      let host = try FlowHost(store: store, clock: clock)
      let id = try await host.perform { try $0.createFlow(Self.flow()).id }
      var edit = Self.flow()
      edit.name = "Welcome, edited"
      let edited = edit
      _ = try await host.perform { try $0.edit(id, to: edited, as: .flowAdministrator) }
      let versions = try await store.pool.read {
        try Int.fetchAll($0, sql: "SELECT version FROM flow_versions ORDER BY version")
      }
      #expect(versions == [1, 2])
      #expect(try store.load(historySince: .distantPast).flows.first?.definition.name == "Welcome, edited")
    }
  }

  /// A process that dies in the middle of a write in rollback-journal mode (a database file's
  /// first start switches it to WAL that way) leaves a hot journal. The next start rolls the
  /// half-written change back and opens the store as it was last committed; it is not refused
  /// as "cannot be written" because its first look at the file is read-only.
  @Test func aChangeHalfWrittenByADeadProcessIsRolledBackAtTheNextStart() async throws {
    try await withFolder { folder in
      let path = folder.appendingPathComponent("db.sqlite").path
      let flowId = try await FlowHost(store: try SQLiteFlowStore(path: path), clock: clock).perform {
        try $0.createFlow(Self.flow()).id
      }
      // What a crash leaves: copies of the file and its journal taken in the middle of a
      // write that has already overwritten pages of the file (a small cache spills them).
      let crashed = folder.appendingPathComponent("crashed.sqlite").path
      let queue = try DatabaseQueue(path: path)
      try queue.inDatabase { db in
        try db.execute(sql: "PRAGMA journal_mode = DELETE")
        try db.execute(sql: "PRAGMA cache_size = 10")
        try db.execute(sql: "BEGIN IMMEDIATE")
        try db.execute(sql: "UPDATE flows SET status = 'half-written'")
        try db.execute(sql: "CREATE TABLE scratch (x BLOB)")
        for _ in 0..<40 { try db.execute(sql: "INSERT INTO scratch VALUES (zeroblob(20000))") }
        for suffix in ["", "-journal"] {
          try FileManager.default.copyItem(atPath: path + suffix, toPath: crashed + suffix)
        }
        try db.execute(sql: "ROLLBACK")
      }
      try queue.close()
      #expect(FileManager.default.fileExists(atPath: crashed + "-journal"))
      #expect(
        try Data(contentsOf: URL(fileURLWithPath: crashed)) != Data(contentsOf: URL(fileURLWithPath: path)),
        "the copy holds pages of the unfinished write")

      let store = try SQLiteFlowStore(path: crashed)
      let flows = try store.load(historySince: .distantPast).flows
      #expect(flows.map(\.id) == [flowId])
      #expect(flows.map(\.status) == [.notRunning])
      let scratch = try await store.pool.read {
        try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master WHERE name = 'scratch'")
      }
      #expect(scratch == 0, "the unfinished write was rolled back")
    }
  }

  /// The raw reader of the hottest reads (contacts and participants by the thousand) gives
  /// what GRDB's `Row` gives, cell by cell, for every storage class SQLite has, for text that
  /// is not UTF-8 and for numbers stored in the other class; and it keeps a text with a NUL
  /// whole, where `Row` ends it there.
  @Test func rawCellsReadWhatRowsRead() throws {
    struct Read: Equatable {
      var text: String?
      var integer: Int64?
      var real: Double?
      var blob: Data
      var isNull: Bool
    }
    func read(_ cells: some Cells, _ count: Int) -> [Read] {
      (0..<count).map {
        Read(
          text: cells.text($0), integer: cells.integer($0), real: cells.real($0), blob: cells.blob($0),
          isNull: cells.isNull($0))
      }
    }
    let queue = try DatabaseQueue()
    try queue.inDatabase { db in
      try db.execute(sql: "CREATE TABLE t (a, b, c, d, e, f, g)")
      try db.execute(sql: "INSERT INTO t VALUES ('tëxt', x'68c3a9', 42, 2.5, NULL, x'ff00', 3.0)")
      try db.execute(sql: "INSERT INTO t VALUES ('', x'', -7, 1e300, '12', '2.5', 9007199254740993)")
      let sql = "SELECT a, b, c, d, e, f, g FROM t ORDER BY rowid"
      let rows = try Row.fetchAll(db, sql: sql).map { read($0, 7) }
      let raw = try RawRow(db.cachedStatement(sql: sql), in: db).rows { read($0, 7) }
      #expect(raw == rows)
      #expect(rows.count == 2)
      #expect(rows.first?[1].text == "hé", "a UTF-8 blob reads as text")
      #expect(rows.first?[5].text == nil, "a blob that is not UTF-8 has no text")
      #expect(rows.first?[6].integer == 3, "a whole float reads as an integer")
      #expect(rows.first?[4].isNull == true)

      let nul = try RawRow(db.cachedStatement(sql: "SELECT 'a' || char(0) || 'b'"), in: db).rows {
        $0.text(0)
      }
      #expect(nul == ["a\u{0}b"])
      #expect(try Row.fetchOne(db, sql: "SELECT 'a' || char(0) || 'b'")?.text(0) == "a")
    }
  }

  @Test func corruptFileIsRefusedAndLeftUntouched() async throws {
    try await withFolder { folder in
      let path = folder.appendingPathComponent("db.sqlite").path
      let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })
      try garbage.write(to: URL(fileURLWithPath: path))
      #expect {
        _ = try SQLiteFlowStore(path: path)
      } throws: { ($0 as? StoreError)?.kind == .notADatabase }
      #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }
  }

  /// `db.sqlite` in `folder`, written by another program with `sql`.
  func database(in folder: URL, writtenWith sql: String) async throws -> String {
    let path = folder.appendingPathComponent("db.sqlite").path
    let queue = try DatabaseQueue(path: path)
    try await queue.write { try $0.execute(sql: sql) }
    try queue.close()
    return path
  }

  @Test func databaseOfAnotherApplicationIsRefusedAndLeftUntouched() async throws {
    try await withFolder { folder in
      let path = try await database(
        in: folder,
        writtenWith: "CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (1)")
      let before = try Data(contentsOf: URL(fileURLWithPath: path))
      #expect {
        _ = try SQLiteFlowStore(path: path)
      } throws: { ($0 as? StoreError)?.kind == .foreignDatabase }
      #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
  }

  /// GRDB creates its table of applied migrations before the first migration's transaction:
  /// a first start killed in between leaves that table alone, empty. Found by the crash test,
  /// whose worker is killed at a random moment: the next start refused the file as another
  /// application's, for good.
  @Test func aFirstStartKilledBeforeItsFirstMigrationIsStartedAgain() async throws {
    try await withFolder { folder in
      let path = try await database(
        in: folder, writtenWith: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
      let store = try SQLiteFlowStore(path: path)
      #expect(try store.appliedMigrations().contains("v1 flows, participants, contacts, history, outbox"))
    }
    // Someone else's migrated database, even one without tables of its own, stays theirs.
    try await withFolder { folder in
      let path = try await database(
        in: folder,
        writtenWith: """
          CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
          INSERT INTO grdb_migrations VALUES ('v1 invoices')
          """)
      #expect {
        _ = try SQLiteFlowStore(path: path)
      } throws: { ($0 as? StoreError)?.kind == .foreignDatabase }
    }
  }

  @Test func fullDatabaseGivesAClearErrorAndNoPartialState() async throws {
    try await withFolder { folder in
      let path = folder.appendingPathComponent("db.sqlite").path
      do {
        _ = try SQLiteFlowStore(path: path)
      }
      let store = try SQLiteFlowStore(path: path, maximumPages: 40)
      let host = try FlowHost(store: store, clock: clock)
      let big = String(repeating: "x", count: 4000)
      var failure: StoreError?
      for batch in 0..<50 where failure == nil {
        do {
          _ = try await host.perform { engine in
            for n in 0..<10 {
              var contact = Self.contact("c\(batch)-\(n)")
              contact.properties["note"] = big
              engine.upsertContact(contact)
            }
          }
        } catch let error as StoreError {
          failure = error
        }
      }
      let error = try #require(failure)
      #expect(error.kind == .full)
      #expect(error.description.contains("full"))
      // Every batch is all or nothing: the store holds whole batches of ten, and the host
      // reloaded to exactly what is stored.
      let stored = try store.load(historySince: .distantPast).contacts.count
      #expect(stored % 10 == 0)
      #expect(
        try await host.read { engine in
          (0..<50).flatMap { b in (0..<10).map { "c\(b)-\($0)" } }.filter { engine.contact($0) != nil }.count
        } == stored)
    }
  }

  @Test func aSecondProcessOnTheSameDataFolderIsRefused() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let first = try DataDirectory(path: folder.path)
    #expect {
      _ = try DataDirectory(path: folder.path)
    } throws: { ($0 as? StoreError)?.kind == .locked }
    _ = first
  }

  @Test func dataFolderThatIsAFileIsAClearError() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("not-a-folder")
    try Data("x".utf8).write(to: file)
    #expect {
      _ = try DataDirectory(path: file.path)
    } throws: { ($0 as? StoreError)?.kind == .cannotCreate }
  }

  @Test func outboxMessageIsWrittenAtMostOnce() async throws {
    try await withFolder { folder in
      let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
      let message = OutboxMessage(
        idempotencyKey: "flow-1/ann/hello/1", channel: .email, flowId: "flow-1", contactId: "ann",
        stepId: "hello",
        attempt: 1, to: "ann@example.com", from: nil, replyTo: nil, subject: "Hi", body: nil,
        createdAt: clock.now)
      var changes = EngineChanges(counters: EngineCounters(nextFlowNumber: 1, nextToken: 1))
      changes.outbox = [message]
      try store.commit(changes)
      #expect(throws: StoreError.self) { try store.commit(changes) }
      #expect(try store.outboxCount() == 1)
      #expect(try store.pendingOutbox(limit: 10) == [message])
      try store.markSent([message.idempotencyKey], at: clock.now)
      #expect(try store.pendingOutbox(limit: 10).isEmpty)
    }
  }

  @Test func historyRetentionDeletesEventsOlderThanNinetyDays() async throws {
    try await withFolder { folder in
      let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
      let host = try FlowHost(store: store, clock: clock)
      let id = try await host.perform { engine in
        engine.upsertContact(Self.contact("ann"))
        let id = try engine.createFlow(Self.flow()).id
        try engine.start(id)
        try engine.enroll("ann", in: id)
        return id
      }
      try await host.runDue()
      clock.advance(by: 3600)
      try await host.runDue()
      #expect(try await host.read(history: true) { try $0.history(of: id).count } == 1)
      clock.advance(by: 91 * 86_400)
      #expect(try await host.pruneHistory() == 1)
      #expect(try store.load(historySince: .distantPast).history.isEmpty)
    }
  }
}
