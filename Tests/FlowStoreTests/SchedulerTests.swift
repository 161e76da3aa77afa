import FlowEngine
import Foundation
import TestSupport
import Testing

@testable import FlowStore

/// The scheduler over the store: fair between flows, and never stuck on one participant.
@Suite("Scheduler over the store")
struct SchedulerTests {
  static let settings = FlowSettings(
    emailFrom: "news@example.com", emailReplyTo: "help@example.com", subscriptionType: "newsletter")

  static func withHost(_ body: (FlowHost, SQLiteFlowStore, ManualClock) async throws -> Void) async throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let clock = ManualClock()
    let store = try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path)
    try await body(try FlowHost(store: store, clock: clock), store, clock)
  }

  static func contact(_ id: String) -> Contact {
    Contact(id: id, email: "\(id)@example.com", consent: true, subscriptions: ["newsletter"])
  }

  /// Flow A has a backlog of 100,000 due participants, flow B ten: B's ten advance in the
  /// first batch, not after A's backlog.
  @Test func aBacklogInOneFlowDoesNotStarveAnother() async throws {
    try await Self.withHost { host, _, _ in
      let steps = [Step(id: "rest", .waitTime(.duration(3600))), Step(id: "done", .finish(Finish()))]
      let (a, b) = try await host.perform { engine in
        let a = try engine.createFlow(FlowDefinition(name: "A", settings: Self.settings, steps: steps)).id
        let b = try engine.createFlow(FlowDefinition(name: "B", settings: Self.settings, steps: steps)).id
        try engine.start(a)
        try engine.start(b)
        return (a, b)
      }
      let backlog = 100_000
      try await host.perform { engine in
        for n in 0..<backlog {
          engine.upsertContact(Self.contact("a\(n)"))
          try engine.enroll("a\(n)", in: a)
        }
      }
      try await host.perform { engine in
        for n in 0..<10 {
          engine.upsertContact(Self.contact("b\(n)"))
          try engine.enroll("b\(n)", in: b)
        }
      }
      let first = try await host.runDue(batchSize: 500, maxBatches: 1)
      #expect(first.participantsAdvanced == 500)
      #expect(first.moreDue)
      let counts = try await host.read { engine in
        (try engine.participantCounts(in: a), try engine.participantCounts(in: b))
      }
      // Every participant of B has entered its wait; A has only moved the rest of the batch.
      let movedInB = try await host.read { engine in
        try engine.participants(in: b).filter { $0.stepId == "rest" && $0.isWaiting }.count
      }
      #expect(movedInB == 10, "B: \(counts.1)")
      #expect(counts.0[.active] == backlog)
    }
  }

  /// An edit removes an email step a waiting participant has passed; a second edit adds a
  /// step with the same id after it. The participant reaches the new step and gets its
  /// message, once; the batch commits and other flows keep advancing.
  @Test func aStepRemovedAndAddedBackSendsItsMessageOnce() async throws {
    try await Self.withHost { host, store, clock in
      let original = FlowDefinition(
        name: "Edited", settings: Self.settings,
        steps: [
          Step(id: "mail", .sendEmail(SendEmail(subject: "Hello"))),
          Step(id: "rest", .waitTime(.duration(3600))),
          Step(id: "done", .finish(Finish())),
        ])
      let other = FlowDefinition(
        name: "Other", settings: Self.settings,
        steps: [Step(id: "rest", .waitTime(.duration(7200))), Step(id: "done", .finish(Finish()))])
      let (edited, bystander) = try await host.perform { engine in
        engine.upsertContact(Self.contact("ann"))
        engine.upsertContact(Self.contact("bob"))
        let edited = try engine.createFlow(original).id
        let bystander = try engine.createFlow(other).id
        try engine.start(edited)
        try engine.start(bystander)
        try engine.enroll("ann", in: edited)
        try engine.enroll("bob", in: bystander)
        return (edited, bystander)
      }
      try await host.runDue()
      #expect(try store.outboxCount() == 1)
      // Ann waits in "rest", past "mail". Remove "mail", then add it back after "rest".
      try await host.perform { engine in
        try engine.pause(edited)
        var without = original
        without.steps.removeAll { $0.id == "mail" }
        try engine.edit(edited, to: without, as: .flowAdministrator)
        var readded = without
        readded.steps.insert(Step(id: "mail", .sendEmail(SendEmail(subject: "Hello again"))), at: 1)
        try engine.edit(edited, to: readded, as: .flowAdministrator)
        try engine.resume(edited)
      }
      clock.advance(by: 7201)
      let report = try await host.runDue()
      #expect(!report.moreDue)
      let messages = try store.pendingOutbox(limit: 10)
      #expect(messages.filter { $0.contactId == "ann" && $0.stepId == "mail" }.count == 2)
      #expect(Set(messages.map(\.idempotencyKey)).count == messages.count)
      let (ann, bob) = try await host.read { engine in
        (try engine.participant("ann", in: edited), try engine.participant("bob", in: bystander))
      }
      #expect(ann.status == .finished)
      #expect(bob.status == .finished, "the other flow kept advancing")
      // Nothing is left to retry.
      #expect(try await host.runDue().participantsAdvanced == 0)
    }
  }
}
