import FlowEngine
import Foundation

/// Who did a lifecycle action or an edit, and when: the audit trail of a flow. It is kept
/// apart from the flow's history, so deleting a flow keeps the record of who deleted it.
public struct AuditEntry: Sendable, Hashable, Codable {
  public var id: Int64
  public var time: Date
  public var flowId: String
  /// `create`, `start`, `pause`, `resume`, `end`, `delete`, `edit`, `enroll`, `reenroll`.
  public var action: String
  /// The caller's right (`flowAdministrator` or `reader`) and the token's name.
  public var actorRole: String
  public var actorName: String
  /// The flow's definition version after the action, when the flow still exists.
  public var version: Int?

  public init(
    id: Int64 = 0, time: Date, flowId: String, action: String, actorRole: String, actorName: String,
    version: Int? = nil
  ) {
    self.id = id
    self.time = time
    self.flowId = flowId
    self.action = action
    self.actorRole = actorRole
    self.actorName = actorName
    self.version = version
  }
}

/// Where a page of a flow's participants starts: after this enrollment time and contact.
public struct ParticipantCursor: Sendable, Hashable {
  public var enrolledAt: Date
  public var contactId: String

  public init(enrolledAt: Date, contactId: String) {
    self.enrolledAt = enrolledAt
    self.contactId = contactId
  }

  /// An opaque text form for a URL: base64url of `seconds|contact`.
  public var token: String {
    let text = "\(enrolledAt.timeIntervalSince1970.bitPattern)|\(contactId)"
    return Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  public init?(token: String) {
    var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
      let bar = text.firstIndex(of: "|"), let bits = UInt64(text[..<bar])
    else { return nil }
    self.init(
      enrolledAt: Date(timeIntervalSince1970: Double(bitPattern: bits)),
      contactId: String(text[text.index(after: bar)...]))
  }
}

/// Filters of a page of participants.
public struct ParticipantFilter: Sendable, Hashable {
  public var status: ParticipantStatus?
  public var stepId: String?

  public init(status: ParticipantStatus? = nil, stepId: String? = nil) {
    self.status = status
    self.stepId = stepId
  }
}
