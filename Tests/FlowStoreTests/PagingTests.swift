import FlowEngine
import Foundation
import GRDB
import TestSupport
import Testing

@_spi(Benchmarks) @testable import FlowStore

/// The host pages participants and contacts: memory holds them only while an operation needs
/// them. These tests hold the paging host to an engine that keeps everything in memory.
@Suite("Paging participants")
struct PagingTests {
  static let settings = FlowSettings(
    emailFrom: "news@example.com", emailReplyTo: "help@example.com", subscriptionType: "newsletter")

  /// Every kind of step whose state paging must carry: an email (with its address claim), a
  /// wait for an action, a split (branch occupants), a contact update and a timed wait.
  static let flow = FlowDefinition(
    name: "Paged", settings: settings,
    steps: [
      Step(id: "hello", .sendEmail(SendEmail(subject: "Hello"))),
      Step(id: "await", .waitForAction(WaitForAction(action: "emailOpened", timeout: 7200))),
      Step(
        id: "split",
        .split(Split(branches: [Branch(id: "nl", condition: .property("country", .equals("NL")))]))),
      Step(id: "mark", .updateContact(UpdateContact(property: "welcomed", operation: .set("yes")))),
      Step(id: "rest", .waitTime(.duration(3600))),
      Step(id: "done", .finish(Finish())),
    ])

  /// The same flow without the timed wait, for edits while participants are inside.
  static let edited = FlowDefinition(
    name: "Paged", settings: settings,
    steps: flow.steps.filter { $0.id != "rest" })

  enum Operation: CustomStringConvertible {
    case upsert(Contact)
    case enroll(String)
    case reenroll(String)
    case action(String)
    case lifecycle(LifecycleAction)
    case edit
    case advance
    case wait(TimeInterval)

    var description: String {
      switch self {
      case .upsert(let contact): "upsert \(contact.id) \(contact.email ?? "-")"
      case .enroll(let id): "enroll \(id)"
      case .reenroll(let id): "reenroll \(id)"
      case .action(let id): "action by \(id)"
      case .lifecycle(let action): "\(action)"
      case .edit: "edit"
      case .advance: "advance"
      case .wait(let seconds): "wait \(seconds)"
      }
    }
  }

  static func contact(_ id: String, _ random: inout SplitMix) -> Contact {
    // Some contacts share an address, so address claims of stored participants matter.
    let address = Int.random(in: 0..<4, using: &random) == 0 ? "shared@example.com" : "\(id)@example.com"
    return Contact(
      id: id, email: address, consent: Int.random(in: 0..<10, using: &random) > 0,
      subscriptions: ["newsletter"],
      properties: ["country": Bool.random(using: &random) ? "NL" : "SE"])
  }

  static func operation(_ random: inout SplitMix) -> Operation {
    let id = "c\(Int.random(in: 0..<24, using: &random))"
    switch Int.random(in: 0..<100, using: &random) {
    case 0..<10:
      return .upsert(contact(id, &random))
    case 10..<40: return .enroll(id)
    case 40..<45: return .reenroll(id)
    case 45..<52: return .action(id)
    case 52..<60:
      let actions: [LifecycleAction] = [.start, .start, .start, .pause, .resume, .resume, .end]
      return .lifecycle(actions[Int.random(in: 0..<actions.count, using: &random)])
    case 60..<63: return .edit
    case 63..<85: return .advance
    default: return .wait([600, 3600, 7200][Int.random(in: 0..<3, using: &random)])
    }
  }

  /// What an operation answered: nothing, or the codes of a refusal.
  static func outcome(_ body: () throws -> Void) -> [FlowCode] {
    do {
      try body()
      return []
    } catch let refusal as Refusal {
      return refusal.codes
    } catch {
      Issue.record("not a refusal: \(error)")
      return []
    }
  }

  /// How the hosts of a run are arranged: one long-lived host; a new host and store for
  /// every operation; two hosts, each with its own store on the same file, taking turns.
  enum Hosts: String, CaseIterable, Sendable {
    case one, freshForEveryOperation, twoOnOneFile
  }

  /// The store-backed host must give the same answers as an engine that keeps everything in
  /// memory, however many hosts there are and however short they live: hosts keep no state.
  @Test(arguments: [1, 2, 3, 4] as [UInt64], Hosts.allCases)
  func statelessHostsMatchAnEngineThatHoldsEverything(seed: UInt64, hosts: Hosts) async throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let clock = ManualClock()
    let path = folder.appendingPathComponent("db.sqlite").path
    let store = try SQLiteFlowStore(path: path)
    let first = try FlowHost(store: store, clock: clock)
    let second = try FlowHost(store: try SQLiteFlowStore(path: path), clock: clock)
    var turn = 0
    // The host for the next operation.
    func next() throws -> FlowHost {
      turn += 1
      switch hosts {
      case .one: return first
      case .freshForEveryOperation: return try FlowHost(store: try SQLiteFlowStore(path: path), clock: clock)
      case .twoOnOneFile: return turn.isMultiple(of: 2) ? first : second
      }
    }
    var host = first
    var engine = FlowEngine(clock: clock)
    let flowId = try engine.createFlow(Self.flow).id
    try engine.start(flowId)
    try await host.perform {
      _ = try $0.createFlow(Self.flow)
      try $0.start(flowId)
    }
    var random = SplitMix(state: seed)
    for n in 0..<24 {
      let contact = Self.contact("c\(n)", &random)
      engine.upsertContact(contact)
      try await host.perform { $0.upsertContact(contact) }
    }
    var sent: [OutboxMessage] = []
    var statusesSeen: Set<ParticipantStatus> = []
    for step in 0..<400 {
      host = try next()
      let operation = Self.operation(&random)
      let expected: [FlowCode]
      let actual: [FlowCode]
      switch operation {
      case .advance:
        engine.advance()
        _ = try await host.runDue(batchSize: 3)
        (expected, actual) = ([], [])
      case .wait(let seconds):
        clock.advance(by: seconds)
        (expected, actual) = ([], [])
      default:
        let apply: @Sendable (inout FlowEngine) throws -> Void = { engine in
          switch operation {
          case .upsert(let contact): engine.upsertContact(contact)
          case .enroll(let id): try engine.enroll(id, in: flowId)
          case .reenroll(let id): try engine.reenroll(id, in: flowId)
          case .action(let id): engine.recordAction("emailOpened", by: id)
          case .lifecycle(let action): try engine.perform(action, on: flowId)
          case .edit:
            let current = try engine.flow(flowId).definition
            try engine.edit(
              flowId, to: current == Self.flow ? Self.edited : Self.flow, as: .flowAdministrator)
          case .advance, .wait: break
          }
        }
        expected = Self.outcome { try apply(&engine) }
        actual = try await host.perform { engine in Self.outcome { try apply(&engine) } }
      }
      #expect(actual == expected, "step \(step): \(operation)")
      sent += engine.drainOutbox()
      statusesSeen.formUnion(try engine.participantCounts(in: flowId).filter { $0.value > 0 }.keys)
    }
    let (participants, counts, history) = try await host.read(history: true) { paged in
      (
        try paged.participants(in: flowId), try paged.participantCounts(in: flowId),
        try paged.history(of: flowId)
      )
    }
    #expect(participants == (try engine.participants(in: flowId)))
    // Pages read from the store, in the order of the whole list.
    var paged: [Participant] = []
    while true {
      let offset = paged.count
      let (page, total) = try await host.read {
        try $0.participants(in: flowId, limit: 7, offset: offset)
      }
      #expect(total == participants.count)
      paged += page
      if page.count < 7 { break }
    }
    #expect(paged == participants)
    #expect(
      counts.filter { $0.value != 0 } == (try engine.participantCounts(in: flowId)).filter { $0.value != 0 })
    let expectedHistory = try engine.history(of: flowId)
    #expect(
      history == expectedHistory,
      "\(history.map { "\($0.contactId) \($0.code) \($0.time)" })\n vs \(expectedHistory.map { "\($0.contactId) \($0.code) \($0.time)" })"
    )
    #expect(
      try store.pendingOutbox(limit: 10_000).map(\.idempotencyKey).sorted()
        == sent.map(\.idempotencyKey).sorted())
    #expect(statusesSeen.count >= 4, "the sequence reaches several statuses: \(statusesSeen)")
    #expect(!sent.isEmpty)
  }

  /// The SQLite store, whose transactions' reads of participants fail while
  /// `failing` is set.
  final class FlakyStore: FlowStore, @unchecked Sendable {
    let base: SQLiteFlowStore
    let lock = NSLock()
    var failing = false

    init(_ base: SQLiteFlowStore) { self.base = base }

    /// A transaction of the base store whose participant reads can fail.
    final class FlakyTransaction: FlowStoreTransaction, @unchecked Sendable {
      let base: any FlowStoreTransaction
      let store: FlakyStore
      init(_ base: any FlowStoreTransaction, store: FlakyStore) {
        self.base = base
        self.store = store
      }

      func participants(_ contactIds: [String], in flowId: String) throws -> [Participant] {
        try failIfFailing()
        return try base.participants(contactIds, in: flowId)
      }
      /// Participant reads fail while the store is set to fail.
      func failIfFailing() throws {
        guard store.lock.withLock({ store.failing }) else { return }
        throw StoreError(.io, path: store.base.path, reason: "disk I/O error")
      }
      func loadFlows(historySince: Date?, only: [String]?) throws -> EngineSnapshot {
        try base.loadFlows(historySince: historySince, only: only)
      }
      func participantPage(
        in flowId: String, filter: ParticipantFilter, after cursor: ParticipantCursor?, limit: Int
      ) throws -> [Participant] {
        try base.participantPage(in: flowId, filter: filter, after: cursor, limit: limit)
      }
      func historyPage(of flowId: String, since: Date, after: Int64?, limit: Int) throws
        -> [(id: Int64, event: HistoryEvent)]
      {
        try base.historyPage(of: flowId, since: since, after: after, limit: limit)
      }
      func flowsWithErrorsPage(errorSince: Date, historySince: Date, after: Int64?, limit: Int) throws
        -> [(rowid: Int64, flow: FlowWithErrors)]
      {
        try base.flowsWithErrorsPage(
          errorSince: errorSince, historySince: historySince, after: after, limit: limit)
      }
      func recordAudit(_ entry: AuditEntry) throws { try base.recordAudit(entry) }
      func auditPage(of flowId: String, after: Int64?, limit: Int) throws -> [AuditEntry] {
        try base.auditPage(of: flowId, after: after, limit: limit)
      }
      func commit(_ changes: EngineChanges) throws { try base.commit(changes) }
      func claimDeliveries(now: Date, leaseUntil: Date, limit: Int) throws -> [OutboxEntry] {
        try base.claimDeliveries(now: now, leaseUntil: leaseUntil, limit: limit)
      }
      func recordDelivery(_ idempotencyKey: String, _ outcome: DeliveryOutcome) throws -> Bool {
        try base.recordDelivery(idempotencyKey, outcome)
      }
      func outboxPage(status: DeliveryStatus?, flowId: String?, after cursor: OutboxCursor?, limit: Int)
        throws
        -> [OutboxEntry]
      {
        try base.outboxPage(status: status, flowId: flowId, after: cursor, limit: limit)
      }
      func outboxEntry(_ idempotencyKey: String) throws -> OutboxEntry? {
        try base.outboxEntry(idempotencyKey)
      }
      func requeue(_ idempotencyKey: String, at now: Date) throws {
        try base.requeue(idempotencyKey, at: now)
      }
      func outboxBacklog() throws -> Int { try base.outboxBacklog() }
      func participantTotals() throws -> [ParticipantStatus: Int] { try base.participantTotals() }
      func recordDeliveryEvent(
        _ idempotencyKey: String, _ kind: DeliveryEvent.Kind, bounce: DeliveryEvent.Bounce?, at time: Date
      ) throws -> Bool {
        try base.recordDeliveryEvent(idempotencyKey, kind, bounce: bounce, at: time)
      }
      func flowStatistics(of flowId: String) throws -> FlowStatistics { try base.flowStatistics(of: flowId) }
      func contactPage(after: String?, limit: Int, filter: ContactFilter) throws -> [Contact] {
        try base.contactPage(after: after, limit: limit, filter: filter)
      }
      func eraseContact(_ id: String, placeholder: String) throws -> ContactErasure? {
        try base.eraseContact(id, placeholder: placeholder)
      }
      func participants(in flowId: String) throws -> [Participant] { try base.participants(in: flowId) }
      func participants(in flowId: String, limit: Int, offset: Int) throws -> [Participant] {
        try base.participants(in: flowId, limit: limit, offset: offset)
      }
      func dueParticipants(in flowId: String, at now: Date, limit: Int) throws -> [(Participant, Contact?)] {
        try base.dueParticipants(in: flowId, at: now, limit: limit)
      }
      func nextDue(in flowId: String) throws -> Date? { try base.nextDue(in: flowId) }
      func dueCount(in flowId: String, at now: Date, limit: Int) throws -> Int {
        try base.dueCount(in: flowId, at: now, limit: limit)
      }
      func holders(of addresses: [String], in flowId: String) throws -> [String: String] {
        try base.holders(of: addresses, in: flowId)
      }
      func participantCounts(in flowId: String) throws -> [ParticipantStatus: Int] {
        try base.participantCounts(in: flowId)
      }
      func contacts(_ ids: [String]) throws -> [Contact] { try base.contacts(ids) }
    }

    func write<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R) async throws
      -> R
    {
      try await base.write { transaction in try body(FlakyTransaction(transaction, store: self)) }
    }
    func read<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R) async throws
      -> R
    {
      try await base.read { transaction in try body(FlakyTransaction(transaction, store: self)) }
    }
    func load(historySince: Date) throws -> EngineSnapshot { try base.load(historySince: historySince) }
    func commit(_ changes: EngineChanges) throws { try base.commit(changes) }
    func pruneHistory(before cutoff: Date) throws -> Int { try base.pruneHistory(before: cutoff) }
    func pendingOutbox(limit: Int) throws -> [OutboxMessage] { try base.pendingOutbox(limit: limit) }
    func markSent(_ idempotencyKeys: [String], at time: Date) throws {
      try base.markSent(idempotencyKeys, at: time)
    }
    func outboxCount() throws -> Int { try base.outboxCount() }
  }

  @Test func aFailedStoreReadFailsTheOperationAndWritesNothing() async throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = FlakyStore(try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path))
    let host = try FlowHost(store: store, clock: ManualClock())
    let flowId = try await host.perform { engine in
      engine.upsertContact(Contact(id: "ann", email: "ann@example.com", subscriptions: ["newsletter"]))
      let id = try engine.createFlow(Self.flow).id
      try engine.start(id)
      try engine.enroll("ann", in: id)
      return id
    }
    store.lock.withLock { store.failing = true }
    // Without the stored participant the engine would think Ann is new and enroll her again.
    await #expect(throws: StoreError.self) { try await host.perform { try $0.enroll("ann", in: flowId) } }
    await #expect(throws: StoreError.self) { try await host.read { try $0.participant("ann", in: flowId) } }
    store.lock.withLock { store.failing = false }
    #expect(try await host.read { try $0.participantCounts(in: flowId)[.active] } == 1)
    #expect(try await host.read { try $0.participant("ann", in: flowId).attempt } == 1)
    await #expect(throws: Refusal.self) { try await host.perform { try $0.enroll("ann", in: flowId) } }
  }

  @Test func schemaIndexesServeThePagingReads() async throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
    let plans = try await store.pool.read { db in
      (
        try Row.fetchAll(
          db, sql: "EXPLAIN QUERY PLAN \(SQLiteFlowStore.dueSQL)", arguments: ["f", 1.0, 5]
        ).map { $0["detail"] as String }.joined(separator: " "),
        try Row.fetchAll(
          db,
          sql: """
            EXPLAIN QUERY PLAN SELECT contact_id FROM participants
            WHERE flow_id = 'f' AND status = 'active' AND email_claim IN ('a', 'b')
            """
        ).map { $0["detail"] as String }.joined(separator: " ")
      )
    }
    #expect(plans.0.contains("participants_due_by_flow") && !plans.0.contains("TEMP B-TREE"), "\(plans.0)")
    #expect(plans.1.contains("participants_one_active_per_address"), "\(plans.1)")
  }
}
