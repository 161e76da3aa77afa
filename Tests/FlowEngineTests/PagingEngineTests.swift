import FlowEngine
import Foundation
import Testing

/// A paging engine does no I/O: it notes what an operation needs, its host hands that
/// over to the copy from before the operation, and the operation runs again.
@Suite("Paging engine")
struct PagingEngineTests {
  /// The committed state of one running email flow and the contact `ann`, and an engine
  /// built from it that holds the flow but no participant or contact.
  static func committed() throws -> (store: MemoryStore, engine: FlowEngine, flow: String, clock: ManualClock)
  {
    var fixture = Fixture()
    fixture.addContacts("ann")
    let flow = try fixture.runningFlow()
    var store = MemoryStore()
    store.commit(fixture.engine.takeChanges())
    return (store, paging(store, clock: fixture.clock), flow, fixture.clock)
  }

  static func paging(_ store: MemoryStore, clock: ManualClock) -> FlowEngine {
    var snapshot = store.snapshot
    snapshot.participants = []
    snapshot.contacts = []
    return FlowEngine(clock: clock, paging: snapshot)
  }

  @Test func anEnrollmentNotesTheContactThenItsParticipantAndSucceedsWhenHandedBoth() throws {
    var (store, engine, flow, _) = try Self.committed()
    // First run: the contact is not held, so the engine refuses as if there were none.
    var attempt = engine
    #expect(refusalCodes { try attempt.enroll("ann", in: flow) } == [.contactNotFound])
    #expect(attempt.takeNeeds() == [.contact("ann")])
    engine.supply(contacts: [store.contacts["ann"]!], asked: ["ann"])
    // Second run: the contact is there; whether ann is already in the flow is not known.
    attempt = engine
    _ = try attempt.enroll("ann", in: flow)
    #expect(attempt.takeNeeds() == [.participant(flowId: flow, contactId: "ann")])
    engine.supply(participants: [], asked: ["ann"], in: flow)
    // Third run: everything is known, nothing is needed, and this result stands.
    let participant = try engine.enroll("ann", in: flow)
    #expect(engine.takeNeeds().isEmpty)
    #expect(participant.status == .active)
    store.commit(engine.takeChanges())
    #expect(store.participants["\(flow)/ann"]?.participant.status == .active)
  }

  @Test func aContactThatIsNotStoredIsRefusedOnceItsAbsenceIsKnown() throws {
    var (_, engine, flow, _) = try Self.committed()
    engine.supply(contacts: [], asked: ["ghost"])
    #expect(refusalCodes { try engine.enroll("ghost", in: flow) } == [.contactNotFound])
    #expect(engine.takeNeeds().isEmpty)
  }

  @Test func anAdvanceNotesTheDueCountThenTheDueParticipantsAndTheirAddresses() throws {
    var (store, engine, flow, clock) = try Self.committed()
    engine.supply(contacts: [store.contacts["ann"]!], asked: ["ann"])
    engine.supply(participants: [], asked: ["ann"], in: flow)
    try engine.enroll("ann", in: flow)
    store.commit(engine.takeChanges())

    engine = Self.paging(store, clock: clock)
    var attempt = engine
    #expect(attempt.advance(limit: 10).participantsAdvanced == 0)
    #expect(attempt.takeNeeds() == [.dueCount(flowId: flow, limit: 10)])
    engine.supply(dueCount: 1, limit: 10, in: flow)
    attempt = engine
    #expect(attempt.advance(limit: 10).participantsAdvanced == 0)
    #expect(attempt.takeNeeds() == [.due(flowId: flow, limit: 1)])
    let stored = store.participants["\(flow)/ann"]!.participant
    let addresses = engine.supply(due: [(stored, store.contacts["ann"])], limit: 1, in: flow)
    // The first step sends an email, so the batch asks who holds ann's address.
    #expect(addresses == ["ann@example.com"])
    engine.supply(holders: [:], asked: addresses, in: flow)
    let report = engine.advance(limit: 10)
    #expect(engine.takeNeeds().isEmpty)
    #expect(report.participantsAdvanced == 1)
    #expect(engine.drainOutbox().map(\.contactId) == ["ann"])
  }

  @Test func anEngineBuiltWithEverythingNeedsNothing() throws {
    var fixture = Fixture()
    fixture.addContacts("ann")
    let flow = try fixture.runningFlow()
    try fixture.engine.enroll("ann", in: flow)
    fixture.engine.advance()
    #expect(!fixture.engine.isPaging)
    #expect(fixture.engine.takeNeeds().isEmpty)
  }
}
