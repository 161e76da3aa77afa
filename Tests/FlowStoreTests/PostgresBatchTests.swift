import Dispatch
import FlowEngine
import Foundation
import Logging
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import FlowStore

/// Scheduler batches on several nodes of one PostgreSQL database: each claims its due
/// participants `FOR UPDATE SKIP LOCKED`, so batches run at once and never take the same
/// participant, while a lifecycle operation still waits for the batches already running on
/// its flow.
@Suite("Scheduler batches on PostgreSQL")
struct PostgresBatchTests {
  /// Mail, an hour's wait, then the end: a batch moves each participant twice.
  static let mailWaitFinish = FlowDefinition(
    name: "Batches", settings: StoreContractTests.settings,
    steps: [
      Step(id: "mail", .sendEmail(SendEmail(subject: "Hello"))),
      Step(id: "rest", .waitTime(.duration(3600))),
      Step(id: "done", .finish(Finish())),
    ])

  /// Two nodes (two stores, each with its own connections) on one fresh database, one clock.
  struct Nodes {
    var a: FlowHost
    var b: FlowHost
    var clock: ManualClock
  }

  /// `idleA`: how long node A's transactions may sit idle before the server ends them.
  static func withNodes(
    idleA: Duration = PostgresFlowStore.idleTransactionTimeout, _ body: (Nodes) async throws -> Void
  ) async throws {
    if let reason = await PostgresCluster.unavailable() {
      Issue.record("skipped on PostgreSQL: \(reason)", severity: .warning)
      return
    }
    let url = try await PostgresCluster.database()
    let clock = ManualClock()
    let a = try FlowHost(
      store: try await PostgresFlowStore(url: url, idleTransactionTimeout: idleA), clock: clock)
    let b = try FlowHost(store: try await PostgresFlowStore(url: url), clock: clock)
    try await body(Nodes(a: a, b: b, clock: clock))
  }

  static func startedFlow(_ host: FlowHost, participants: Int) async throws -> String {
    try await host.perform { engine in
      let id = try engine.createFlow(mailWaitFinish).id
      try engine.start(id)
      for index in 0..<participants {
        let name = String(format: "p%03d", index)
        engine.upsertContact(StoreContractTests.contact(name))
        try engine.enroll(name, in: id)
      }
      return id
    }
  }

  /// A batch that stays open, holding what it claimed, until it is let go.
  final class OpenBatch: Sendable {
    let claimed = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let released = Atomic(false)
  }

  /// Runs one batch of `limit` on `host`'s store: it claims and advances its participants,
  /// then holds them until `open` is released (or 30 s pass), then writes what changed and
  /// commits. Returns the contacts it moved.
  static func heldBatch(_ host: FlowHost, limit: Int, _ open: OpenBatch) async throws -> [String] {
    let clock = host.clock
    return try await host.store.writeBatch { transaction in
      var engine = try FlowHost.engine(transaction, clock: clock, history: false)
      _ = try FlowHost.settle(&engine, transaction) { $0.advance(limit: limit) }.get()
      open.claimed.signal()
      _ = open.release.wait(timeout: .now() + 30)
      open.released.store(true, ordering: .sequentiallyConsistent)
      let changes = engine.takeChanges()
      try transaction.commit(changes)
      return changes.participants.map(\.participant.contactId)
    }
  }

  /// Starts a held batch on node A and waits until it has claimed and written its batch.
  static func startHeldBatch(_ host: FlowHost, limit: Int, _ open: OpenBatch) async throws -> Task<
    [String], any Error
  > {
    let task = Task { try await heldBatch(host, limit: limit, open) }
    try await offCooperativePool { _ = open.claimed.wait(timeout: .now() + 30) }
    return task
  }

  @Test func batchesOnTwoNodesAdvanceDifferentParticipantsAtOnceAndCountsAddUp() async throws {
    try await Self.withNodes { nodes in
      let id = try await Self.startedFlow(nodes.a, participants: 20)
      for round in 0..<2 {
        // Round 0 sends the mail and starts the wait; round 1 finishes, after the hour.
        if round == 1 { nodes.clock.advance(by: 3601) }
        let open = OpenBatch()
        let first = try await Self.startHeldBatch(nodes.a, limit: 8, open)
        // Node B's batch runs to its commit while A's is still open: it does not wait.
        let second = try await nodes.b.runDue(batchSize: 8, maxBatches: 1)
        let bWaited = open.released.load(ordering: .sequentiallyConsistent)
        #expect(!bWaited, "B waited for A")
        open.release.signal()
        let claimedByA = try await first.value
        #expect(claimedByA.count == 8)
        #expect(second.participantsAdvanced == 8)
        let rest = try await nodes.b.runDue(batchSize: 100)
        #expect(rest.participantsAdvanced == 4)

        let participants = try await nodes.a.store.read { try $0.participants(in: id) }
        let status: ParticipantStatus = round == 0 ? .active : .finished
        #expect(participants.count == 20)
        #expect(participants.allSatisfy { $0.status == status })
        // Counts kept as deltas by batches that ran at once equal a recount.
        let recount = try await nodes.a.store.read { try $0.participantCounts(in: id) }
        let kept = try await nodes.a.read { try $0.participantCounts(in: id) }
        #expect(recount == [status: 20])
        #expect(kept == recount)
        if round == 0 {
          // Every participant waits with a schedule token of its own.
          let tokens = participants.map(\.scheduleOrder)
          #expect(Set(tokens).count == 20)
          #expect(tokens.allSatisfy { $0 > 0 && $0 < PostgresTransaction.tokenBase })
        }
      }
      // Each participant got its one mail, whichever node sent it.
      let messages = try await nodes.a.outbox(status: nil, flowId: id, after: nil, limit: 100)
      #expect(messages.count == 20)
      #expect(Set(messages.map(\.message.contactId)).count == 20)
    }
  }

  @Test func aBatchLeavesAFlowThatAnOperationHoldsWithoutWaiting() async throws {
    try await Self.withNodes { nodes in
      let id = try await Self.startedFlow(nodes.a, participants: 5)
      let held = DispatchSemaphore(value: 0)
      let release = DispatchSemaphore(value: 0)
      let clock = nodes.a.clock
      // An engine operation on node A holds the flow's row.
      let operation = Task {
        try await nodes.a.store.write { transaction in
          _ = try FlowHost.engine(transaction, clock: clock, history: false, flow: id)
          held.signal()
          _ = release.wait(timeout: .now() + 30)
        }
      }
      try await offCooperativePool { _ = held.wait(timeout: .now() + 30) }
      let skipped = try await nodes.b.runDue(batchSize: 10, maxBatches: 1)
      release.signal()
      try await operation.value
      #expect(skipped.participantsAdvanced == 0)
      let later = try await nodes.b.runDue(batchSize: 10)
      #expect(later.participantsAdvanced == 5)
    }
  }

  @Test func aPauseWaitsForTheBatchInFlightAndNoLaterBatchMovesTheFlow() async throws {
    try await Self.withNodes { nodes in
      let id = try await Self.startedFlow(nodes.a, participants: 12)
      let open = OpenBatch()
      let batch = try await Self.startHeldBatch(nodes.a, limit: 4, open)
      let paused = OpenBatch()
      let pause = Task {
        _ = try await nodes.b.perform(on: id) { try $0.pause(id) }
        paused.released.store(true, ordering: .sequentiallyConsistent)
      }
      // The pause waits for the batch that holds the flow.
      try await Task.sleep(for: .milliseconds(500))
      let pausedEarly = paused.released.load(ordering: .sequentiallyConsistent)
      #expect(!pausedEarly, "the pause did not wait for the batch")
      open.release.signal()
      #expect(try await batch.value.count == 4)
      try await pause.value
      // Paused: no batch on either node moves the flow, and the others are still due.
      #expect(try await nodes.a.runDue(batchSize: 50).participantsAdvanced == 0)
      #expect(try await nodes.b.runDue(batchSize: 50).participantsAdvanced == 0)
      let waiting = try await nodes.a.store.read { try $0.participants(in: id) }.filter {
        $0.stepId == "mail"
      }
      #expect(waiting.count == 8)
      // A second pause, on the other node, gets the engine's refusal.
      await #expect(throws: Refusal.self) { try await nodes.a.perform(on: id) { try $0.pause(id) } }
    }
  }

  /// A database made by the schema before counts, error times and tokens left the flow row
  /// (migrations v1 and v2) keeps them through the upgrade: counts are recounted from the
  /// participants, the error time moves, and new tokens start above every old one.
  @Test func anUpgradedDatabaseKeepsItsCountsErrorTimesAndScheduleTokens() async throws {
    if let reason = await PostgresCluster.unavailable() {
      Issue.record("skipped on PostgreSQL: \(reason)", severity: .warning)
      return
    }
    let url = try await PostgresCluster.database()
    let logger = Logger(label: "test")
    let connection = try await PostgresConnection.connect(
      configuration: try PostgresFlowStore.connectionConfiguration(url: url), id: 1, logger: logger)
    try await PostgresFlowStore.migrate(connection, location: "test", logger: logger, through: 2)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let definition = String(decoding: try encoder.encode(Self.mailWaitFinish), as: UTF8.self)
    let due = ManualClock().now.timeIntervalSince1970
    for statement: PostgresQuery in [
      "INSERT INTO meta (key, value) VALUES ('nextFlowNumber', '2'), ('nextToken', '42')",
      "INSERT INTO flows (id, version, status, last_error_at, counts) VALUES ('flow-1', 1, 'running', 1000.5, NULL)",
      "INSERT INTO flow_versions (flow_id, version, definition) VALUES ('flow-1', 1, \(definition))",
      """
      INSERT INTO participants (flow_id, contact_id, status, step_id, due, enrolled_at, attempt, waiting,
        schedule_token)
      VALUES ('flow-1', 'ann', 'active', 'mail', \(due), 0, 1, false, 40),
        ('flow-1', 'bob', 'active', 'mail', \(due), 0, 1, false, 41),
        ('flow-1', 'cat', 'finished', NULL, NULL, 0, 1, false, 0)
      """,
      """
      INSERT INTO contacts (id, email, consent, subscriptions) VALUES
        ('ann', 'ann@example.com', true, '["newsletter"]'), ('bob', 'bob@example.com', true, '["newsletter"]')
      """,
    ] {
      try await connection.query(statement, logger: logger)
    }
    try await connection.close()

    let store = try await PostgresFlowStore(url: url)
    let host = try FlowHost(store: store, clock: ManualClock())
    #expect(try await store.appliedMigrations().count == PostgresFlowStore.migrations.count)
    let flow = try #require(
      try await store.read { try $0.loadFlows(historySince: nil, only: nil) }.flows.first)
    #expect(flow.counts == [.active: 2, .finished: 1])
    #expect(flow.lastErrorAt == Date(timeIntervalSince1970: 1000.5))
    #expect(try await host.runDue().participantsAdvanced == 2)
    let tokens = try await store.read { try $0.participants(["ann", "bob"], in: "flow-1") }.map(
      \.scheduleOrder)
    #expect(tokens.count == 2)
    #expect(tokens.allSatisfy { $0 > 41 && $0 < PostgresTransaction.tokenBase }, "\(tokens)")
    #expect(try await host.read { try $0.participantCounts(in: "flow-1") } == [.active: 2, .finished: 1])
  }

  /// What the racing schedulers did: their errors and how many participants they moved.
  final class RaceLog: Sendable {
    let list = Mutex<[String]>([])
    let advanced = Atomic(0)
  }

  /// A participant as the scheduler leaves it: what must not change while its flow is paused.
  struct Position: Equatable {
    var status: ParticipantStatus
    var stepId: String?
    var due: Date?
  }

  static func positions(_ host: FlowHost, in flowId: String) async throws -> [String: Position] {
    let participants = try await host.store.read { try $0.participants(in: flowId) }
    return Dictionary(
      uniqueKeysWithValues: participants.map {
        ($0.contactId, Position(status: $0.status, stepId: $0.stepId, due: $0.due))
      })
  }

  /// The participants of `before` whose position is no longer the same.
  static func moved(since before: [String: Position], _ host: FlowHost, in flowId: String) async throws
    -> [String]
  {
    let now = try await positions(host, in: flowId)
    return before.filter { now[$0.key] != $0.value }.keys.sorted()
  }

  /// Two nodes' schedulers run batches all the time while a seeded sequence of pauses,
  /// resumes, enrollments and clock moves goes on beside them. A paused flow does not move
  /// on either node; in the end every participant has finished exactly once with one mail,
  /// nobody was set aside, and each flow's counts equal a recount.
  @Test func twoNodesSchedulersRacingLifecycleCallsKeepEveryRule() async throws {
    try await Self.withNodes { nodes in
      var random = SplitMix(state: 0x5EED_0015)
      var flows: [String] = []
      var next = 0
      for _ in 0..<3 {
        let id = try await Self.startedFlow(nodes.a, participants: 0)
        flows.append(id)
        try await Self.enrollNew(nodes.a, 30, in: id, from: &next)
      }
      let stop = OpenBatch()
      let errors = RaceLog()
      let schedulers = [nodes.a, nodes.b].map { host in
        Task {
          while !stop.released.load(ordering: .sequentiallyConsistent) {
            do {
              let report = try await host.runDue(batchSize: 7, maxBatches: 3)
              errors.advanced.add(report.participantsAdvanced, ordering: .relaxed)
            } catch {
              errors.list.withLock { $0.append("\(error)") }
            }
            try? await Task.sleep(for: .milliseconds(2))
          }
        }
      }
      var paused: [String: [String: Position]] = [:]
      var pausesChecked = 0
      for _ in 0..<40 {
        let flow = flows[Int(random.next() % 3)]
        let host = random.next() % 2 == 0 ? nodes.a : nodes.b
        switch random.next() % 4 {
        case 0 where paused[flow] == nil:
          _ = try await host.perform(on: flow) { try $0.pause(flow) }
          paused[flow] = try await Self.positions(host, in: flow)
        case 1 where paused[flow] != nil:
          let moved = try await Self.moved(since: paused[flow]!, host, in: flow)
          #expect(moved.isEmpty, "\(flow) moved while it was paused: \(moved.prefix(5))")
          pausesChecked += 1
          _ = try await host.perform(on: flow) { try $0.resume(flow) }
          paused[flow] = nil
        case 2:
          try await Self.enrollNew(host, 4, in: flow, from: &next)
        default:
          nodes.clock.advance(by: 1800)
        }
        try await Task.sleep(for: .milliseconds(10))
      }
      for (flow, before) in paused {
        pausesChecked += 1
        let moved = try await Self.moved(since: before, nodes.a, in: flow)
        #expect(moved.isEmpty, "\(flow) moved while it was paused: \(moved.prefix(5))")
        _ = try await nodes.a.perform(on: flow) { try $0.resume(flow) }
      }
      stop.released.store(true, ordering: .sequentiallyConsistent)
      for scheduler in schedulers { await scheduler.value }
      let failed = errors.list.withLock { $0 }
      #expect(failed == [])
      // The race happened: flows were paused and resumed while the schedulers moved people.
      #expect(pausesChecked >= 3)
      #expect(errors.advanced.load(ordering: .relaxed) >= 100)
      for _ in 0..<3 {
        nodes.clock.advance(by: 3601)
        try await nodes.b.runDue(batchSize: 50)
      }
      for flow in flows {
        let participants = try await nodes.a.store.read { try $0.participants(in: flow) }
        #expect(
          participants.allSatisfy { $0.status == .finished },
          "\(flow): \(participants.filter { $0.status != .finished })")
        let recount = try await nodes.a.store.read { try $0.participantCounts(in: flow) }
        #expect(try await nodes.a.read { try $0.participantCounts(in: flow) } == recount)
        #expect(recount == [.finished: participants.count])
        let messages = try await nodes.a.outbox(status: nil, flowId: flow, after: nil, limit: 1000)
        #expect(messages.count == participants.count)
        #expect(Set(messages.map(\.message.contactId)) == Set(participants.map(\.contactId)))
      }
    }
  }

  static func enrollNew(_ host: FlowHost, _ count: Int, in flowId: String, from next: inout Int) async throws
  {
    let names = (next..<next + count).map { String(format: "r%04d", $0) }
    next += count
    _ = try await host.perform(on: flowId) { engine in
      for name in names {
        engine.upsertContact(StoreContractTests.contact(name))
        try engine.enroll(name, in: flowId)
      }
    }
  }

  /// A node that freezes inside a transaction (here: its operation stops between two
  /// statements until the other node's pause has returned, or 60 s pass, with a one-second
  /// idle limit) loses its session and its locks: another node's pause goes through without
  /// waiting for it, and nothing of the frozen operation is written. The frozen node wakes on
  /// the other node's answer rather than after a fixed time, so a loaded machine cannot make
  /// the pause look as if it had waited.
  @Test func aNodeFrozenInsideATransactionLosesItsLocks() async throws {
    try await Self.withNodes(idleA: .seconds(1)) { nodes in
      let id = try await Self.startedFlow(nodes.a, participants: 3)
      let held = DispatchSemaphore(value: 0)
      let woke = OpenBatch()
      let clock = nodes.a.clock
      let frozen = Task {
        try await nodes.a.store.write { transaction in
          var engine = try FlowHost.engine(transaction, clock: clock, history: false, flow: id)
          _ = try engine.pause(id)
          held.signal()
          // Frozen until B's pause has returned; only a pause that waited for A sees the
          // timeout run out first.
          if woke.release.wait(timeout: .now() + 60) == .timedOut {
            woke.released.store(true, ordering: .sequentiallyConsistent)
          }
          try transaction.commit(engine.takeChanges())
        }
      }
      try await offCooperativePool { _ = held.wait(timeout: .now() + 30) }
      // Node B's pause waits for A's row lock until the server ends A's session.
      let paused = try await nodes.b.perform(on: id) { try $0.pause(id) }
      let waitedForA = woke.released.load(ordering: .sequentiallyConsistent)
      woke.release.signal()
      #expect(!waitedForA, "the pause waited for the frozen node to wake up")
      #expect(paused.status == .paused)
      await #expect(throws: StoreError.self) { try await frozen.value }
      // A's own pause was not written: B's is the only one in the audit of the store.
      let flow = try #require(
        try await nodes.b.store.read { try $0.loadFlows(historySince: nil, only: [id]) }.flows.first)
      #expect(flow.status == .paused)
      // Node A carries on with a new session.
      _ = try await nodes.a.perform(on: id) { try $0.resume(id) }
    }
  }
}
