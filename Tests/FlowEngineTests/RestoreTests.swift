import FlowEngine
import Foundation
import Testing

/// A store in memory: applies changes the way a database would, for the restore rule.
struct MemoryStore {
  var flows: [String: FlowRecord] = [:]
  var participants: [String: ParticipantRecord] = [:]
  var contacts: [String: Contact] = [:]
  var companies: [String: [String: String]] = [:]
  var history: [HistoryEvent] = []
  var outbox: [OutboxMessage] = []
  var counters = EngineCounters(nextFlowNumber: 1, nextToken: 1)

  mutating func commit(_ changes: EngineChanges) {
    for id in changes.deletedFlows {
      flows[id] = nil
      participants = participants.filter { $0.value.flowId != id }
    }
    for flow in changes.flows { flows[flow.id] = flow }
    for record in changes.participants {
      participants["\(record.flowId)/\(record.participant.contactId)"] = record
    }
    for contact in changes.contacts { contacts[contact.id] = contact }
    companies.merge(changes.companies) { _, new in new }
    history += changes.history
    outbox += changes.outbox
    counters = changes.counters
  }

  var snapshot: EngineSnapshot {
    EngineSnapshot(
      flows: flows.values.sorted { $0.id < $1.id }, participants: Array(participants.values),
      contacts: Array(contacts.values), companies: companies, history: history, counters: counters)
  }
}

@Suite("Restore")
struct RestoreTests {
  @Test func restoredEngineContinuesExactlyWhereTheOldOneStopped() throws {
    func scenario(restartAfterSetup: Bool) throws -> [String] {
      let clock = ManualClock(Date(timeIntervalSince1970: 1_767_258_000))
      var engine = FlowEngine(clock: clock)
      var store = MemoryStore()
      for n in 0..<20 { engine.upsertContact(Fixture.reachableContact("c\(n)")) }
      let id = try engine.createFlow(Fixture.emailFlow()).id
      try engine.start(id)
      for n in 0..<10 { try engine.enroll("c\(n)", in: id) }
      engine.advance()
      try engine.pause(id)
      for n in 10..<20 { try engine.enroll("c\(n)", in: id) }
      store.commit(engine.takeChanges())
      if restartAfterSetup { engine = FlowEngine(clock: clock, snapshot: store.snapshot) }
      try engine.resume(id)
      engine.advance()
      clock.advance(by: 86_400)
      engine.advance()
      store.commit(engine.takeChanges())
      #expect(try engine.participants(in: id).allSatisfy { $0.status == .finished })
      return store.outbox.map(\.idempotencyKey)
    }
    let uninterrupted = try scenario(restartAfterSetup: false)
    #expect(uninterrupted.count == 40)
    #expect(try scenario(restartAfterSetup: true) == uninterrupted)
  }

  @Test func changesAreTakenOnce() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    let first = f.engine.takeChanges()
    #expect(first.flows.map(\.id) == [id])
    #expect(first.participants.map(\.participant.contactId) == ["ann"])
    #expect(first.contacts.map(\.id) == ["ann"])
    #expect(f.engine.takeChanges().isEmpty)
  }
}
