import FlowEngine
import Foundation
import HelpContent
import Localization
import TestSupport
import Testing

/// Random sequences of lifecycle actions, enrollments, edits, contact changes and clock
/// advances on the pure engine, with the engine's invariants checked after every step. A
/// failing sequence is shrunk (steps removed while it still fails) and printed with its seed.
@Suite("Engine properties")
struct EnginePropertyTests {
  static let sequences = 300
  static let stepsPerSequence = 60

  @Test func invariantsHoldAfterEveryStepOfRandomSequences() {
    for seed in 1...UInt64(Self.sequences) {
      var generator = SplitMix(state: seed)
      let operations = (0..<Self.stepsPerSequence).map { _ in Operation.random(using: &generator) }
      guard let failure = EngineModel.firstViolation(in: operations) else { continue }
      let shrunk = Shrinker.shrink(operations)
      Issue.record(
        """
        seed \(seed): \(failure)
        shrunk from \(operations.count) to \(shrunk.operations.count) steps; it fails at step \
        \(shrunk.failure.step + 1) with: \(shrunk.failure.message)
        \(shrunk.operations.enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n"))
        """)
      return
    }
  }

  /// The outbox check itself can fail: the same message twice is reported.
  @Test func theCheckerCatchesARepeatedOutboxMessage() {
    var seen = Set<String>()
    let message = OutboxMessage.sample
    #expect(EngineModel.outboxViolation([message], seen: &seen) == nil)
    #expect(EngineModel.outboxViolation([message], seen: &seen) != nil)
  }

  @Test func theShrinkerKeepsOnlyWhatTheFailureNeeds() {
    // The shrinker on a predicate of its own: the sequence "fails" at its start.
    let operations: [Operation] = [.advance(hours: 1), .lifecycle(.start, flow: 0), .advance(hours: 2)]
    let shrunk = Shrinker.shrink(operations) { candidate in
      candidate.firstIndex { if case .lifecycle(.start, _) = $0 { true } else { false } }
        .map { EngineModel.Failure(step: $0, message: "has a start") }
    }
    #expect(shrunk.operations == [.lifecycle(.start, flow: 0)])
  }
}

/// What the registry and the help content explain: every code, in every language.
enum Registry {
  static let index = HelpIndex.load(content: Paths.content, locales: Paths.locales).index

  /// Why `code` is not explained in all three languages, or nil.
  static func gap(_ code: FlowCode) -> String? {
    for language in Language.allCases {
      guard index.section(for: code, in: language) != nil else {
        return "\(code.id) has no help section in \(language.rawValue)"
      }
      let explanation = index.explain(code, in: language)
      if !explanation.fallbacks.isEmpty {
        return "\(code.id) falls back to English in \(language.rawValue) for \(explanation.fallbacks)"
      }
    }
    return nil
  }
}

/// One step of a generated sequence.
enum Operation: CustomStringConvertible, Equatable {
  case createFlow(variant: Int)
  case lifecycle(LifecycleAction, flow: Int)
  case edit(flow: Int, variant: Int, asReader: Bool)
  case enroll(contact: Int, flow: Int)
  case reenroll(contact: Int, flow: Int)
  case perform(action: String, contact: Int)
  case changeContact(contact: Int, change: ContactChange)
  case advance(hours: Double)

  enum ContactChange: String, CaseIterable, Equatable {
    case revokeConsent, grantConsent, unsubscribe, subscribe, removeEmail, shareEmail, bounce, formerEmployee,
      moveToSweden, moveToNetherlands, becomeCustomer, removeMobile
  }

  static let actions = ["emailOpened", "clicked"]

  static func random(using generator: inout SplitMix) -> Operation {
    let contact = Int.random(in: 0..<EngineModel.contactCount, using: &generator)
    let flow = Int.random(in: 0..<3, using: &generator)
    switch Int.random(in: 0..<100, using: &generator) {
    case 0..<6: return .createFlow(variant: Int.random(in: 0..<FlowVariants.all.count, using: &generator))
    case 6..<30:
      let actions: [LifecycleAction] = [.start, .pause, .resume, .end, .delete, .edit]
      return .lifecycle(actions.randomElement(using: &generator)!, flow: flow)
    case 30..<38:
      return .edit(
        flow: flow, variant: Int.random(in: 0..<FlowVariants.all.count, using: &generator),
        asReader: Int.random(in: 0..<5, using: &generator) == 0)
    case 38..<58: return .enroll(contact: contact, flow: flow)
    case 58..<62: return .reenroll(contact: contact, flow: flow)
    case 62..<68: return .perform(action: actions.randomElement(using: &generator)!, contact: contact)
    case 68..<80:
      return .changeContact(
        contact: contact, change: ContactChange.allCases.randomElement(using: &generator)!)
    default: return .advance(hours: [0, 0.5, 1, 6, 25, 24 * 8].randomElement(using: &generator)!)
    }
  }

  var description: String {
    switch self {
    case .createFlow(let variant): "create flow (variant \(variant))"
    case .lifecycle(let action, let flow): "\(action) flow \(flow)"
    case .edit(let flow, let variant, let asReader):
      "edit flow \(flow) to variant \(variant)\(asReader ? " as a reader" : "")"
    case .enroll(let contact, let flow): "enroll c\(contact) in flow \(flow)"
    case .reenroll(let contact, let flow): "re-enroll c\(contact) in flow \(flow)"
    case .perform(let action, let contact): "c\(contact) performs \(action)"
    case .changeContact(let contact, let change): "c\(contact): \(change.rawValue)"
    case .advance(let hours): "advance the clock \(hours) h and the engine"
    }
  }
}

/// Flow definitions the sequences create and edit to: every kind of step, and versions with
/// steps removed or a setting missing, so that edits and starts meet their guards.
enum FlowVariants {
  static let settings = FlowSettings(
    emailFrom: "news@example.com", emailReplyTo: "help@example.com", smsSender: "Flowdesk",
    subscriptionType: "newsletter")

  static let steps: [Step] = [
    Step(id: "hello", .sendEmail(SendEmail(subject: "Hello"))),
    Step(id: "await", .waitForAction(WaitForAction(action: "emailOpened", timeout: 7200))),
    Step(
      id: "split",
      .split(Split(branches: [Branch(id: "nl", condition: .property("country", .equals("NL")))]))),
    Step(id: "text", .sendSMS(SendSMS(text: "Hi"))),
    Step(id: "mark", .updateContact(UpdateContact(property: "welcomed", operation: .set("yes")))),
    Step(id: "rest", .waitTime(.duration(3600))),
    Step(id: "again", .sendEmail(SendEmail(subject: "Again"))),
    Step(id: "done", .finish(Finish())),
  ]

  static let all: [FlowDefinition] = [
    FlowDefinition(name: "Full", settings: settings, steps: steps),
    FlowDefinition(name: "No rest", settings: settings, steps: steps.filter { $0.id != "rest" }),
    FlowDefinition(
      name: "Short", settings: settings, trigger: Trigger(onlyOnce: true),
      successCriterion: .property("lifecycleStage", .equals("customer")),
      steps: steps.filter { ["hello", "rest", "done"].contains($0.id) }),
    FlowDefinition(
      name: "No reply-to",
      settings: FlowSettings(emailFrom: "news@example.com", subscriptionType: "newsletter"),
      steps: steps),
  ]
}

/// Runs a sequence on a fresh engine and checks the invariants after every step.
enum EngineModel {
  static let contactCount = 5

  struct Failure: Equatable, CustomStringConvertible {
    var step: Int
    var message: String
    var description: String { "step \(step + 1): \(message)" }
  }

  static func contact(_ index: Int) -> Contact {
    Contact(
      id: "c\(index)", email: "c\(index)@example.com", mobile: "+4670000000\(index)", consent: true,
      subscriptions: ["newsletter"], properties: ["country": index.isMultiple(of: 2) ? "NL" : "SE"])
  }

  static func firstViolation(in operations: [Operation]) -> Failure? {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_767_258_000))
    var engine = FlowEngine(clock: clock)
    var contacts = (0..<contactCount).map(contact)
    for contact in contacts { engine.upsertContact(contact) }
    var flowIds: [String] = []
    var seenMessages = Set<String>()

    for (step, operation) in operations.enumerated() {
      let before = snapshot(engine, flowIds)
      var refusal: Refusal?
      var exempt: (flow: String, contact: String)?
      var editedFrom: (flow: String, definition: FlowDefinition)?
      func flowId(_ index: Int) -> String { flowIds.isEmpty ? "flow-none" : flowIds[index % flowIds.count] }
      do {
        switch operation {
        case .createFlow(let variant):
          flowIds.append(try engine.createFlow(FlowVariants.all[variant]).id)
        case .lifecycle(let action, let flow):
          try engine.perform(action, on: flowId(flow))
        case .edit(let flow, let variant, let asReader):
          if let current = try? engine.flow(flowId(flow)) { editedFrom = (current.id, current.definition) }
          try engine.edit(
            flowId(flow), to: FlowVariants.all[variant], as: asReader ? .reader : .flowAdministrator)
        case .enroll(let contact, let flow):
          exempt = (flowId(flow), "c\(contact)")
          try engine.enroll("c\(contact)", in: flowId(flow))
        case .reenroll(let contact, let flow):
          exempt = (flowId(flow), "c\(contact)")
          try engine.reenroll("c\(contact)", in: flowId(flow))
        case .perform(let action, let contact):
          engine.recordAction(action, by: "c\(contact)")
        case .changeContact(let index, let change):
          apply(change, to: &contacts[index], sharing: contacts[(index + 1) % contactCount].email)
          engine.upsertContact(contacts[index])
        case .advance(let hours):
          clock.advance(by: hours * 3600)
          engine.advance()
        }
      } catch {
        refusal = error
      }
      if let refusal {
        if refusal.reasons.isEmpty { return Failure(step: step, message: "a refusal without a code") }
        for code in refusal.codes {
          if let gap = Registry.gap(code) {
            return Failure(step: step, message: "refusal \(refusal): \(gap)")
          }
        }
      }
      if let message = check(engine, flowIds, before: before, exempt: exempt, editedFrom: editedFrom) {
        return Failure(step: step, message: message)
      }
      if let message = outboxViolation(engine.drainOutbox(), seen: &seenMessages) {
        return Failure(step: step, message: message)
      }
    }
    return nil
  }

  static func apply(_ change: Operation.ContactChange, to contact: inout Contact, sharing other: String?) {
    switch change {
    case .revokeConsent: contact.consent = false
    case .grantConsent: contact.consent = true
    case .unsubscribe: contact.subscriptions = []
    case .subscribe: contact.subscriptions = ["newsletter"]
    case .removeEmail: contact.email = nil
    case .shareEmail: contact.email = other
    case .bounce: contact.emailBounced = true
    case .formerEmployee: contact.formerEmployee = true
    case .moveToSweden: contact.properties["country"] = "SE"
    case .moveToNetherlands: contact.properties["country"] = "NL"
    case .becomeCustomer: contact.lifecycleStage = .customer
    case .removeMobile: contact.mobile = nil
    }
  }

  struct FlowView {
    var status: FlowStatus
    var participants: [String: Participant]
  }

  static func snapshot(_ engine: FlowEngine, _ flowIds: [String]) -> [String: FlowView] {
    var views: [String: FlowView] = [:]
    for id in flowIds {
      guard let flow = try? engine.flow(id), let participants = try? engine.participants(in: id) else {
        continue
      }
      views[id] = FlowView(
        status: flow.status,
        participants: Dictionary(
          participants.map { ($0.contactId, $0) }, uniquingKeysWith: { first, _ in first }))
    }
    return views
  }

  static func check(
    _ engine: FlowEngine, _ flowIds: [String], before: [String: FlowView],
    exempt: (flow: String, contact: String)?,
    editedFrom: (flow: String, definition: FlowDefinition)?
  ) -> String? {
    for id in flowIds {
      guard let flow = try? engine.flow(id) else { continue }
      guard let participants = try? engine.participants(in: id),
        let counts = try? engine.participantCounts(in: id)
      else { return "\(id): participants cannot be read" }
      // Every participant is in exactly one status: one entry per contact, and a reason
      // exactly when dropped out.
      let ids = participants.map(\.contactId)
      if Set(ids).count != ids.count { return "\(id): a contact is listed twice: \(ids.sorted())" }
      for participant in participants where (participant.status == .droppedOut) != (participant.reason != nil)
      {
        return
          "\(id): \(participant.contactId) is \(participant.status) with reason \(String(describing: participant.reason))"
      }
      for participant in participants {
        if participant.status == .droppedOut, let code = participant.reason?.code,
          let gap = Registry.gap(code)
        {
          return "\(id): drop-out reason \(gap)"
        }
      }
      // The counts equal a recount.
      var recount: [ParticipantStatus: Int] = [:]
      for participant in participants { recount[participant.status, default: 0] += 1 }
      if counts.filter({ $0.value != 0 }) != recount {
        return "\(id): counts \(counts.filter { $0.value != 0 }) but a recount gives \(recount)"
      }
      // No participant of a flow paused before and after the step has moved.
      guard let old = before[id], old.status == .paused, flow.status == .paused else { continue }
      let removedSteps: Set<String> =
        editedFrom?.flow == id
        ? Set(editedFrom!.definition.steps.map(\.id)).subtracting(flow.definition.steps.map(\.id)) : []
      for participant in participants {
        if exempt?.flow == id && exempt?.contact == participant.contactId { continue }
        guard let earlier = old.participants[participant.contactId] else {
          return "\(id) is paused, yet \(participant.contactId) appeared as \(participant.status)"
        }
        let stepMayChange = earlier.stepId.map(removedSteps.contains) ?? false
        if earlier.status != participant.status || (!stepMayChange && earlier.stepId != participant.stepId) {
          return
            "\(id) is paused, yet \(participant.contactId) moved from \(earlier.status) at \(earlier.stepId ?? "-") to \(participant.status) at \(participant.stepId ?? "-")"
        }
      }
    }
    return nil
  }

  /// A message whose idempotency key was already sent, or nil.
  static func outboxViolation(_ messages: [OutboxMessage], seen: inout Set<String>) -> String? {
    for message in messages where !seen.insert(message.idempotencyKey).inserted {
      return "outbox message \(message.idempotencyKey) was sent again"
    }
    return nil
  }
}

/// Removes steps from a failing sequence while it still fails: first halves, then single steps.
enum Shrinker {
  static func shrink(
    _ operations: [Operation],
    failing: ([Operation]) -> EngineModel.Failure? = EngineModel.firstViolation
  ) -> (operations: [Operation], failure: EngineModel.Failure) {
    guard var failure = failing(operations) else { preconditionFailure("the sequence does not fail") }
    // Nothing after the failing step matters.
    var current = Array(operations.prefix(failure.step + 1))
    var chunk = max(current.count / 2, 1)
    while chunk >= 1 {
      var start = 0
      var removedAny = false
      while start < current.count {
        var candidate = current
        candidate.removeSubrange(start..<min(start + chunk, current.count))
        if let next = failing(candidate) {
          current = Array(candidate.prefix(next.step + 1))
          failure = next
          removedAny = true
        } else {
          start += chunk
        }
      }
      if !removedAny { chunk /= 2 }
    }
    return (current, failure)
  }
}

extension OutboxMessage {
  static let sample = OutboxMessage(
    idempotencyKey: "flow-1/c0/hello/1", channel: .email, flowId: "flow-1", contactId: "c0", stepId: "hello",
    attempt: 1, to: "c0@example.com", from: "news@example.com", replyTo: "help@example.com", subject: "Hello",
    body: nil, createdAt: Date(timeIntervalSince1970: 0))
}
