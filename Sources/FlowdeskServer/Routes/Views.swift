import FlowEngine
import FlowStore
import Foundation
import HelpContent
import Localization

/// The JSON shapes of the API.
struct FlowView: Encodable {
  let id: String
  let version: Int
  let status: StatusView
  let definition: FlowDefinition
  let participants: [String: Int]?

  enum Keys: String, CodingKey { case id, version, status, participants }

  func encode(to encoder: any Encoder) throws {
    // The definition's fields sit beside id, version and status.
    try definition.encode(to: encoder)
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(id, forKey: .id)
    try container.encode(version, forKey: .version)
    try container.encode(status, forKey: .status)
    try container.encodeIfPresent(participants, forKey: .participants)
  }
}

struct ReasonView: Encodable {
  let code: String
  let kind: String
  /// The localized title of the reason: the label a help-desk agent sees.
  let label: String
  let message: String
  let help: String?
}

struct ParticipantView: Encodable {
  let contactId: String
  let status: StatusView
  let stepId: String?
  let reason: ReasonView?
  let attempt: Int
  let enrolledAt: Date
  let due: Date?

  enum Keys: String, CodingKey { case contactId, status, stepId, reason, attempt, enrolledAt, due }

  /// Absent values are written as null, so every participant has the same keys.
  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(contactId, forKey: .contactId)
    try c.encode(status, forKey: .status)
    try c.encode(stepId, forKey: .stepId)
    try c.encode(reason, forKey: .reason)
    try c.encode(attempt, forKey: .attempt)
    try c.encode(enrolledAt, forKey: .enrolledAt)
    try c.encode(due, forKey: .due)
  }
}

struct EventView: Encodable {
  let time: Date
  let contactId: String
  let stepId: String?
  let code: String
  let kind: String
  let title: String
  let message: String
}

struct CodeView: Encodable {
  let code: String
  let kind: String
  let title: String
  let message: String
  let meaning: String?
  let resolution: [String]?
  let help: String?
  let language: String
  let retired: Bool
}

/// `GET /v1/flows/{id}/statistics`.
struct StatisticsView: Encodable {
  struct Reason: Encodable {
    let code: String
    /// The reason's localized title.
    let label: String
    let help: String?
    let count: Int
  }

  struct Participants: Encodable {
    let enrolled: Int
    let queued: Int
    let active: Int
    let finished: Int
    let finishedWithSuccess: Int
    let droppedOut: Int
    let cancelled: Int
    /// Most frequent first, then by code.
    let droppedOutByReason: [Reason]
  }

  struct Messages: Encodable {
    let pending: Int
    let sent: Int
    let dead: Int
    let delivered: Int
    let opened: Int
    let clicked: Int
    let bounced: Int
    let complained: Int
    let unsubscribed: Int
  }

  struct StepView: Encodable {
    let stepId: String
    let type: String?
    let participants: Participants
    let messages: Messages

    enum Keys: String, CodingKey { case stepId, type, participants, messages }

    /// A step no longer in the definition has a null type, not a missing one.
    func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: Keys.self)
      try c.encode(stepId, forKey: .stepId)
      try c.encode(type, forKey: .type)
      try c.encode(participants, forKey: .participants)
      try c.encode(messages, forKey: .messages)
    }
  }

  let flowId: String
  let participants: Participants
  let messages: Messages
  let steps: [StepView]
  let language: String
}

extension HelpService {
  func statistics(_ statistics: FlowStatistics, _ language: Language) -> StatisticsView {
    func participants(_ figures: ParticipantFigures) -> StatisticsView.Participants {
      let reasons = figures.droppedOutByReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
      return StatisticsView.Participants(
        enrolled: figures.enrolled, queued: figures[.queued], active: figures[.active],
        finished: figures[.finished], finishedWithSuccess: figures[.finishedWithSuccess],
        droppedOut: figures[.droppedOut], cancelled: figures[.cancelled],
        droppedOutByReason: reasons.map { code, count in
          guard let flowCode = FlowCode(rawValue: code) else {
            return StatisticsView.Reason(code: code, label: code, help: nil, count: count)
          }
          let explanation = index.explain(flowCode, in: language)
          return StatisticsView.Reason(
            code: code, label: explanation.title, help: explanation.helpPath, count: count)
        })
    }
    func messages(_ m: MessageFigures) -> StatisticsView.Messages {
      StatisticsView.Messages(
        pending: m.pending, sent: m.sent, dead: m.dead, delivered: m.delivered, opened: m.opened,
        clicked: m.clicked, bounced: m.bounced, complained: m.complained, unsubscribed: m.unsubscribed)
    }
    return StatisticsView(
      flowId: statistics.flowId, participants: participants(statistics.participants),
      messages: messages(statistics.messages),
      steps: statistics.steps.map {
        StatisticsView.StepView(
          stepId: $0.stepId, type: $0.type, participants: participants($0.participants),
          messages: messages($0.messages))
      },
      language: language.rawValue)
  }

  func reason(_ message: CodedMessage, _ language: Language) -> ReasonView {
    let explanation = index.explain(message, in: language)
    return ReasonView(
      code: explanation.code, kind: explanation.kind, label: explanation.title, message: explanation.message,
      help: explanation.helpPath)
  }

  func participant(_ p: Participant, _ language: Language) -> ParticipantView {
    ParticipantView(
      contactId: p.contactId, status: status(p.status, language), stepId: p.stepId,
      reason: p.reason.map { reason($0, language) }, attempt: p.attempt, enrolledAt: p.enrolledAt, due: p.due)
  }

  func event(_ e: HistoryEvent, _ language: Language) -> EventView {
    let explanation = index.explain(e.message, in: language)
    return EventView(
      time: e.time, contactId: e.contactId, stepId: e.stepId, code: e.code.id, kind: e.kind.rawValue,
      title: explanation.title, message: explanation.message)
  }

  func code(_ code: FlowCode, _ language: Language, full: Bool) -> CodeView {
    let explanation = index.explain(code, in: language)
    return CodeView(
      code: explanation.code, kind: explanation.kind, title: explanation.title, message: explanation.message,
      meaning: full ? explanation.meaning : nil, resolution: full ? explanation.resolution : nil,
      help: explanation.helpPath, language: explanation.language.rawValue, retired: explanation.retired)
  }
}
