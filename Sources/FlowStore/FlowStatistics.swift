import FlowEngine
import Foundation

/// A flow's figures, as a marketing-automation tool shows them: its participants and its
/// messages, for the whole flow and for each step. Counted by the store, from what it keeps.
public struct FlowStatistics: Sendable, Hashable {
  public var flowId: String
  public var participants: ParticipantFigures
  public var messages: MessageFigures
  /// The flow's steps in the definition's order, then any step that is no longer in the
  /// definition but still has participants or messages.
  public var steps: [StepFigures]

  public init(
    flowId: String, participants: ParticipantFigures = .init(), messages: MessageFigures = .init(),
    steps: [StepFigures] = []
  ) {
    self.flowId = flowId
    self.participants = participants
    self.messages = messages
    self.steps = steps
  }
}

/// The figures of one step: the participants who are at it or left the flow at it, and the
/// messages it wrote.
public struct StepFigures: Sendable, Hashable {
  public var stepId: String
  /// The step's type (`sendEmail`, `waitTime`, ...), nil for a step no longer in the definition.
  public var type: String?
  public var participants: ParticipantFigures
  public var messages: MessageFigures

  public init(
    stepId: String, type: String? = nil, participants: ParticipantFigures = .init(),
    messages: MessageFigures = .init()
  ) {
    self.stepId = stepId
    self.type = type
    self.participants = participants
    self.messages = messages
  }
}

/// Participants by status. Each contact counts once, in its current status, however often it
/// was enrolled by hand; an erased contact still counts.
public struct ParticipantFigures: Sendable, Hashable {
  /// Participants per status; a status nobody is in may be missing.
  public var byStatus: [ParticipantStatus: Int]
  /// Participants who dropped out, per reason code (`FD2007`, ...).
  public var droppedOutByReason: [String: Int]

  public init(byStatus: [ParticipantStatus: Int] = [:], droppedOutByReason: [String: Int] = [:]) {
    self.byStatus = byStatus
    self.droppedOutByReason = droppedOutByReason
  }

  /// Every participant, whatever their status.
  public var enrolled: Int { byStatus.values.reduce(0, +) }

  public subscript(status: ParticipantStatus) -> Int { byStatus[status] ?? 0 }

  /// Adds another set of figures to these.
  public mutating func add(_ other: ParticipantFigures) {
    byStatus.merge(other.byStatus, uniquingKeysWith: +)
    droppedOutByReason.merge(other.droppedOutByReason, uniquingKeysWith: +)
  }
}

/// Messages by what became of them. Each counts messages, not events: a message opened twice
/// is one opened message.
public struct MessageFigures: Sendable, Hashable {
  /// Written to the outbox and not yet taken by the receiver.
  public var pending = 0
  /// Taken by the receiver (it answered 2xx), or reported on by the provider since.
  public var sent = 0
  /// Not sent: refused by the receiver, or every attempt failed.
  public var dead = 0
  /// Reported delivered by the provider; an opened or clicked message was delivered too.
  public var delivered = 0
  /// Reported opened; a clicked message was opened too.
  public var opened = 0
  public var clicked = 0
  /// Reported bounced, hard or soft.
  public var bounced = 0
  /// Reported as spam by the recipient.
  public var complained = 0
  public var unsubscribed = 0

  public init(
    pending: Int = 0, sent: Int = 0, dead: Int = 0, delivered: Int = 0, opened: Int = 0, clicked: Int = 0,
    bounced: Int = 0, complained: Int = 0, unsubscribed: Int = 0
  ) {
    self.pending = pending
    self.sent = sent
    self.dead = dead
    self.delivered = delivered
    self.opened = opened
    self.clicked = clicked
    self.bounced = bounced
    self.complained = complained
    self.unsubscribed = unsubscribed
  }

  /// Adds another set of figures to these.
  public mutating func add(_ other: MessageFigures) {
    pending += other.pending
    sent += other.sent
    dead += other.dead
    delivered += other.delivered
    opened += other.opened
    clicked += other.clicked
    bounced += other.bounced
    complained += other.complained
    unsubscribed += other.unsubscribed
  }
}
