import FlowEngine
import Foundation

/// Where a message in the outbox stands.
public enum DeliveryStatus: String, Sendable, Hashable, Codable, CaseIterable {
  /// Not delivered yet: due now, or waiting for its next attempt.
  case pending
  /// The receiver answered 2xx.
  case delivered
  /// Not sent again on its own: the receiver refused it, or every attempt failed.
  case dead
}

/// An outbox message with its delivery state.
public struct OutboxEntry: Sendable, Hashable {
  public var message: OutboxMessage
  public var status: DeliveryStatus
  /// Attempts made so far; a claim counts as one.
  public var attempts: Int
  public var nextAttemptAt: Date?
  public var deliveredAt: Date?
  /// The last failure, with the code that explains it.
  public var lastError: CodedMessage?

  public init(
    message: OutboxMessage, status: DeliveryStatus, attempts: Int, nextAttemptAt: Date?, deliveredAt: Date?,
    lastError: CodedMessage?
  ) {
    self.message = message
    self.status = status
    self.attempts = attempts
    self.nextAttemptAt = nextAttemptAt
    self.deliveredAt = deliveredAt
    self.lastError = lastError
  }
}

/// What one delivery attempt came to.
public enum DeliveryOutcome: Sendable, Hashable {
  case delivered(at: Date)
  /// Failed; tried again from `at` on.
  case retry(at: Date, CodedMessage)
  /// Failed for good.
  case dead(CodedMessage)
}

/// Where a page of the outbox ends: the last message's creation time and key.
public struct OutboxCursor: Sendable, Hashable {
  public var createdAt: Date
  public var idempotencyKey: String

  public init(createdAt: Date, idempotencyKey: String) {
    self.createdAt = createdAt
    self.idempotencyKey = idempotencyKey
  }

  /// The opaque form a client passes back: the message id and the time, in base64url.
  public var token: String {
    let text = "\(createdAt.timeIntervalSince1970.bitPattern)|\(idempotencyKey)"
    return Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  public init?(token: String) {
    guard token.count <= 4096 else { return nil }
    var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
      let bar = text.firstIndex(of: "|"), let bits = UInt64(text[..<bar])
    else { return nil }
    let time = Double(bitPattern: bits)
    guard time.isFinite else { return nil }
    self.init(
      createdAt: Date(timeIntervalSince1970: time), idempotencyKey: String(text[text.index(after: bar)...]))
  }
}

/// What a delivery provider reports back about a message (`POST /v1/delivery-events`).
public struct DeliveryEvent: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    case delivered, bounced, complained, unsubscribed, opened, clicked
  }

  public enum Bounce: String, Sendable, Hashable, Codable, CaseIterable { case hard, soft }

  public var kind: Kind
  public var messageId: String
  /// When given, it must be the message's contact.
  public var contactId: String?
  /// For `bounced`; a bounce without it counts as hard.
  public var bounce: Bounce?
  /// When it happened, as the provider says; nil means when it is received.
  public var at: Date?

  public init(
    kind: Kind, messageId: String, contactId: String? = nil, bounce: Bounce? = nil, at: Date? = nil
  ) {
    self.kind = kind
    self.messageId = messageId
    self.contactId = contactId
    self.bounce = bounce
    self.at = at
  }

  /// The actions a wait-for-action step can wait for that this event performs: an open is
  /// `emailOpened` (`smsOpened`), a click is `emailClicked`, and a click implies an open.
  public func actions(on channel: OutboxMessage.Channel) -> [String] {
    switch kind {
    case .opened: ["\(channel.rawValue)Opened"]
    case .clicked: ["\(channel.rawValue)Clicked", "\(channel.rawValue)Opened"]
    default: []
    }
  }
}

/// What a delivery event changed: the contact fields and the actions it recorded. Empty when
/// it changed nothing (the same event again, a soft bounce, a delivery report).
public struct DeliveryEventResult: Sendable, Hashable {
  public var contactId: String
  public var changed: [String]
  public var actions: [String]
}

/// Which contacts a list shows.
public struct ContactFilter: Sendable, Hashable {
  /// The address, compared without regard to case.
  public var email: String?
  /// A language; `nl` also matches `nl-BE`.
  public var language: String?
  public var emailBounced: Bool?

  public init(email: String? = nil, language: String? = nil, emailBounced: Bool? = nil) {
    self.email = email
    self.language = language
    self.emailBounced = emailBounced
  }
}

/// What erasing a contact did.
public struct ContactErasure: Sendable, Hashable {
  public var contactId: String
  /// The flows the contact was in: each records the erasure in its audit trail.
  public var flows: [String]
  /// Pending messages that will not be sent.
  public var droppedMessages: Int
}

extension Contact {
  /// A history event's parameters with this contact's personal data (its address and
  /// number, and any `email` or `mobile` parameter) replaced by `placeholder`; nil when there
  /// is none. Every store erases history this way.
  func erasing(from parameters: [String: String], placeholder: String) -> [String: String]? {
    let personal = Set([email, mobile].compactMap { $0 }.filter { !$0.isEmpty })
    var erased = parameters
    for (key, value) in parameters where personal.contains(value) || key == "email" || key == "mobile" {
      erased[key] = placeholder
    }
    return erased == parameters ? nil : erased
  }
}
