import Foundation

/// One step of a flow. Steps run in order; a split's branch may jump forward to a later step.
public struct Step: Sendable, Hashable {
  public var id: String
  public var action: StepAction

  public init(id: String, _ action: StepAction) {
    self.id = id
    self.action = action
  }

  /// Steps that hold participants over time and so are protected from moves and removal.
  public var isGuarded: Bool {
    switch action {
    case .waitTime, .waitForAction, .split: true
    default: false
    }
  }

  /// Email, SMS and contact updates are actions: they obey the flow's time window.
  public var isTimedAction: Bool {
    switch action {
    case .sendEmail, .sendSMS, .updateContact: true
    default: false
    }
  }
}

/// What a step does.
public enum StepAction: Sendable, Hashable {
  case sendEmail(SendEmail)
  case sendSMS(SendSMS)
  case waitTime(WaitTime)
  case waitForAction(WaitForAction)
  case split(Split)
  case updateContact(UpdateContact)
  case finish(Finish)

  /// The name used for the step type in JSON and scenarios.
  public var typeName: String {
    switch self {
    case .sendEmail: "sendEmail"
    case .sendSMS: "sendSMS"
    case .waitTime: "waitTime"
    case .waitForAction: "waitForAction"
    case .split: "split"
    case .updateContact: "updateContact"
    case .finish: "finish"
    }
  }
}

/// A message's texts, each a Mustache template: `{{contact.firstName}}`.
public struct MessageContent: Sendable, Hashable, Codable {
  public var subject: String?
  public var text: String?
  /// Rendered with every value HTML-escaped.
  public var html: String?

  public init(subject: String? = nil, text: String? = nil, html: String? = nil) {
    self.subject = subject
    self.text = text
    self.html = html
  }

  /// This content, with what it leaves out taken from `fallback`.
  func over(_ fallback: MessageContent) -> MessageContent {
    MessageContent(
      subject: subject ?? fallback.subject, text: text ?? fallback.text, html: html ?? fallback.html)
  }
}

public struct SendEmail: Sendable, Hashable, Codable {
  public var subject: String
  public var text: String?
  public var html: String?
  /// Variants by language (BCP 47 tags); what a variant leaves out comes from the step's own
  /// subject, text and html, which are in the flow's default language.
  public var content: [String: MessageContent]
  /// The email's own subscription type; the flow's when absent.
  public var subscriptionType: String?
  /// Leave out unengaged contacts when the flow's graymail suppression is on too.
  public var suppressUnengaged: Bool

  public init(
    subject: String, text: String? = nil, html: String? = nil, content: [String: MessageContent] = [:],
    subscriptionType: String? = nil, suppressUnengaged: Bool = true
  ) {
    self.subject = subject
    self.text = text
    self.html = html
    self.content = content
    self.subscriptionType = subscriptionType
    self.suppressUnengaged = suppressUnengaged
  }

  public var base: MessageContent { MessageContent(subject: subject, text: text, html: html) }
}

public struct SendSMS: Sendable, Hashable, Codable {
  public var text: String
  /// Variants by language; only their text is used.
  public var content: [String: MessageContent]

  public init(text: String, content: [String: MessageContent] = [:]) {
    self.text = text
    self.content = content
  }

  public var base: MessageContent { MessageContent(text: text) }
}

/// Wait a duration, or until a date. A date that has passed when the participant
/// arrives is skipped (FD4001).
public enum WaitTime: Sendable, Hashable {
  case duration(TimeInterval)
  case until(Date)
}

/// Wait until the participant performs an action, at most `timeout`.
public struct WaitForAction: Sendable, Hashable {
  public static let defaultTimeout: TimeInterval = 7 * 24 * 3600
  public var action: String
  public var timeout: TimeInterval
  /// Leave the flow (FD2010) when the timeout passes; otherwise go on to the next step.
  public var exitOnTimeout: Bool

  public init(
    action: String, timeout: TimeInterval = WaitForAction.defaultTimeout, exitOnTimeout: Bool = false
  ) {
    self.action = action
    self.timeout = timeout
    self.exitOnTimeout = exitOnTimeout
  }
}

/// Ordered branches, checked from the left; the first whose condition matches is taken,
/// otherwise "everyone else".
public struct Split: Sendable, Hashable {
  public var branches: [Branch]
  /// Required: the branch for participants who match no other branch.
  public var everyoneElse: EveryoneElse?

  public init(branches: [Branch], everyoneElse: EveryoneElse? = EveryoneElse()) {
    self.branches = branches
    self.everyoneElse = everyoneElse
  }
}

public struct Branch: Sendable, Hashable, Codable {
  public var id: String
  public var condition: Condition
  /// The step to continue at; the step after the split when absent.
  public var next: String?

  public init(id: String, condition: Condition, next: String? = nil) {
    self.id = id
    self.condition = condition
    self.next = next
  }
}

public struct EveryoneElse: Sendable, Hashable, Codable {
  /// The step to continue at; the step after the split when absent.
  public var next: String?
  /// Participants who match no branch leave the flow (FD2009).
  public var exit: Bool

  public init(next: String? = nil, exit: Bool = false) {
    self.next = next
    self.exit = exit
  }
}

/// Set, copy or clear a property on the contact or on its company.
public struct UpdateContact: Sendable, Hashable {
  public enum Operation: Sendable, Hashable {
    case set(String)
    /// Copy from another property; `company.NAME` reads the contact's company.
    case copy(from: String)
    case clear
  }
  public enum Target: String, Sendable, Hashable, Codable {
    case contact, company
  }
  public var property: String
  public var operation: Operation
  public var target: Target

  public init(property: String, operation: Operation, target: Target = .contact) {
    self.property = property
    self.operation = operation
    self.target = target
  }
}

public struct Finish: Sendable, Hashable, Codable {
  /// Count the participant as a success (`finishedWithSuccess`).
  public var success: Bool
  public init(success: Bool = false) { self.success = success }
}
