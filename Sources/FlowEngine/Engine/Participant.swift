import Foundation

/// One contact's way through one flow.
public struct Participant: Sendable, Hashable, Codable {
  public var contactId: String
  public internal(set) var status: ParticipantStatus
  /// Why the participant dropped out; set exactly when `status` is `droppedOut`.
  public internal(set) var reason: CodedMessage?
  /// The step the participant is at (or was at when it left), nil while queued.
  public internal(set) var stepId: String?
  /// When the participant is due to be advanced next.
  public internal(set) var due: Date?
  /// When the participant entered its current step.
  public internal(set) var enteredStepAt: Date?
  public internal(set) var enrolledAt: Date
  /// Counts enrollments; a manual re-enrollment starts a new attempt.
  public internal(set) var attempt: Int
  /// Whether the participant waits at its current step (a wait, or a reschedule).
  public internal(set) var isWaiting: Bool
  /// Branches taken at splits: split step id to branch id.
  public internal(set) var branches: [String: String]
  /// Actions performed by the contact while in the flow.
  public internal(set) var performedActions: Set<String>
  /// The email address this participant holds in the flow, if any.
  var emailClaim: String?
  /// Identifies the participant's live entry in its flow's schedule.
  var scheduleToken: UInt64

  /// Rebuilds a participant from what a store kept, field by field.
  public init(
    restoring contactId: String, status: ParticipantStatus, reason: CodedMessage?, stepId: String?,
    due: Date?,
    enteredStepAt: Date?, enrolledAt: Date, attempt: Int, isWaiting: Bool, branches: [String: String],
    performedActions: Set<String>, emailClaim: String?, scheduleToken: UInt64
  ) {
    self.contactId = contactId
    self.status = status
    self.reason = reason
    self.stepId = stepId
    self.due = due
    self.enteredStepAt = enteredStepAt
    self.enrolledAt = enrolledAt
    self.attempt = attempt
    self.isWaiting = isWaiting
    self.branches = branches
    self.performedActions = performedActions
    self.emailClaim = emailClaim
    self.scheduleToken = scheduleToken
  }

  /// The email address this participant holds in the flow, for stores.
  public var heldEmailAddress: String? { emailClaim }
  /// The participant's place in its flow's schedule order, for stores.
  public var scheduleOrder: UInt64 { scheduleToken }

  /// Moves onto `stepId` at `now`; returns the step it was at and the one it is at now.
  mutating func enter(_ stepId: String, at now: Date) -> (from: String?, to: String) {
    defer {
      self.stepId = stepId
      enteredStepAt = now
      isWaiting = false
    }
    return (self.stepId, stepId)
  }

  /// Leaves the flow with a final status: no step to wait at, no place in the schedule, no
  /// address held.
  mutating func leave(as status: ParticipantStatus, reason: CodedMessage?) {
    self.status = status
    self.reason = reason
    emailClaim = nil
    due = nil
    isWaiting = false
    scheduleToken = 0
  }

  /// Due at `date`, under the schedule entry `token`.
  mutating func schedule(at date: Date, token: UInt64) {
    scheduleToken = token
    due = date
  }

  /// Orders queued participants: by enrollment, and among those enrolled at the same moment,
  /// by the token given when they were queued.
  var queueOrder: (Date, UInt64, String) { (enrolledAt, scheduleToken, contactId) }

  init(contactId: String, status: ParticipantStatus, enrolledAt: Date, attempt: Int) {
    self.contactId = contactId
    self.status = status
    self.enrolledAt = enrolledAt
    self.attempt = attempt
    self.isWaiting = false
    self.branches = [:]
    self.performedActions = []
    self.scheduleToken = 0
  }
}

/// Something that happened to a participant and that flow history keeps: an action error,
/// a drop-out, a skip or a reschedule.
public struct HistoryEvent: Sendable, Hashable, Codable {
  public var time: Date
  public var flowId: String
  public var contactId: String
  public var stepId: String?
  public var message: CodedMessage

  public init(time: Date, flowId: String, contactId: String, stepId: String?, message: CodedMessage) {
    self.time = time
    self.flowId = flowId
    self.contactId = contactId
    self.stepId = stepId
    self.message = message
  }

  public var code: FlowCode { message.code }
  public var kind: CodeKind { message.code.kind }
}

/// A message the engine sends, written to the outbox in the same step that advances the participant.
public struct OutboxMessage: Sendable, Hashable, Codable {
  public enum Channel: String, Sendable, Hashable, Codable { case email, sms }

  /// Unique per flow, participant, step and attempt: a message is sent at most once.
  public var idempotencyKey: String
  public var channel: Channel
  public var flowId: String
  public var contactId: String
  public var stepId: String
  public var attempt: Int
  public var to: String
  public var from: String?
  public var replyTo: String?
  public var subject: String?
  /// The text body.
  public var body: String?
  public var html: String?
  /// The language of the variant that was sent.
  public var language: String?
  public var createdAt: Date

  public init(
    idempotencyKey: String, channel: Channel, flowId: String, contactId: String, stepId: String, attempt: Int,
    to: String, from: String?, replyTo: String?, subject: String?, body: String?, html: String? = nil,
    language: String? = nil, createdAt: Date
  ) {
    self.html = html
    self.language = language
    self.idempotencyKey = idempotencyKey
    self.channel = channel
    self.flowId = flowId
    self.contactId = contactId
    self.stepId = stepId
    self.attempt = attempt
    self.to = to
    self.from = from
    self.replyTo = replyTo
    self.subject = subject
    self.body = body
    self.createdAt = createdAt
  }
}

/// What a caller sees of a flow.
public struct FlowSnapshot: Sendable, Hashable {
  public var id: String
  public var version: Int
  public var status: FlowStatus
  public var definition: FlowDefinition
}

extension OutboxMessage {
  /// The key of a participant's message at a step: `flow/contact/step/vVERSION/attempt`, with
  /// each `%` and `/` in the flow, contact and step ids written `%25` and `%2F`. Contact and
  /// step ids may hold a `/`; unescaped, contact `k/hello` at step `hello` and contact `k` at
  /// step `hello/hello` had the same key, and the second participant's message could not be
  /// stored. Ids without either character give the key they always gave.
  public static func idempotencyKey(flow: String, contact: String, step: String, version: Int, attempt: Int)
    -> String
  {
    "\(keyPart(flow))/\(keyPart(contact))/\(keyPart(step))/v\(version)/\(attempt)"
  }

  private static func keyPart(_ id: String) -> String {
    guard id.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "%") }) else { return id }
    var escaped = ""
    for scalar in id.unicodeScalars {
      switch scalar {
      case "%": escaped += "%25"
      case "/": escaped += "%2F"
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped
  }

  /// The message's public id: `msg_` and its idempotency key in unpadded base64url. It is the
  /// same for every attempt (the webhook's `webhook-id`), safe in a header and a path, and
  /// turns back into the key without a lookup table.
  public var messageId: String { Self.messageId(forKey: idempotencyKey) }

  public static func messageId(forKey key: String) -> String {
    // base64url without padding (RFC 4648, section 5), mapped byte by byte: Foundation's
    // `replacingOccurrences` goes through NSString and cost 8% of a delivery run's CPU.
    var id = Array("msg_".utf8)
    for byte in Data(key.utf8).base64EncodedString().utf8 {
      switch byte {
      case UInt8(ascii: "+"): id.append(UInt8(ascii: "-"))
      case UInt8(ascii: "/"): id.append(UInt8(ascii: "_"))
      case UInt8(ascii: "="): continue
      default: id.append(byte)
      }
    }
    return String(decoding: id, as: UTF8.self)
  }

  /// The idempotency key behind a message id, or nil when the text is not one.
  public static func idempotencyKey(forMessageId id: String) -> String? {
    guard id.hasPrefix("msg_"), id.count <= 2048 else { return nil }
    var bytes: [UInt8] = id.utf8.dropFirst(4).map { byte in
      switch byte {
      case UInt8(ascii: "-"): UInt8(ascii: "+")
      case UInt8(ascii: "_"): UInt8(ascii: "/")
      default: byte
      }
    }
    bytes += repeatElement(UInt8(ascii: "="), count: (4 - bytes.count % 4) % 4)
    let base64 = String(decoding: bytes, as: UTF8.self)
    guard let data = Data(base64Encoded: base64), let key = String(data: data, encoding: .utf8),
      messageId(forKey: key) == id
    else { return nil }
    return key
  }
}
