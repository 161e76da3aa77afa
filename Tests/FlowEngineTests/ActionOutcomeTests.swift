import FlowEngine
import Foundation
import Testing

@Suite("Action outcomes")
struct ActionOutcomeTests {
  /// Runs a single step for a contact, then a finish step; returns the history codes and final status.
  func outcome(
    of action: StepAction, settings: FlowSettings = Fixture.completeSettings,
    contact change: (inout Contact) -> Void = { _ in }
  ) throws -> (codes: [FlowCode], status: ParticipantStatus, fixture: Fixture) {
    var f = Fixture()
    var contact = Fixture.reachableContact("ann")
    change(&contact)
    f.engine.upsertContact(contact)
    let definition = FlowDefinition(
      name: "One step", settings: settings,
      steps: [Step(id: "act", action), Step(id: "end", .finish(Finish()))])
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    return (try f.engine.history(of: id).map(\.code), try f.status("ann", in: id), f)
  }

  let setCompanyIndustry = StepAction.updateContact(
    UpdateContact(property: "industry", operation: .set("retail"), target: .company))

  @Test func actionErrorIsRecordedAndParticipantGoesOn() throws {
    let result = try outcome(of: setCompanyIndustry)
    #expect(result.codes == [.noAssociatedRecord])
    #expect(result.status == .finished)
  }

  @Test func setOnCompanyWorksWhenContactHasOne() throws {
    let result = try outcome(of: setCompanyIndustry) { $0.companyId = "acme" }
    #expect(result.codes.isEmpty)
    #expect(result.fixture.engine.company("acme")?["industry"] == "retail")
  }

  @Test func copyFromCompanyNeedsACompany() throws {
    let copy = StepAction.updateContact(
      UpdateContact(property: "industry", operation: .copy(from: "company.industry")))
    #expect(try outcome(of: copy).codes == [.contactHasNoCompany])
  }

  @Test func lifecycleStageOnlyMovesForward() throws {
    let toLead = StepAction.updateContact(UpdateContact(property: "lifecycleStage", operation: .set("lead")))
    let backwards = try outcome(of: toLead) { $0.lifecycleStage = .customer }
    #expect(backwards.codes == [.lifecycleStageBackwards])
    #expect(backwards.fixture.engine.contact("ann")?.lifecycleStage == .customer)
    let forwards = try outcome(of: toLead) { $0.lifecycleStage = .subscriber }
    #expect(forwards.codes.isEmpty)
    #expect(forwards.fixture.engine.contact("ann")?.lifecycleStage == .lead)
  }

  @Test func clearingLifecycleStageFirstAllowsSettingItBack() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.lifecycleStage = .customer
    f.engine.upsertContact(ann)
    let definition = FlowDefinition(
      name: "Reset", settings: Fixture.completeSettings,
      steps: [
        Step(id: "clear", .updateContact(UpdateContact(property: "lifecycleStage", operation: .clear))),
        Step(id: "set", .updateContact(UpdateContact(property: "lifecycleStage", operation: .set("lead")))),
      ])
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    #expect(try f.engine.history(of: id).isEmpty)
    #expect(f.engine.contact("ann")?.lifecycleStage == .lead)
  }

  let email = StepAction.sendEmail(SendEmail(subject: "News"))

  @Test func emailToNonMarketingContactIsAnActionError() throws {
    let result = try outcome(of: email) { $0.marketingContact = false }
    #expect(result.codes == [.nonMarketingContact])
    #expect(result.status == .finished)
    #expect(result.fixture.engine.pendingOutbox.isEmpty)
  }

  @Test func emailOwnSubscriptionTypeUnsubscribedIsAnActionError() throws {
    let promo = StepAction.sendEmail(SendEmail(subject: "Sale", subscriptionType: "promotions"))
    #expect(try outcome(of: promo).codes == [.previouslyUnsubscribed])
  }

  @Test func recordErrorPolicyTurnsUnreachableDropOutsIntoActionErrors() throws {
    var settings = Fixture.completeSettings
    settings.unreachableEmail = .recordError
    let unsubscribed = try outcome(of: email, settings: settings) { $0.subscriptions = [] }
    #expect(unsubscribed.codes == [.previouslyUnsubscribed])
    #expect(unsubscribed.status == .finished)
    let bounced = try outcome(of: email, settings: settings) { $0.emailBounced = true }
    #expect(bounced.codes == [.previouslyHardBounced])
    #expect(bounced.status == .finished)
  }

  @Test func graymailIsSuppressedOnlyWhenBothSettingsAreOn() throws {
    var settings = Fixture.completeSettings
    settings.graymailSuppression = true
    #expect(try outcome(of: email, settings: settings) { $0.unengaged = true }.codes == [.graymailSuppressed])
    let stepOff = StepAction.sendEmail(SendEmail(subject: "News", suppressUnengaged: false))
    #expect(try outcome(of: stepOff, settings: settings) { $0.unengaged = true }.codes.isEmpty)
    #expect(try outcome(of: email) { $0.unengaged = true }.codes.isEmpty)
  }

  @Test func sentEmailLandsInOutboxWithIdempotencyKey() throws {
    let result = try outcome(of: email)
    let message = try #require(result.fixture.engine.pendingOutbox.first)
    #expect(message.channel == .email)
    #expect(message.to == "ann@example.com")
    #expect(message.from == "news@example.com")
    #expect(message.replyTo == "help@example.com")
    #expect(message.idempotencyKey == "flow-1/ann/act/v1/1")
  }

  @Test func actionOutsideTimeWindowIsRescheduledToNextAllowedTime() throws {
    var settings = Fixture.completeSettings
    // 09:00 UTC on a Thursday is 10:00 in Amsterdam; the window opens at 13:00 there.
    settings.timeWindow = TimeWindow(timeZone: "Europe/Amsterdam", start: "13:00", end: "17:00")
    var f = Fixture()
    f.addContacts("ann")
    let definition = FlowDefinition(
      name: "Windowed", settings: settings,
      steps: [Step(id: "act", .sendEmail(SendEmail(subject: "Hi"))), Step(id: "end", .finish(Finish()))])
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    let event = try #require(try f.engine.history(of: id).first)
    #expect(event.code == .rescheduledOutsideTimeWindow)
    #expect(event.kind == .reschedule)
    #expect(event.message.parameters["time"] == "2026-01-01T13:00:00+01:00")
    #expect(f.engine.pendingOutbox.isEmpty)
    #expect(try f.engine.participant("ann", in: id).due == Date(timeIntervalSince1970: 1_767_268_800))
    f.pass(hours: 2.9)
    #expect(f.engine.pendingOutbox.isEmpty)
    f.pass(hours: 0.1)
    #expect(f.engine.pendingOutbox.count == 1, "runs at the next allowed time")
    #expect(try f.status("ann", in: id) == .finished)
  }

  @Test func timeWindowSkipsDaysNotInTheWindow() {
    let window = TimeWindow(timeZone: "UTC", start: "09:00", end: "17:00", days: [1, 2, 3, 4, 5])
    let fridayEvening = Date(timeIntervalSince1970: 1_767_376_800)  // 2026-01-02 18:00 UTC
    #expect(!window.contains(fridayEvening))
    let mondayMorning = Date(timeIntervalSince1970: 1_767_603_600)  // 2026-01-05 09:00 UTC
    #expect(window.nextAllowed(after: fridayEvening) == mondayMorning)
  }
}

@Suite("Flow history")
struct HistoryTests {
  func flowWithAnError() throws -> (Fixture, String) {
    var f = Fixture()
    f.engine.upsertContact(
      Contact(id: "ann", email: "a@example.com", consent: true, subscriptions: ["newsletter"]))
    let definition = FlowDefinition(
      name: "Company", settings: Fixture.completeSettings,
      steps: [
        Step(id: "set", .updateContact(UpdateContact(property: "x", operation: .set("y"), target: .company)))
      ])
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    return (f, id)
  }

  @Test func historyKeepsEventsWithTimeParticipantStepCodeAndParameters() throws {
    let (f, id) = try flowWithAnError()
    let event = try #require(try f.engine.history(of: id).first)
    #expect(event.time == f.clock.now)
    #expect(event.contactId == "ann")
    #expect(event.stepId == "set")
    #expect(event.message == CodedMessage(.noAssociatedRecord, ["step": "set", "property": "x"]))
  }

  @Test func historyKeepsEventsForNinetyDays() throws {
    var (f, id) = try flowWithAnError()
    f.clock.advance(by: 89 * 86_400)
    #expect(try f.engine.history(of: id).count == 1)
    f.clock.advance(by: 86_400 + 1)
    #expect(try f.engine.history(of: id).isEmpty)
    f.engine.pruneHistory()
    #expect(try f.engine.history(of: id).isEmpty)
  }

  @Test func flowIsListedWithErrorsWhileNewestErrorIsUnderSevenDaysOld() throws {
    var (f, id) = try flowWithAnError()
    #expect(f.engine.flowsWithErrors().map(\.flowId) == [id])
    f.clock.advance(by: 6 * 86_400)
    // A new error a day before the list would drop the flow keeps it for another seven days.
    f.engine.upsertContact(
      Contact(id: "bob", email: "b@example.com", consent: true, subscriptions: ["newsletter"]))
    try f.engine.enroll("bob", in: id)
    f.engine.advance()
    f.clock.advance(by: 6 * 86_400)
    #expect(f.engine.flowsWithErrors().first?.errorCount == 2)
    f.clock.advance(by: 86_400)
    #expect(f.engine.flowsWithErrors().isEmpty)
  }

  @Test func dropOutsAndSkipsDoNotPutAFlowOnTheErrorsList() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.consent = false
    f.engine.upsertContact(ann)
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    #expect(try f.engine.history(of: id).count == 1)
    #expect(f.engine.flowsWithErrors().isEmpty)
  }
}
