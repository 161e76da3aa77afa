import FlowEngine
import Foundation
import Testing

@Suite("Lifecycle")
struct LifecycleTests {
  @Test func newFlowIsNotRunning() throws {
    var f = Fixture()
    let flow = try f.engine.createFlow(Fixture.emailFlow())
    #expect(flow.status == .notRunning)
    #expect(flow.version == 1)
  }

  @Test func startMakesFlowRunning() throws {
    var f = Fixture()
    let id = try f.runningFlow()
    #expect(try f.engine.flow(id).status == .running)
  }

  @Test func startReportsEveryMissingSettingAtOnce() throws {
    var f = Fixture()
    var definition = Fixture.emailFlow()
    definition.settings = FlowSettings()
    definition.steps.insert(Step(id: "text", .sendSMS(SendSMS(text: "Hi"))), at: 1)
    let id = try f.engine.createFlow(definition).id
    let codes = refusalCodes { try f.engine.start(id) }
    #expect(codes == [.missingEmailFrom, .missingEmailReplyTo, .missingSubscriptionType, .missingSmsSender])
    #expect(try f.engine.flow(id).status == .notRunning)
  }

  @Test func startNamesTheMissingSetting() throws {
    var f = Fixture()
    var definition = Fixture.emailFlow()
    definition.settings.emailReplyTo = nil
    let id = try f.engine.createFlow(definition).id
    do {
      try f.engine.start(id)
      Issue.record("start should be refused")
    } catch {
      #expect(error.reasons == [CodedMessage(.missingEmailReplyTo, ["setting": "emailReplyTo"])])
      #expect(error.reasons[0].englishMessage.contains("emailReplyTo"))
    }
  }

  @Test func flowWithoutStepsCannotStart() throws {
    var f = Fixture()
    let id = try f.engine.createFlow(FlowDefinition(name: "Empty")).id
    #expect(refusalCodes { try f.engine.start(id) } == [.flowHasNoSteps])
  }

  @Test func invalidTimeWindowBlocksStart() throws {
    var f = Fixture()
    var definition = Fixture.emailFlow()
    definition.settings.timeWindow = TimeWindow(timeZone: "Mars/Olympus", start: "09:00", end: "17:00")
    let id = try f.engine.createFlow(definition).id
    #expect(refusalCodes { try f.engine.start(id) } == [.invalidTimeWindow])
  }

  @Test func pauseMakesRunningFlowPaused() throws {
    var f = Fixture()
    let id = try f.runningFlow()
    #expect(try f.engine.pause(id).status == .paused)
  }

  @Test func resumeMakesPausedFlowRunning() throws {
    var f = Fixture()
    let id = try f.runningFlow()
    try f.engine.pause(id)
    #expect(try f.engine.resume(id).status == .running)
  }

  @Test func endMakesFlowNotRunning() throws {
    var f = Fixture()
    let id = try f.runningFlow()
    #expect(try f.engine.end(id).status == .notRunning)
  }

  @Test func endWorksFromPaused() throws {
    var f = Fixture()
    let id = try f.runningFlow()
    try f.engine.pause(id)
    #expect(try f.engine.end(id).status == .notRunning)
  }

  @Test func cannotDeleteRunningFlow() throws {
    var f = Fixture()
    let id = try f.runningFlow()
    do {
      try f.engine.delete(id)
      Issue.record("delete should be refused")
    } catch {
      #expect(error.codes == [.deleteWhileActive])
      #expect(error.reasons[0].parameters["status"] == "running")
    }
    #expect(try f.engine.flow(id).status == .running)
  }

  @Test func cannotDeletePausedFlow() throws {
    var f = Fixture()
    let id = try f.runningFlow()
    try f.engine.pause(id)
    #expect(refusalCodes { try f.engine.delete(id) } == [.deleteWhileActive])
  }

  @Test func pauseEndThenDeleteRemovesTheFlow() throws {
    var f = Fixture()
    let id = try f.runningFlow()
    try f.engine.pause(id)
    try f.engine.end(id)
    try f.engine.delete(id)
    #expect(refusalCodes { _ = try f.engine.flow(id) } == [.flowNotFound])
    #expect(!f.engine.flowIds.contains(id))
  }

  @Test func unknownFlowIsACodedRefusal() {
    var f = Fixture()
    #expect(refusalCodes { try f.engine.start("flow-404") } == [.flowNotFound])
    #expect(refusalCodes { try f.engine.enroll("x", in: "flow-404") } == [.contactNotFound])
  }

  /// Every (status, action) pair does what the lifecycle table says, or returns its coded refusal.
  @Test(arguments: FlowStatus.allCases, LifecycleAction.allCases)
  func lifecycleTableHoldsForEveryStatusAndAction(status: FlowStatus, action: LifecycleAction) throws {
    var f = Fixture()
    let id = try f.engine.createFlow(Fixture.emailFlow()).id
    switch status {
    case .notRunning: break
    case .running: try f.engine.start(id)
    case .paused:
      try f.engine.start(id)
      try f.engine.pause(id)
    }
    let expectedRefusal: FlowCode? =
      switch (status, action) {
      case (.running, .start): .flowAlreadyRunning
      case (.paused, .start): .startWhilePaused
      case (.notRunning, .pause): .pauseWhileNotRunning
      case (.paused, .pause): .flowAlreadyPaused
      case (.running, .resume): .resumeWhileRunning
      case (.notRunning, .resume): .resumeWhileNotRunning
      case (.notRunning, .end): .flowAlreadyEnded
      case (.running, .delete), (.paused, .delete): .deleteWhileActive
      case (.running, .edit): .editWhileRunning
      default: nil
      }
    #expect(FlowEngine.isAllowed(action, from: status) == (expectedRefusal == nil))
    let codes = refusalCodes { try f.engine.perform(action, on: id) }
    if let expectedRefusal {
      #expect(codes == [expectedRefusal])
      #expect(try f.engine.flow(id).status == status, "a refusal leaves the status as it was")
    } else {
      #expect(codes.isEmpty)
      let expectedStatus: FlowStatus? =
        switch action {
        case .start, .resume: .running
        case .pause: .paused
        case .end: .notRunning
        case .delete: nil
        case .edit: status
        }
      if let expectedStatus {
        #expect(try f.engine.flow(id).status == expectedStatus)
      } else {
        #expect(!f.engine.flowIds.contains(id))
      }
    }
  }
}
