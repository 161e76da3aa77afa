import FlowEngine
import Foundation

/// Builds engines, contacts and flows for the rule tests.
struct Fixture {
  let clock = ManualClock(Date(timeIntervalSince1970: 1_767_258_000))  // 2026-01-01 09:00 UTC, a Thursday
  var engine: FlowEngine

  init() {
    engine = FlowEngine(clock: clock)
  }

  static let completeSettings = FlowSettings(
    emailFrom: "news@example.com", emailReplyTo: "help@example.com", smsSender: "Flowdesk",
    subscriptionType: "newsletter")

  static func reachableContact(_ id: String) -> Contact {
    Contact(
      id: id, email: "\(id)@example.com", mobile: "+3161234\(id.count)", consent: true,
      subscriptions: ["newsletter"])
  }

  /// A flow: email, wait one day, email, finish.
  static func emailFlow(name: String = "Welcome", trigger: Trigger = Trigger(), success: Condition? = nil)
    -> FlowDefinition
  {
    FlowDefinition(
      name: name, settings: completeSettings, trigger: trigger, successCriterion: success,
      steps: [
        Step(id: "welcome", .sendEmail(SendEmail(subject: "Welcome"))),
        Step(id: "wait", .waitTime(.duration(86_400))),
        Step(id: "followUp", .sendEmail(SendEmail(subject: "How is it going?"))),
        Step(id: "done", .finish(Finish())),
      ])
  }

  mutating func addContacts(_ ids: String...) {
    for id in ids { engine.upsertContact(Self.reachableContact(id)) }
  }

  /// Creates and starts a flow, returning its id.
  mutating func runningFlow(_ definition: FlowDefinition = Fixture.emailFlow()) throws -> String {
    let id = try engine.createFlow(definition).id
    try engine.start(id)
    return id
  }

  func status(_ contact: String, in flow: String) throws -> ParticipantStatus {
    try engine.participant(contact, in: flow).status
  }

  func step(_ contact: String, in flow: String) throws -> String? {
    try engine.participant(contact, in: flow).stepId
  }

  /// Moves the clock and advances every due participant.
  mutating func pass(hours: Double) {
    clock.advance(by: hours * 3600)
    engine.advance()
  }
}

/// The codes a refusal carries, or an empty list when the call succeeded.
func refusalCodes(_ body: () throws -> Void) -> [FlowCode] {
  do {
    try body()
    return []
  } catch let refusal as Refusal {
    return refusal.codes
  } catch {
    return []
  }
}
