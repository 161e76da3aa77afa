import FlowEngine
import Foundation
import Testing

@Suite("Enrollment")
struct EnrollmentTests {
  @Test func enrollmentInRunningFlowPlacesParticipantOnFirstStep() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    let participant = try f.engine.enroll("ann", in: id)
    #expect(participant.status == .active)
    #expect(participant.stepId == "welcome")
  }

  @Test func pausedFlowQueuesNewEnrollments() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.pause(id)
    let participant = try f.engine.enroll("ann", in: id)
    #expect(participant.status == .queued)
    #expect(participant.stepId == nil)
    f.pass(hours: 48)
    #expect(try f.status("ann", in: id) == .queued, "queued participants do not move while paused")
    #expect(f.engine.pendingOutbox.isEmpty)
  }

  @Test func resumeMovesQueuedParticipantsToFirstStep() throws {
    var f = Fixture()
    f.addContacts("ann", "bob")
    let id = try f.runningFlow()
    try f.engine.pause(id)
    try f.engine.enroll("ann", in: id)
    try f.engine.enroll("bob", in: id)
    try f.engine.resume(id)
    #expect(try f.status("ann", in: id) == .active)
    #expect(try f.step("ann", in: id) == "welcome")
    f.engine.advance()
    #expect(try f.step("ann", in: id) == "wait")
    #expect(f.engine.pendingOutbox.map(\.contactId) == ["ann", "bob"], "released in enrollment order")
  }

  @Test func enrollmentIsRefusedWhileNotRunning() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.engine.createFlow(Fixture.emailFlow()).id
    #expect(refusalCodes { try f.engine.enroll("ann", in: id) } == [.enrollWhileNotRunning])
  }

  @Test func triggerFilterIsCheckedOnceAtEnrollment() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.properties["country"] = "NL"
    var bob = Fixture.reachableContact("bob")
    bob.properties["country"] = "SE"
    f.engine.upsertContact(ann)
    f.engine.upsertContact(bob)
    let id = try f.runningFlow(
      Fixture.emailFlow(trigger: Trigger(filter: .property("country", .equals("NL")))))
    #expect(refusalCodes { try f.engine.enroll("bob", in: id) } == [.contactDoesNotMatchFilter])
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    // Once in, a contact who stops matching the filter is not checked again.
    ann.properties["country"] = "BE"
    f.engine.upsertContact(ann)
    f.pass(hours: 25)
    #expect(try f.status("ann", in: id) == .finished)
  }

  @Test func exclusionListRefusesEnrollment() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow(Fixture.emailFlow(trigger: Trigger(exclusionList: ["ann"])))
    #expect(refusalCodes { try f.engine.enroll("ann", in: id) } == [.contactExcluded])
  }

  @Test func personCanOnlyStartFlowOnceWhenPolicySet() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow(Fixture.emailFlow(trigger: Trigger(onlyOnce: true)))
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    f.pass(hours: 25)
    #expect(try f.status("ann", in: id) == .finished)
    #expect(refusalCodes { try f.engine.enroll("ann", in: id) } == [.contactAlreadyStartedFlow])
  }

  @Test func contactCanStartAgainWithoutOnlyOncePolicy() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    f.pass(hours: 25)
    let again = try f.engine.enroll("ann", in: id)
    #expect(again.status == .active)
    #expect(again.attempt == 2)
  }

  @Test func contactAlreadyInFlowIsNotEnrolledTwice() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    #expect(refusalCodes { try f.engine.enroll("ann", in: id) } == [.contactAlreadyInFlow])
  }

  @Test func contactMeetingSuccessCriterionIsAddedAsSuccess() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.lifecycleStage = .customer
    f.engine.upsertContact(ann)
    let id = try f.runningFlow(Fixture.emailFlow(success: .property("lifecycleStage", .equals("customer"))))
    let participant = try f.engine.enroll("ann", in: id)
    #expect(participant.status == .finishedWithSuccess)
    #expect(try f.engine.participantCounts(in: id)[.finishedWithSuccess] == 1)
    f.engine.advance()
    #expect(f.engine.pendingOutbox.isEmpty)
  }

  @Test func manualReenrollmentAfterFixRestartsParticipant() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.consent = false
    f.engine.upsertContact(ann)
    let id = try f.runningFlow(Fixture.emailFlow(trigger: Trigger(onlyOnce: true)))
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    #expect(try f.engine.participant("ann", in: id).reason?.code == .consentMissing)
    ann.consent = true
    f.engine.upsertContact(ann)
    // The only-once policy keeps the trigger out, but a person may re-enroll by hand.
    #expect(refusalCodes { try f.engine.enroll("ann", in: id) } == [.contactAlreadyStartedFlow])
    let again = try f.engine.reenroll("ann", in: id)
    #expect(again.status == .active)
    #expect(again.reason == nil)
    f.engine.advance()
    #expect(f.engine.pendingOutbox.map(\.idempotencyKey) == ["\(id)/ann/welcome/v1/2"])
  }

  @Test func reenrollmentOfParticipantStillInFlowIsRefused() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    #expect(refusalCodes { try f.engine.reenroll("ann", in: id) } == [.reenrollWhileInFlow])
    #expect(refusalCodes { try f.engine.reenroll("nobody", in: id) } == [.contactNotFound])
    f.addContacts("bob")
    #expect(refusalCodes { try f.engine.reenroll("bob", in: id) } == [.participantNotFound])
  }
}

@Suite("End and restart")
struct EndTests {
  @Test func endCancelsActiveAndQueuedParticipants() throws {
    var f = Fixture()
    f.addContacts("ann", "bob")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    try f.engine.pause(id)
    try f.engine.enroll("bob", in: id)
    #expect(try f.status("bob", in: id) == .queued)
    try f.engine.end(id)
    #expect(try f.status("ann", in: id) == .cancelled)
    #expect(try f.status("bob", in: id) == .cancelled)
    _ = f.engine.drainOutbox()
    f.pass(hours: 48)
    #expect(f.engine.pendingOutbox.isEmpty, "cancelled participants never continue")
  }

  @Test func restartAfterEndRunsOnlyNewParticipants() throws {
    var f = Fixture()
    f.addContacts("ann", "carl")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    try f.engine.end(id)
    _ = f.engine.drainOutbox()
    try f.engine.start(id)
    #expect(refusalCodes { try f.engine.enroll("ann", in: id) } == [.participantWasCancelled])
    #expect(refusalCodes { try f.engine.reenroll("ann", in: id) } == [.participantWasCancelled])
    try f.engine.enroll("carl", in: id)
    f.engine.advance()
    f.pass(hours: 25)
    #expect(try f.status("ann", in: id) == .cancelled)
    #expect(try f.status("carl", in: id) == .finished)
    #expect(Set(f.engine.pendingOutbox.map(\.contactId)) == ["carl"])
  }
}
