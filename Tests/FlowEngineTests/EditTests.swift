import FlowEngine
import Foundation
import Testing

@Suite("Editing")
struct EditTests {
  @Test func runningFlowCannotBeEdited() throws {
    var f = Fixture()
    let id = try f.runningFlow()
    let definition = try f.engine.flow(id).definition
    #expect(
      refusalCodes { try f.engine.edit(id, to: definition, as: .flowAdministrator) } == [.editWhileRunning])
  }

  @Test func editNeedsFlowAdministratorRight() throws {
    var f = Fixture()
    let id = try f.engine.createFlow(Fixture.emailFlow()).id
    var definition = try f.engine.flow(id).definition
    definition.name = "Renamed"
    #expect(refusalCodes { try f.engine.edit(id, to: definition, as: .reader) } == [.editNeedsAdministrator])
    let edited = try f.engine.edit(id, to: definition, as: .flowAdministrator)
    #expect(edited.definition.name == "Renamed")
    #expect(edited.version == 2)
  }

  @Test func editWhilePausedAppliesOnlyToParticipantsWhoHaveNotPassedTheStep() throws {
    var f = Fixture()
    f.addContacts("early", "late")
    let id = try f.runningFlow()
    try f.engine.enroll("early", in: id)
    f.engine.advance()  // early waits in "wait", after "welcome"
    try f.engine.pause(id)
    try f.engine.enroll("late", in: id)  // queued, before "welcome"
    var definition = try f.engine.flow(id).definition
    definition.steps[0] = Step(id: "welcome", .sendEmail(SendEmail(subject: "Welcome, edited")))
    definition.steps[2] = Step(id: "followUp", .sendEmail(SendEmail(subject: "Follow-up, edited")))
    try f.engine.edit(id, to: definition, as: .flowAdministrator)
    try f.engine.resume(id)
    _ = f.engine.drainOutbox()
    f.engine.advance()
    f.pass(hours: 24)
    let subjects = f.engine.drainOutbox().map { "\($0.contactId): \($0.subject ?? "")" }
    #expect(
      subjects.sorted() == [
        "early: Follow-up, edited", "late: Follow-up, edited", "late: Welcome, edited",
      ])
  }

  @Test func changedWaitAppliesToParticipantsWaitingInIt() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    try f.engine.pause(id)
    var definition = try f.engine.flow(id).definition
    definition.steps[1] = Step(id: "wait", .waitTime(.duration(2 * 3600)))
    try f.engine.edit(id, to: definition, as: .flowAdministrator)
    try f.engine.resume(id)
    f.pass(hours: 2)
    #expect(try f.status("ann", in: id) == .finished)
  }

  @Test func guardedStepWithActiveParticipantsCannotBeRemovedOrMoved() throws {
    var f = Fixture()
    f.addContacts("ann")
    let id = try f.runningFlow()
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    try f.engine.pause(id)
    var removed = try f.engine.flow(id).definition
    removed.steps.remove(at: 1)
    #expect(
      refusalCodes { try f.engine.edit(id, to: removed, as: .flowAdministrator) } == [
        .stepHasActiveParticipants
      ])
    var moved = try f.engine.flow(id).definition
    moved.steps.swapAt(1, 2)
    #expect(
      refusalCodes { try f.engine.edit(id, to: moved, as: .flowAdministrator) } == [
        .stepHasActiveParticipants
      ])
    // An empty wait step may go.
    var other = try f.engine.flow(id).definition
    other.steps.insert(Step(id: "extraWait", .waitTime(.duration(60))), at: 3)
    try f.engine.edit(id, to: other, as: .flowAdministrator)
    other.steps.remove(at: 3)
    try f.engine.edit(id, to: other, as: .flowAdministrator)
    #expect(try f.engine.flow(id).version == 3)
  }

  @Test func unguardedStepCanBeRemovedAndItsParticipantsMoveOn() throws {
    var f = Fixture()
    f.addContacts("ann")
    var definition = Fixture.emailFlow()
    definition.settings.timeWindow = TimeWindow(timeZone: "UTC", start: "13:00", end: "14:00")
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()  // rescheduled: waits at "welcome" for the window
    #expect(try f.step("ann", in: id) == "welcome")
    try f.engine.pause(id)
    definition.steps.remove(at: 0)
    try f.engine.edit(id, to: definition, as: .flowAdministrator)
    try f.engine.resume(id)
    f.engine.advance()
    #expect(try f.step("ann", in: id) == "wait")
  }

  func splitFlow() -> FlowDefinition {
    FlowDefinition(
      name: "Split", settings: Fixture.completeSettings,
      steps: [
        Step(
          id: "split",
          .split(
            Split(branches: [
              Branch(id: "dutch", condition: .property("country", .equals("NL")), next: "nlWait"),
              Branch(id: "swedish", condition: .property("country", .equals("SE")), next: "seWait"),
            ]))),
        Step(id: "otherWait", .waitTime(.duration(3600))),
        Step(id: "nlWait", .waitTime(.duration(3600))),
        Step(id: "seWait", .waitTime(.duration(3600))),
      ])
  }

  @Test func everyoneElseBranchCannotBeRemoved() throws {
    var f = Fixture()
    let id = try f.engine.createFlow(splitFlow()).id
    var definition = splitFlow()
    definition.steps[0] = Step(
      id: "split",
      .split(
        Split(
          branches: [Branch(id: "dutch", condition: .property("country", .equals("NL")))], everyoneElse: nil))
    )
    #expect(
      refusalCodes { try f.engine.edit(id, to: definition, as: .flowAdministrator) } == [
        .everyoneElseBranchRequired
      ])
    #expect(refusalCodes { try f.engine.createFlow(definition) } == [.everyoneElseBranchRequired])
  }

  @Test func branchWithActiveParticipantsCannotBeRemoved() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.properties["country"] = "NL"
    f.engine.upsertContact(ann)
    let id = try f.runningFlow(splitFlow())
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    try f.engine.pause(id)
    var withoutDutch = splitFlow()
    withoutDutch.steps[0] = Step(
      id: "split",
      .split(
        Split(branches: [
          Branch(id: "swedish", condition: .property("country", .equals("SE")), next: "seWait")
        ])))
    #expect(
      refusalCodes { try f.engine.edit(id, to: withoutDutch, as: .flowAdministrator) } == [
        .branchHasActiveParticipants
      ])
    var withoutSwedish = splitFlow()
    withoutSwedish.steps[0] = Step(
      id: "split",
      .split(
        Split(branches: [Branch(id: "dutch", condition: .property("country", .equals("NL")), next: "nlWait")])
      ))
    try f.engine.edit(id, to: withoutSwedish, as: .flowAdministrator)
  }

  @Test func splitWithParticipantsInItsBranchesCannotBeRemoved() throws {
    var f = Fixture()
    var ann = Fixture.reachableContact("ann")
    ann.properties["country"] = "SE"
    f.engine.upsertContact(ann)
    let id = try f.runningFlow(splitFlow())
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    try f.engine.pause(id)
    var definition = splitFlow()
    definition.steps.remove(at: 0)
    #expect(
      refusalCodes { try f.engine.edit(id, to: definition, as: .flowAdministrator) } == [
        .stepHasActiveParticipants
      ])
  }

  @Test func structurallyInvalidDefinitionsAreRefused() {
    var f = Fixture()
    let duplicate = FlowDefinition(
      name: "Dup", steps: [Step(id: "a", .finish(Finish())), Step(id: "a", .finish(Finish()))])
    #expect(refusalCodes { try f.engine.createFlow(duplicate) } == [.invalidFlowDefinition])
    let backwards = FlowDefinition(
      name: "Back",
      steps: [
        Step(id: "a", .finish(Finish())),
        Step(
          id: "s", .split(Split(branches: [Branch(id: "b", condition: .performed(action: "x"), next: "a")]))),
      ])
    #expect(refusalCodes { try f.engine.createFlow(backwards) } == [.invalidFlowDefinition])
  }

  /// Every list of flows carries each name: one of a megabyte made `GET /v1/flows` answer
  /// tens of megabytes (found by probing the service).
  @Test func aFlowNameIsAtMostTwoHundredCharacters() throws {
    var f = Fixture()
    let longest = String(repeating: "é", count: FlowDefinition.maximumNameLength)
    _ = try f.engine.createFlow(FlowDefinition(name: longest, steps: [Step(id: "a", .finish(Finish()))]))
    do {
      _ = try f.engine.createFlow(
        FlowDefinition(name: longest + "x", steps: [Step(id: "a", .finish(Finish()))]))
      Issue.record("a name of 201 characters was accepted")
    } catch {
      #expect(error.codes == [.invalidFlowDefinition])
      #expect(error.reasons.first?.parameters["reason"] == "reason.nameTooLong")
      #expect(error.reasons.first?.parameters["count"] == "201")
    }
  }

  @Test func flowDefinitionRoundTripsThroughJSON() throws {
    var definition = EditTests().splitFlow()
    definition.steps += [
      Step(id: "mail", .sendEmail(SendEmail(subject: "Hi", subscriptionType: "news"))),
      Step(id: "sms", .sendSMS(SendSMS(text: "Hey"))),
      Step(id: "until", .waitTime(.until(Date(timeIntervalSince1970: 1_800_000_000)))),
      Step(id: "await", .waitForAction(WaitForAction(action: "emailOpened", exitOnTimeout: true))),
      Step(id: "copy", .updateContact(UpdateContact(property: "x", operation: .copy(from: "company.y")))),
      Step(id: "clear", .updateContact(UpdateContact(property: "lifecycleStage", operation: .clear))),
      Step(id: "end", .finish(Finish(success: true))),
    ]
    definition.successCriterion = .all([
      .not(.property("a", .exists(true))), .any([.property("b", .isIn(["1", "2"]))]),
    ])
    definition.settings.timeWindow = TimeWindow(
      timeZone: "Europe/Stockholm", start: "08:00", end: "18:00", days: [1, 2])
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    let decoded = try decoder.decode(FlowDefinition.self, from: encoder.encode(definition))
    #expect(decoded == definition)
  }
}
