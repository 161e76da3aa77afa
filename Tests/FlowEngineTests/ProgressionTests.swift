import FlowEngine
import Foundation
import Testing

@Suite("Progression")
struct ProgressionTests {
  /// Enrolls a contact with the given changes into the standard email flow and advances once.
  func dropOutReason(settings: FlowSettings = Fixture.completeSettings, _ change: (inout Contact) -> Void)
    throws -> (ParticipantStatus, FlowCode?)
  {
    var f = Fixture()
    var contact = Fixture.reachableContact("ann")
    change(&contact)
    f.engine.upsertContact(contact)
    var definition = Fixture.emailFlow()
    definition.settings = settings
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    let participant = try f.engine.participant("ann", in: id)
    return (participant.status, participant.reason?.code)
  }

  @Test func formerEmployeeDropsOut() throws {
    #expect(try dropOutReason { $0.formerEmployee = true } == (.droppedOut, .formerEmployee))
  }

  @Test func consentIsCheckedBeforeEmailSteps() throws {
    #expect(try dropOutReason { $0.consent = false } == (.droppedOut, .consentMissing))
  }

  @Test func subscriptionIsCheckedBeforeEmailSteps() throws {
    #expect(try dropOutReason { $0.subscriptions = [] } == (.droppedOut, .notSubscribed))
  }

  @Test func emailAddressIsCheckedBeforeEmailSteps() throws {
    #expect(try dropOutReason { $0.email = "  " } == (.droppedOut, .noEmailAddress))
  }

  @Test func blockedAddressDropsOut() throws {
    #expect(try dropOutReason { $0.emailBounced = true } == (.droppedOut, .emailAddressBlocked))
  }

  @Test func preStepChecksRunInDocumentedOrder() throws {
    // Former employee comes before the email checks; consent before subscription before address.
    #expect(
      try dropOutReason {
        $0.formerEmployee = true
        $0.consent = false
      } == (.droppedOut, .formerEmployee))
    #expect(
      try dropOutReason {
        $0.consent = false
        $0.subscriptions = []
        $0.email = nil
      } == (.droppedOut, .consentMissing))
    #expect(
      try dropOutReason {
        $0.subscriptions = []
        $0.email = nil
      } == (.droppedOut, .notSubscribed))
    #expect(
      try dropOutReason {
        $0.email = nil
        $0.emailBounced = true
      } == (.droppedOut, .noEmailAddress))
  }

  @Test func successCriterionIsCheckedBeforeEveryStep() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow(Fixture.emailFlow(success: .property("bought", .equals("yes"))))
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    #expect(try f.step("ann", in: id) == "wait")
    var ann = try #require(f.engine.contact("ann"))
    ann.properties["bought"] = "yes"
    ann.formerEmployee = true  // success is checked before former employee
    f.engine.upsertContact(ann)
    f.pass(hours: 25)
    #expect(try f.status("ann", in: id) == .finishedWithSuccess)
    #expect(f.engine.pendingOutbox.count == 1, "the follow-up email is not sent")
  }

  @Test func exclusionListIsCheckedBeforeEveryStep() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    try f.engine.pause(id)
    var definition = try f.engine.flow(id).definition
    definition.trigger.exclusionList = ["ann"]
    try f.engine.edit(id, to: definition, as: .flowAdministrator)
    try f.engine.resume(id)
    f.pass(hours: 25)
    #expect(try f.engine.participant("ann", in: id).reason?.code == .excludedBeforeStep)
  }

  @Test func sameAddressCannotBeActiveTwiceInAFlow() throws {
    var f = Fixture()
    f.addContacts("ann")
    var twin = Fixture.reachableContact("twin")
    twin.email = "ANN@example.com"
    f.engine.upsertContact(twin)
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    try f.engine.enroll("twin", in: id)
    f.engine.advance()
    #expect(try f.status("ann", in: id) == .active)
    #expect(try f.engine.participant("twin", in: id).reason?.code == .emailAddressAlreadyActive)
    // Once ann has left, the address is free again.
    f.pass(hours: 25)
    #expect(try f.status("ann", in: id) == .finished)
    try f.engine.reenroll("twin", in: id)
    f.engine.advance()
    #expect(try f.step("twin", in: id) == "wait")
  }

  @Test func smsStepsNeedAMobileNumber() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.mobile = nil
    f.engine.upsertContact(ann)
    let definition = FlowDefinition(
      name: "Text", settings: Fixture.completeSettings,
      steps: [Step(id: "sms", .sendSMS(SendSMS(text: "Hi")))])
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    #expect(try f.engine.participant("ann", in: id).reason == CodedMessage(.noMobileNumber, ["step": "sms"]))
  }

  @Test func droppedOutParticipantAlwaysHasReasonAndHistoryEvent() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.consent = false
    f.engine.upsertContact(ann)
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    let history = try f.engine.history(of: id)
    #expect(history.map(\.code) == [.consentMissing])
    #expect(history[0].stepId == "welcome")
    #expect(history[0].contactId == "ann")
  }

  @Test func splitTakesFirstMatchingBranchFromTheLeft() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.properties = ["country": "NL", "vip": "yes"]
    f.engine.upsertContact(ann)
    let definition = FlowDefinition(
      name: "Split", settings: Fixture.completeSettings,
      steps: [
        Step(
          id: "split",
          .split(
            Split(branches: [
              Branch(id: "dutch", condition: .property("country", .equals("NL")), next: "nl"),
              Branch(id: "vip", condition: .property("vip", .equals("yes")), next: "vipStep"),
            ]))),
        Step(id: "other", .finish(Finish())),
        Step(id: "vipStep", .finish(Finish(success: true))),
        Step(id: "nl", .updateContact(UpdateContact(property: "branch", operation: .set("nl")))),
      ])
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    #expect(try f.engine.participant("ann", in: id).branches == ["split": "dutch"])
    #expect(f.engine.contact("ann")?.properties["branch"] == "nl")
    #expect(try f.status("ann", in: id) == .finished)
  }

  @Test func everyoneElseCanExitTheFlow() throws {
    var f = Fixture()
    f.addContacts("ann")
    let definition = FlowDefinition(
      name: "Split", settings: Fixture.completeSettings,
      steps: [
        Step(
          id: "split",
          .split(
            Split(
              branches: [Branch(id: "dutch", condition: .property("country", .equals("NL")))],
              everyoneElse: EveryoneElse(exit: true)))),
        Step(id: "end", .finish(Finish())),
      ])
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    #expect(try f.engine.participant("ann", in: id).reason?.code == .exitedAtSplit)
  }

  @Test func waitTimeHoldsUntilTheClockPassesIt() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    #expect(try f.step("ann", in: id) == "wait")
    f.pass(hours: 23.9)
    #expect(try f.step("ann", in: id) == "wait")
    f.pass(hours: 0.1)
    #expect(try f.status("ann", in: id) == .finished)
    #expect(f.engine.pendingOutbox.map(\.stepId) == ["welcome", "followUp"])
  }

  @Test func waitUntilPastDateIsSkipped() throws {
    var f = Fixture()
    f.addContacts("ann")
    let past = f.clock.now.addingTimeInterval(-3600)
    let definition = FlowDefinition(
      name: "Dated", settings: Fixture.completeSettings,
      steps: [Step(id: "until", .waitTime(.until(past))), Step(id: "done", .finish(Finish()))])
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    #expect(try f.status("ann", in: id) == .finished, "a skipped action lets the participant go on")
    let event = try #require(try f.engine.history(of: id).first)
    #expect(event.code == .actionDatePassed)
    #expect(event.kind == .skip)
    #expect(event.message.parameters["date"] == "2026-01-01T08:00:00Z")
  }

  @Test func waitUntilFutureDateWaits() throws {
    var f = Fixture()
    f.addContacts("ann")
    let later = f.clock.now.addingTimeInterval(7200)
    let definition = FlowDefinition(
      name: "Dated", settings: Fixture.completeSettings,
      steps: [Step(id: "until", .waitTime(.until(later))), Step(id: "done", .finish(Finish()))])
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.pass(hours: 1)
    #expect(try f.step("ann", in: id) == "until")
    f.pass(hours: 1)
    #expect(try f.status("ann", in: id) == .finished)
    #expect(try f.engine.history(of: id).isEmpty)
  }

  func waitForActionFlow(exitOnTimeout: Bool) -> FlowDefinition {
    FlowDefinition(
      name: "Opened?", settings: Fixture.completeSettings,
      steps: [
        Step(id: "await", .waitForAction(WaitForAction(action: "emailOpened", exitOnTimeout: exitOnTimeout))),
        Step(id: "done", .finish(Finish(success: true))),
      ])
  }

  @Test func waitForActionDefaultsToSevenDays() {
    #expect(WaitForAction(action: "x").timeout == 7 * 86_400)
  }

  @Test func waitForActionMovesOnWhenTheActionHappens() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow(waitForActionFlow(exitOnTimeout: true))
    try f.engine.enroll("ann", in: id)
    f.pass(hours: 2)
    #expect(try f.step("ann", in: id) == "await")
    f.engine.recordAction("emailOpened", by: "ann")
    f.engine.advance()
    #expect(try f.status("ann", in: id) == .finishedWithSuccess)
  }

  @Test func waitForActionExitsOnTimeoutWhenSet() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow(waitForActionFlow(exitOnTimeout: true))
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    f.pass(hours: 7 * 24 - 1)
    #expect(try f.status("ann", in: id) == .active)
    f.pass(hours: 1)
    #expect(try f.engine.participant("ann", in: id).reason?.code == .waitForActionTimedOut)
  }

  @Test func waitForActionGoesOnAfterTimeoutByDefault() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow(waitForActionFlow(exitOnTimeout: false))
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    f.pass(hours: 7 * 24)
    #expect(try f.status("ann", in: id) == .finishedWithSuccess)
  }

  @Test func finishStepSetsFinishedOrFinishedWithSuccess() throws {
    var f = Fixture()
    f.addContacts("ann", "bob")
    let plain = try f.runningFlow(
      FlowDefinition(name: "A", settings: Fixture.completeSettings, steps: [Step(id: "f", .finish(Finish()))])
    )
    let success = try f.runningFlow(
      FlowDefinition(
        name: "B", settings: Fixture.completeSettings, steps: [Step(id: "f", .finish(Finish(success: true)))])
    )
    try f.engine.enroll("ann", in: plain)
    try f.engine.enroll("bob", in: success)
    f.engine.advance()
    #expect(try f.status("ann", in: plain) == .finished)
    #expect(try f.status("bob", in: success) == .finishedWithSuccess)
  }

  @Test func pausedFlowFreezesParticipantsOnTheirStep() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    try f.engine.pause(id)
    f.pass(hours: 48)
    #expect(try f.step("ann", in: id) == "wait")
    try f.engine.resume(id)
    f.engine.advance()
    #expect(try f.status("ann", in: id) == .finished, "continues from where it was")
  }

  @Test func advanceIsDeterministicAndBatchable() throws {
    func run(batch: Int) throws -> [String] {
      var f = Fixture()
      for n in 0..<50 { f.addContacts("c\(n)") }
      let id = try f.runningFlow()
      for n in 0..<50 { try f.engine.enroll("c\(n)", in: id) }
      while f.engine.advance(limit: batch).moreDue {}
      f.clock.advance(by: 86_400)
      while f.engine.advance(limit: batch).moreDue {}
      return f.engine.drainOutbox().map(\.idempotencyKey)
    }
    let whole = try run(batch: .max)
    #expect(whole.count == 100)
    #expect(try run(batch: 7) == whole)
    #expect(Set(whole).count == whole.count, "every idempotency key is unique")
  }
}
