import FlowEngine
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import FlowStore

/// The stores Flowdesk runs on. Every contract test runs against each.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case sqlite, postgres

  var testDescription: String { rawValue }

  /// A fresh, empty store of this kind, and what removes it.
  func make() async throws -> (any FlowStore, cleanup: @Sendable () -> Void) {
    switch self {
    case .sqlite:
      let folder = try Paths.temporaryFolder()
      let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
      return (store, { try? FileManager.default.removeItem(at: folder) })
    case .postgres:
      let store = try await PostgresFlowStore(url: try await PostgresCluster.database())
      return (store, {})
    }
  }
}

/// What every store must do the same way: the host runs the same operations over SQLite and
/// over PostgreSQL and must see the same answers.
@Suite("Store contract")
struct StoreContractTests {
  static let settings = FlowSettings(
    emailFrom: "news@example.com", emailReplyTo: "help@example.com", subscriptionType: "newsletter")

  static func contact(_ id: String) -> Contact {
    Contact(id: id, email: "\(id)@example.com", consent: true, subscriptions: ["newsletter"])
  }

  static let mailThenWait = FlowDefinition(
    name: "Welcome", settings: settings,
    steps: [
      Step(id: "mail", .sendEmail(SendEmail(subject: "Hello"))),
      Step(id: "rest", .waitTime(.duration(3600))),
      Step(id: "done", .finish(Finish())),
    ])

  /// Creates and starts the mail-then-wait flow and enrolls `names` (each a new contact),
  /// in one operation; returns the flow's id.
  static func startedFlow(_ host: FlowHost, enrolling names: [String]) async throws -> String {
    try await host.perform { engine in
      let id = try engine.createFlow(mailThenWait).id
      try engine.start(id)
      for name in names {
        engine.upsertContact(contact(name))
        try engine.enroll(name, in: id)
      }
      return id
    }
  }

  static func withHost(_ kind: StoreKind, _ body: (FlowHost, ManualClock) async throws -> Void) async throws {
    if kind == .postgres, let reason = await PostgresCluster.unavailable() {
      // Visible in the test log; CI sets FLOWDESK_REQUIRE_POSTGRES=1, where this never skips.
      Issue.record("skipped on PostgreSQL: \(reason)", severity: .warning)
      return
    }
    let (store, cleanup) = try await kind.make()
    defer { cleanup() }
    let clock = ManualClock()
    try await body(try FlowHost(store: store, clock: clock), clock)
  }

  /// History older than the retention goes, newer history stays. PostgreSQL removes it in
  /// chunks, each its own transaction; chunks of two show that the chunks add up.
  @Test(arguments: StoreKind.allCases)
  func historyOlderThanTheRetentionIsPrunedAndNewerStays(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, clock in
      // Contacts without consent drop out at the email step: one history entry each.
      @Sendable func dropOuts(_ names: [String], in id: String) async throws {
        try await host.perform { engine in
          for name in names {
            engine.upsertContact(Contact(id: name, email: "\(name)@example.com", consent: false))
            try engine.enroll(name, in: id)
          }
        }
        try await host.runDue()
      }
      // Every stored entry, whatever its age: reads leave out what is past the retention.
      @Sendable func stored(_ id: String) async throws -> Int {
        try await host.store.read { try $0.loadFlows(historySince: .distantPast, only: [id]).history.count }
      }
      let id = try await Self.startedFlow(host, enrolling: [])
      try await dropOuts(["ann", "bob", "cat", "dan", "eve"], in: id)
      let old = try await stored(id)
      #expect(old == 5)
      clock.advance(by: FlowEngine.historyRetention + 3600)
      try await dropOuts(["fay"], in: id)
      let all = try await stored(id)
      #expect(all == old + 1)
      let removed: Int
      if let postgres = host.store as? PostgresFlowStore {
        removed = try await postgres.pruneHistory(
          before: clock.now.addingTimeInterval(-FlowEngine.historyRetention), chunk: 2)
      } else {
        removed = try await host.pruneHistory()
      }
      #expect(removed == old)
      #expect(try await stored(id) == all - old)
    }
  }

  @Test(arguments: StoreKind.allCases)
  func flowIdsComeFromTheStoreAndNeverRepeat(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, _ in
      var ids: [String] = []
      for _ in 0..<3 {
        ids.append(try await host.perform { try $0.createFlow(Self.mailThenWait).id })
      }
      #expect(Set(ids).count == 3)
      let doomed = ids[2]
      try await host.perform { try $0.delete(doomed) }
      let next = try await host.perform { try $0.createFlow(Self.mailThenWait).id }
      #expect(!ids.contains(next), "a deleted flow's id is not given out again")
      let listed = try await host.read { $0.flowIds }
      #expect(listed == [ids[0], ids[1], next], "flows are listed in creation order")
    }
  }

  @Test(arguments: StoreKind.allCases)
  func participantsAdvanceAndCountsMatchARecount(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, clock in
      let id = try await Self.startedFlow(host, enrolling: ["ann", "bob", "cat"])
      let first = try await host.runDue()
      #expect(first.participantsAdvanced == 3)
      var participants = try await host.read { try $0.participants(in: id) }
      #expect(participants.allSatisfy { $0.stepId == "rest" && $0.isWaiting })
      clock.advance(by: 3601)
      try await host.runDue()
      participants = try await host.read { try $0.participants(in: id) }
      #expect(participants.map(\.status) == [.finished, .finished, .finished])
      let counts = try await host.read { try $0.participantCounts(in: id) }
      #expect(counts == [.finished: 3])
      // A second host over the same store sees the same: nothing is kept in memory.
      let again = try FlowHost(store: host.store, clock: clock)
      #expect(try await again.read { try $0.participantCounts(in: id) } == [.finished: 3])
    }
  }

  @Test(arguments: StoreKind.allCases)
  func aPausedFlowDoesNotAdvanceAndEnrollmentsQueue(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, _ in
      let id = try await host.perform { engine in
        let id = try engine.createFlow(Self.mailThenWait).id
        try engine.start(id)
        try engine.pause(id)
        engine.upsertContact(Self.contact("ann"))
        try engine.enroll("ann", in: id)
        return id
      }
      #expect(try await host.runDue().participantsAdvanced == 0)
      let refusal = await #expect(throws: Refusal.self) { try await host.perform { try $0.pause(id) } }
      #expect(refusal?.codes == [.flowAlreadyPaused])
      _ = try await host.perform { try $0.resume(id) }
      #expect(try await host.runDue().participantsAdvanced == 1)
    }
  }

  @Test(arguments: StoreKind.allCases)
  func pagesFollowTheirCursorsAndFilters(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, clock in
      let id = try await Self.startedFlow(host, enrolling: [])
      for name in ["dan", "ann", "cat", "bob", "eve"] {
        try await host.perform { engine in
          engine.upsertContact(Self.contact(name))
          try engine.enroll(name, in: id)
        }
        clock.advance(by: 1)
      }
      var seen: [String] = []
      var cursor: ParticipantCursor?
      repeat {
        let page = try await host.participants(in: id, after: cursor, limit: 2)
        seen += page.map(\.contactId)
        cursor =
          page.count == 2
          ? page.last.map { ParticipantCursor(enrolledAt: $0.enrolledAt, contactId: $0.contactId) } : nil
      } while cursor != nil
      #expect(seen == ["dan", "ann", "cat", "bob", "eve"], "enrollment order")
      try await host.runDue(maxBatches: 1)
      let waiting = try await host.participants(
        in: id, filter: ParticipantFilter(status: .active, stepId: "rest"), after: nil, limit: 10)
      #expect(waiting.count == 5)
      let none = try await host.participants(
        in: id, filter: ParticipantFilter(status: .finished), after: nil, limit: 10)
      #expect(none.isEmpty)
      let history = try await host.history(of: id, after: nil, limit: 100)
      #expect(history.map(\.id) == history.map(\.id).sorted())
      let firstTwo = try await host.history(of: id, after: nil, limit: 2)
      let rest = try await host.history(of: id, after: firstTwo.last?.id, limit: 100)
      #expect((firstTwo + rest).map(\.id) == history.map(\.id))
    }
  }

  @Test(arguments: StoreKind.allCases)
  func theAuditTrailRecordsWhoDidWhatAndOutlivesItsFlow(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, _ in
      let actor = FlowHost.Actor(role: "flowAdministrator", name: "admin")
      let id = try await host.perform(
        { try $0.createFlow(Self.mailThenWait).id }, audit: .init("create", by: actor, flow: { $0 }))
      _ = try await host.perform({ try $0.start(id).id }, audit: .init("start", by: actor, flow: { $0 }))
      _ = try? await host.perform({ try $0.start(id).id }, audit: .init("start", by: actor, flow: { $0 }))
      _ = try await host.perform({ try $0.pause(id).id }, audit: .init("pause", by: actor, flow: { $0 }))
      _ = try await host.perform({ try $0.end(id).id }, audit: .init("end", by: actor, flow: { $0 }))
      _ = try await host.perform(
        {
          try $0.delete(id)
          return id
        }, audit: .init("delete", by: actor, flow: { $0 }))
      let trail = try await host.audit(of: id, after: nil, limit: 10)
      #expect(
        trail.map(\.action) == ["create", "start", "pause", "end", "delete"],
        "the refused second start is not there")
      #expect(trail.allSatisfy { $0.actorName == "admin" })
    }
  }

  @Test(arguments: StoreKind.allCases)
  func deliveriesAreClaimedOnceLeasedAndRecorded(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, clock in
      let id = try await Self.startedFlow(host, enrolling: ["ann", "bob"])
      try await host.runDue()
      #expect(try await host.outboxBacklog() == 2)
      let claimed = try await host.claimDeliveries(limit: 10, lease: 30)
      #expect(claimed.count == 2)
      #expect(claimed.allSatisfy { $0.attempts == 1 && $0.message.flowId == id })
      #expect(
        try await host.claimDeliveries(limit: 10, lease: 30).isEmpty, "leased messages are not claimed twice")
      let ann = try #require(claimed.first { $0.message.contactId == "ann" })
      let bob = try #require(claimed.first { $0.message.contactId == "bob" })
      #expect(try await host.recordDelivery(ann.message.idempotencyKey, .delivered(at: clock.now)))
      #expect(!(try await host.recordDelivery(ann.message.idempotencyKey, .delivered(at: clock.now))))
      let failure = CodedMessage(.receiverRejected, ["status": "400"])
      #expect(try await host.recordDelivery(bob.message.idempotencyKey, .dead(failure)))
      let dead = try await host.outbox(status: .dead, flowId: id, after: nil, limit: 10)
      #expect(dead.map(\.message.contactId) == ["bob"])
      #expect(dead.first?.lastError == failure)
      let retried = try await host.retry(messageId: bob.message.messageId)
      #expect(retried.status == .pending && retried.attempts == 0)
      // A lease that ran out makes the message claimable again, under the same key.
      let again = try await host.claimDeliveries(limit: 10, lease: 30)
      #expect(again.map(\.message.idempotencyKey) == [bob.message.idempotencyKey])
      clock.advance(by: 31)
      let afterLease = try await host.claimDeliveries(limit: 10, lease: 30)
      #expect(afterLease.map(\.message.idempotencyKey) == [bob.message.idempotencyKey])
      #expect(afterLease.first?.attempts == 2)
      let all = try await host.outbox(status: nil, flowId: nil, after: nil, limit: 1)
      let next = try await host.outbox(
        status: nil, flowId: nil,
        after: all.last.map {
          OutboxCursor(createdAt: $0.message.createdAt, idempotencyKey: $0.message.idempotencyKey)
        },
        limit: 10)
      #expect(all.count + next.count == 2)
    }
  }

  @Test(arguments: StoreKind.allCases)
  func contactsArePagedAndErasedWithTheirPendingMessages(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, _ in
      let id = try await Self.startedFlow(host, enrolling: ["bob", "ann", "Cat"])
      try await host.runDue()
      let page = try await host.store.read {
        try $0.contactPage(after: nil, limit: 10, filter: ContactFilter())
      }
      #expect(page.map(\.id) == ["Cat", "ann", "bob"], "ids in byte order on every store")
      let byEmail = try await host.store.read {
        try $0.contactPage(after: nil, limit: 10, filter: ContactFilter(email: "ANN@example.com"))
      }
      #expect(byEmail.map(\.id) == ["ann"])
      let erasure = try await host.store.write { try $0.eraseContact("ann", placeholder: "‹erased›") }
      #expect(erasure?.flows == [id])
      #expect(erasure?.droppedMessages == 1)
      #expect(try await host.store.write { try $0.eraseContact("nobody", placeholder: "-") } == nil)
      let messages = try await host.outbox(status: nil, flowId: id, after: nil, limit: 10)
      #expect(messages.map(\.message.contactId).sorted() == ["Cat", "bob"])
      let ann = try await host.read { $0.contact("ann") }
      #expect(ann?.email == nil)
      #expect(try await host.read { try $0.participantCounts(in: id) }[.active] == 3, "counts stay")
    }
  }

  /// `nl` finds `nl` and `nl-BE`, and a `%` or `_` in the filter is a character, not a
  /// wildcard (with LIKE, `%` found every contact with a language, found by probing).
  @Test(arguments: StoreKind.allCases)
  func theLanguageFilterMatchesALanguageAndItsRegionsOnly(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, _ in
      try await host.perform { engine in
        for (id, language) in [
          ("a", "nl"), ("b", "NL-be"), ("c", "nld"), ("d", "sv"), ("e", "n_"), ("f", "x%"),
        ] {
          engine.upsertContact(Contact(id: id, language: language))
        }
      }
      func ids(_ language: String) async throws -> [String] {
        try await host.store.read {
          try $0.contactPage(after: nil, limit: 10, filter: ContactFilter(language: language)).map(\.id)
        }
      }
      #expect(try await ids("nl") == ["a", "b"])
      #expect(try await ids("NL-BE") == ["b"])
      #expect(try await ids("%") == [])
      #expect(try await ids("n_") == ["e"])
      #expect(try await ids("x%") == ["f"])
    }
  }

  /// A dead message never reached the receiver, and retried it would be sent again, to the
  /// placeholder of the erased address (found by probing the service): erasure drops it with
  /// the pending ones, and a retry finds no message. A delivered message stays, erased.
  @Test(arguments: StoreKind.allCases)
  func anErasedContactsDeadMessageIsDroppedAndCannotBeRetried(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, clock in
      let id = try await Self.startedFlow(host, enrolling: ["ann", "bob"])
      try await host.runDue()
      let claimed = try await host.claimDeliveries(limit: 10, lease: 30)
      let ann = try #require(claimed.first { $0.message.contactId == "ann" })
      let bob = try #require(claimed.first { $0.message.contactId == "bob" })
      #expect(try await host.recordDelivery(ann.message.idempotencyKey, .delivered(at: clock.now)))
      #expect(
        try await host.recordDelivery(bob.message.idempotencyKey, .dead(CodedMessage(.receiverRejected, [:])))
      )
      for contact in ["ann", "bob"] {
        let erasure = try await host.eraseContact(contact, by: FlowHost.Actor(role: "admin", name: "test"))
        #expect(erasure.droppedMessages == (contact == "bob" ? 1 : 0), "\(contact)")
      }
      let refusal = await #expect(throws: Refusal.self) {
        try await host.retry(messageId: bob.message.messageId)
      }
      #expect(refusal?.codes == [.messageNotFound])
      let left = try await host.outbox(status: nil, flowId: id, after: nil, limit: 10)
      #expect(left.map(\.message.contactId) == ["ann"])
      #expect(left.first?.message.to == "(erased)")
    }
  }

  /// The store holds the rules the engine relies on across participants, so they hold with
  /// several writers: a message key is stored once, and a step that would store it again
  /// sets its participant aside (FD2011) while the batch goes on.
  @Test(arguments: StoreKind.allCases)
  func aRepeatedMessageKeyIsRefusedByTheStoreAndSetAside(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, _ in
      let id = try await Self.startedFlow(host, enrolling: ["ann", "bob"])
      var taken = EngineChanges(counters: EngineCounters(nextFlowNumber: 1000, nextToken: 1_000_000))
      taken.outbox = [
        OutboxMessage(
          idempotencyKey: "\(id)/bob/mail/v1/1", channel: .email, flowId: id, contactId: "bob",
          stepId: "mail",
          attempt: 1, to: "bob@example.com", from: nil, replyTo: nil, subject: "taken", body: nil,
          createdAt: Date(timeIntervalSince1970: 0))
      ]
      let changes = taken
      try await host.store.write { try $0.commit(changes) }
      await #expect(throws: StoreError.self) { try await host.store.write { try $0.commit(changes) } }
      let report = try await host.runDue()
      #expect(report.participantsAdvanced == 1)
      let bob = try await host.read { try $0.participant("bob", in: id) }
      #expect(bob.reason?.code == .setAsideAfterFailure)
    }
  }

  /// Contact and step ids may hold a `/`, which also separates the parts of a message key:
  /// contact `k/hello` at step `hello` and contact `k` at step `hello/hello` once had the same
  /// key, and one of them was set aside. Each gets its own message, and an id written with
  /// `%` stays apart from one written with its escape.
  @Test(arguments: StoreKind.allCases)
  func idsWithASlashOrPercentNeverShareAMessageKey(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, _ in
      let definition = FlowDefinition(
        name: "Slashes", settings: Self.settings,
        steps: [
          Step(id: "hello", .sendEmail(SendEmail(subject: "A"))),
          Step(id: "hello/hello", .sendEmail(SendEmail(subject: "B"))),
          Step(id: "done", .finish(Finish())),
        ])
      let contacts = ["k", "k/hello", "p%2Fq", "p/q"]
      let id = try await host.perform { engine in
        let id = try engine.createFlow(definition).id
        try engine.start(id)
        for contact in contacts {
          engine.upsertContact(Self.contact(contact))
          try engine.enroll(contact, in: id)
        }
        return id
      }
      try await host.runDue()
      let participants = try await host.read { try $0.participants(in: id) }
      #expect(participants.map(\.status) == Array(repeating: .finished, count: 4), "\(participants)")
      let messages = try await host.outbox(status: nil, flowId: id, after: nil, limit: 100).map(\.message)
      #expect(messages.count == 8)
      #expect(Set(messages.map(\.idempotencyKey)).count == 8)
      #expect(messages.contains { $0.idempotencyKey == "\(id)/k%2Fhello/hello/v1/1" })
      #expect(messages.contains { $0.idempotencyKey == "\(id)/k/hello%2Fhello/v1/1" })
      #expect(messages.contains { $0.idempotencyKey == "\(id)/p%252Fq/hello/v1/1" })
      #expect(messages.contains { $0.idempotencyKey == "\(id)/k/hello/v1/1" }, "plain ids keep their keys")
    }
  }

  /// Ids are data, whatever they hold: quotes, backslashes, commas, braces and the word NULL
  /// go through the batched lookups (a PostgreSQL array of ids) and come back as they went in.
  @Test(arguments: StoreKind.allCases)
  func idsWithQuotesBackslashesAndBracesRoundTrip(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, _ in
      let names = [#"a"b"#, #"c\d"#, "e,f}", "{g}", "NULL", "h i", "ö'; DROP TABLE contacts; --"]
      let id = try await Self.startedFlow(host, enrolling: [])
      try await host.perform { engine in
        for name in names { engine.upsertContact(Self.contact(name)) }
      }
      try await host.perform { engine in
        for name in names { try engine.enroll(name, in: id) }
      }
      let enrolled = try await host.read { try $0.participants(in: id).map(\.contactId) }
      #expect(Set(enrolled) == Set(names))
      let again = try await host.perform { engine in
        engine.prefetch(contacts: names, in: id)
        return names.map { name in Result { () throws(Refusal) in try engine.enroll(name, in: id) } }
      }
      #expect(again.allSatisfy { (try? $0.get()) == nil }, "each is found enrolled already")
      let contacts = try await host.store.read { try $0.contacts(names) }
      #expect(Set(contacts.map(\.id)) == Set(names))
    }
  }

  /// An operation on one flow reads only that flow from the store, so its cost does not
  /// grow with the number of flows; the others are untouched by it.
  @Test(arguments: StoreKind.allCases)
  func anOperationOnOneFlowLoadsOnlyThatFlow(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, _ in
      let ids = try await host.perform { engine in
        try (0..<3).map { _ in try engine.createFlow(Self.mailThenWait).id }
      }
      let seen = try await host.read(flow: ids[1]) { $0.flowIds }
      #expect(seen == [ids[1]])
      let started = try await host.perform(on: ids[1]) { engine in
        engine.upsertContact(Self.contact("ann"))
        return try engine.start(ids[1]).status
      }
      #expect(started == .running)
      let statuses = try await host.read { engine in try engine.flowIds.map { try engine.flow($0).status } }
      #expect(statuses == [.notRunning, .running, .notRunning])
      let missing = await #expect(throws: Refusal.self) {
        try await host.perform(on: "flow-404") { try $0.start("flow-404") }
      }
      #expect(missing?.codes == [.flowNotFound])
    }
  }

  @Test(arguments: StoreKind.allCases)
  func statisticsCountParticipantsMessagesAndEventsOnce(_ kind: StoreKind) async throws {
    try await Self.withHost(kind) { host, clock in
      let id = try await Self.startedFlow(host, enrolling: ["ann", "bob", "cat"])
      try await host.runDue()
      let claimed = try await host.claimDeliveries(limit: 10, lease: 30)
      let keys = Dictionary(
        uniqueKeysWithValues: claimed.map { ($0.message.contactId, $0.message.idempotencyKey) })
      try await host.recordDelivery(keys["ann"]!, .delivered(at: clock.now))
      try await host.recordDelivery(keys["bob"]!, .dead(CodedMessage(.receiverRejected, ["status": "400"])))
      let events: [(String, DeliveryEvent.Kind)] = [("ann", .opened), ("ann", .clicked), ("ann", .opened)]
      let recorded = try await host.store.write { transaction in
        try events.map { try transaction.recordDeliveryEvent(keys[$0.0]!, $0.1, bounce: nil, at: clock.now) }
      }
      #expect(recorded == [true, true, false], "the same kind of event twice is kept once")
      let statistics = try await host.store.read { try $0.flowStatistics(of: id) }
      #expect(statistics.participants.byStatus == [.active: 3])
      let mail = try #require(statistics.steps.first { $0.stepId == "mail" })
      #expect(mail.messages.sent == 1 && mail.messages.dead == 1 && mail.messages.pending == 1)
      #expect(mail.messages.delivered == 1 && mail.messages.opened == 1 && mail.messages.clicked == 1)
      #expect(statistics.steps.first { $0.stepId == "rest" }?.participants.byStatus == [.active: 3])
    }
  }
}

/// PostgreSQL that is not there, or goes away: clear errors, nothing partial, and recovery.
@Suite("PostgreSQL faults", .serialized)
struct PostgresFaultTests {
  /// A database that cannot be reached at start is an error naming its host and port, not
  /// a wait.
  @Test func anUnreachableDatabaseAtStartNamesHostAndPort() async throws {
    let port = Loopback.freePort()
    let error = await #expect(throws: StoreError.self) {
      _ = try await PostgresFlowStore(url: "postgres://flowdesk:secret@127.0.0.1:\(port)/nowhere")
    }
    #expect(error?.path == "postgres://127.0.0.1:\(port)/nowhere")
    #expect(error?.description.contains("secret") == false, "the password is never shown")
    #expect(error?.kind == .cannotCreate)
  }

  /// A server that takes the connection but never answers (here the postmaster is stopped
  /// with SIGSTOP: the kernel still accepts the TCP connection) is, at start, an error naming
  /// host and port after PostgresNIO's connect time-out (10 s), not a start that hangs.
  @Test func aDatabaseThatNeverAnswersAtStartIsAnErrorNotAWait() async throws {
    try await Self.withDedicatedCluster { cluster, url in
      let pidFile = cluster.folder.appendingPathComponent("data/postmaster.pid")
      let postmaster = try #require(
        Int32(try String(contentsOf: pidFile, encoding: .utf8).split(separator: "\n").first ?? ""))
      #expect(kill(postmaster, SIGSTOP) == 0)
      defer { kill(postmaster, SIGCONT) }
      let outcome = await Self.within(.seconds(60)) {
        try await PostgresFlowStore(url: url)
      }
      guard case .failure(let error) = try #require(outcome, "the start waited for a silent database") else {
        Issue.record("a store opened on a stopped server")
        return
      }
      let storeError = try #require(error as? StoreError, "\(error)")
      #expect(storeError.kind == .cannotCreate, "\(storeError)")
      #expect(storeError.path == "postgres://127.0.0.1:\(cluster.port)/\(url.split(separator: "/").last!)")

    }
  }

  /// The database goes away while the store is in use: operations fail as a transient store
  /// error (the service's 503) without writing anything, and work again once it is back.
  @Test func aLostDatabaseIsTransientAndTheStoreRecovers() async throws {
    try await Self.withDedicatedCluster { cluster, url in
      let store = try await PostgresFlowStore(url: url, connectionWait: .seconds(2))
      let host = try FlowHost(store: store, clock: ManualClock())
      let first = try await host.perform { try $0.createFlow(StoreContractTests.mailThenWait).id }
      try await offCooperativePool { try cluster.stopServer() }
      let error = await #expect(throws: StoreError.self) {
        _ = try await host.perform { try $0.createFlow(StoreContractTests.mailThenWait).id }
      }
      #expect(error?.kind.isTransient == true, "\(String(describing: error))")
      try await offCooperativePool { try cluster.startServer() }
      var second: String?
      for _ in 0..<50 where second == nil {
        second = try? await host.perform { try $0.createFlow(StoreContractTests.mailThenWait).id }
        if second == nil { try await Task.sleep(for: .milliseconds(200)) }
      }
      #expect(second != nil, "the store works again once the database is back")
      let ids = try await host.read { $0.flowIds }
      #expect(ids == [first, try #require(second)], "the failed operation wrote nothing")

    }
  }

  /// A cluster of the test's own (its server is stopped or frozen) with a new database, or a
  /// visible skip where PostgreSQL is not installed.
  static func withDedicatedCluster(_ body: (PostgresCluster, String) async throws -> Void) async throws {
    if let reason = await PostgresCluster.unavailable() {
      Issue.record("skipped: \(reason)", severity: .warning)
      return
    }
    let cluster = try await PostgresCluster.dedicated()
    defer { cluster.remove() }
    try await body(cluster, try await offCooperativePool { try cluster.newDatabase() })
  }

  /// A database that stops answering without closing the connection (here its backend is
  /// stopped with SIGSTOP, as a frozen server or a cut network looks to the client): the
  /// operation gives up after the answer deadline with a transient store error (the service's
  /// 503) instead of waiting forever, nothing is written, and the next operation works on a
  /// fresh connection without anyone restarting anything.
  @Test func aDatabaseThatStopsAnsweringIsTransientAndTheStoreRecovers() async throws {
    if let reason = await PostgresCluster.unavailable() {
      Issue.record("skipped: \(reason)", severity: .warning)
      return
    }
    let url = try await PostgresCluster.database()
    // One connection, so that the next operation has to use the frozen one.
    let store = try await PostgresFlowStore(url: url, maximumConnections: 1, answerDeadline: .seconds(2))
    let host = try FlowHost(store: store, clock: ManualClock())
    let first = try await host.perform { try $0.createFlow(StoreContractTests.mailThenWait).id }
    let backend = try await store.read {
      try ($0 as! PostgresTransaction).rows("SELECT pg_backend_pid()")[0].int(0)
    }
    #expect(kill(pid_t(backend), SIGSTOP) == 0)
    defer { kill(pid_t(backend), SIGCONT) }
    // Without a deadline the operation would wait forever: the watchdog turns that into a
    // failure instead of a hung test run.
    let outcome = await Self.within(.seconds(60)) {
      try await host.perform { try $0.createFlow(StoreContractTests.mailThenWait).id }
    }
    guard case .failure(let error) = try #require(outcome, "the operation waited for a silent database")
    else {
      Issue.record("an operation succeeded on a stopped database")
      return
    }
    let storeError = try #require(error as? StoreError, "\(error)")
    #expect(storeError.kind.isTransient, "\(storeError)")
    #expect(storeError.reason.contains("did not answer within"), "\(storeError)")
    let second = try await host.perform { try $0.createFlow(StoreContractTests.mailThenWait).id }
    let ids = try await host.read { $0.flowIds }
    #expect(ids == [first, second], "the operation that got no answer wrote nothing")

    // The same between two statements of an operation: what it wrote before is rolled back.
    let stopped = Atomic(0)
    let midway = await Self.within(.seconds(60)) {
      try await store.write { transaction in
        let transaction = transaction as! PostgresTransaction
        try transaction.run("INSERT INTO meta (key, value) VALUES ('probe', 'written')")
        let backend = try transaction.rows("SELECT pg_backend_pid()")[0].int(0)
        stopped.store(backend, ordering: .sequentiallyConsistent)
        kill(pid_t(backend), SIGSTOP)
        try transaction.run("SELECT 1")
      }
    }
    kill(pid_t(stopped.load(ordering: .sequentiallyConsistent)), SIGCONT)
    guard case .failure(let midwayError) = try #require(midway, "the statement waited for a silent database")
    else {
      Issue.record("a statement was answered by a stopped database")
      return
    }
    #expect((midwayError as? StoreError)?.kind.isTransient == true, "\(midwayError)")
    let probes = try await store.read {
      try ($0 as! PostgresTransaction).rows("SELECT count(*) FROM meta WHERE key = 'probe'")[0].int(0)
    }
    #expect(probes == 0, "the row written before the silence was rolled back")
  }

  /// The result of `body`, or nil when it takes longer than `limit`; a body that never ends
  /// is left running rather than holding the test.
  static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T)
    async -> Result<T, any Error>?
  {
    await withCheckedContinuation { continuation in
      let first = FirstAnswer(continuation)
      Task {
        do { first.answer(.success(try await body())) } catch { first.answer(.failure(error)) }
      }
      Task {
        try? await Task.sleep(for: limit)
        first.answer(nil)
      }
    }
  }

  /// Resumes a continuation with the first answer it is given.
  final class FirstAnswer<T: Sendable>: Sendable {
    private let taken = Atomic(false)
    private let continuation: CheckedContinuation<Result<T, any Error>?, Never>

    init(_ continuation: CheckedContinuation<Result<T, any Error>?, Never>) {
      self.continuation = continuation
    }

    func answer(_ result: Result<T, any Error>?) {
      guard !taken.exchange(true, ordering: .acquiringAndReleasing) else { return }
      continuation.resume(returning: result)
    }
  }

  /// A COMMIT that fails (here a deferred constraint, checked only then) is the operation's
  /// error: the caller is never told that a write took effect that did not.
  @Test func aFailedCommitIsTheOperationsError() async throws {
    if let reason = await PostgresCluster.unavailable() {
      Issue.record("skipped: \(reason)", severity: .warning)
      return
    }
    let url = try await PostgresCluster.database()
    let store = try await PostgresFlowStore(url: url)
    let host = try FlowHost(store: store, clock: ManualClock())
    let actor = FlowHost.Actor(role: "flowAdministrator", name: "admin")
    let id = try await host.perform(
      { try $0.createFlow(StoreContractTests.mailThenWait).id },
      audit: .init("create", by: actor, flow: { $0 }))
    // Each action at most once per flow in the audit trail, checked at COMMIT.
    let database = String(url.split(separator: "/").last!)
    try await offCooperativePool {
      try PostgresCluster.shared.get().psql(
        database,
        "ALTER TABLE audit ADD CONSTRAINT once UNIQUE (flow_id, action) DEFERRABLE INITIALLY DEFERRED")
    }
    _ = try await host.perform({ try $0.start(id).id }, audit: .init("start", by: actor, flow: { $0 }))
    _ = try await host.perform({ try $0.pause(id).id }, audit: .init("pause", by: actor, flow: { $0 }))
    _ = try await host.perform({ try $0.resume(id).id }, audit: .init("resume", by: actor, flow: { $0 }))
    let error = await #expect(throws: StoreError.self) {
      _ = try await host.perform({ try $0.pause(id).id }, audit: .init("pause", by: actor, flow: { $0 }))
    }
    #expect(error?.kind == .conflict)
    let status = try await host.read { try $0.flow(id).status }
    #expect(status == .running, "the refused commit paused nothing")
  }
}
