import Foundation

/// Steps in JSON are flat objects: `{"id": "s1", "type": "sendEmail", "subject": "Hi"}`.
extension Step: Codable {
  private enum Keys: String, CodingKey {
    case id, type, subject, subscriptionType, suppressUnengaged, text, html, content
    case hours, minutes, days, until
    case action, timeoutHours, exitOnTimeout
    case branches, everyoneElse
    case property, set, copyFrom, clear, target
    case success
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Keys.self)
    id = try c.decode(String.self, forKey: .id)
    let type = try c.decode(String.self, forKey: .type)
    switch type {
    case "sendEmail":
      action = .sendEmail(
        SendEmail(
          subject: try c.decode(String.self, forKey: .subject),
          text: try c.decodeIfPresent(String.self, forKey: .text),
          html: try c.decodeIfPresent(String.self, forKey: .html),
          content: try c.decodeIfPresent([String: MessageContent].self, forKey: .content) ?? [:],
          subscriptionType: try c.decodeIfPresent(String.self, forKey: .subscriptionType),
          suppressUnengaged: try c.decodeIfPresent(Bool.self, forKey: .suppressUnengaged) ?? true))
    case "sendSMS":
      action = .sendSMS(
        SendSMS(
          text: try c.decode(String.self, forKey: .text),
          content: try c.decodeIfPresent([String: MessageContent].self, forKey: .content) ?? [:]))
    case "waitTime":
      if let until = try c.decodeIfPresent(Date.self, forKey: .until) {
        action = .waitTime(.until(until))
      } else {
        var seconds = 0.0
        for (key, unit, maximum) in [
          (Keys.days, 86_400.0, 3650.0), (.hours, 3600, 87_600), (.minutes, 60, 5_256_000),
        ] {
          guard let value = try c.decodeIfPresent(Double.self, forKey: key) else { continue }
          guard value >= 0, value <= maximum else {
            throw FieldReason("numberOutOfRange", ["minimum": "0", "maximum": "\(Int(maximum))"])
              .decodingError(forKey: key, in: c)
          }
          seconds += value * unit
        }
        // Reads state the wait in hours: one too short to be more than zero hours (such as
        // 5e-324 minutes) would read back as a wait of 0, which is no wait.
        guard seconds > 0, seconds / 3600 > 0 else {
          throw FieldReason("waitNeedsDuration").decodingError(forKey: .hours, in: c)
        }
        guard seconds <= WaitTime.maximumDuration else {
          throw FieldReason("waitTooLong", ["maximum": "87600"]).decodingError(forKey: .hours, in: c)
        }
        action = .waitTime(.duration(seconds))
      }
    case "waitForAction":
      let hours = try c.decodeIfPresent(Double.self, forKey: .timeoutHours)
      if let hours, !(hours > 0 && hours <= 87_600) {
        throw FieldReason("numberOutOfRange", ["minimum": "0", "maximum": "87600"])
          .decodingError(forKey: .timeoutHours, in: c)
      }
      action = .waitForAction(
        WaitForAction(
          action: try c.decode(String.self, forKey: .action),
          timeout: hours.map { $0 * 3600 } ?? WaitForAction.defaultTimeout,
          exitOnTimeout: try c.decodeIfPresent(Bool.self, forKey: .exitOnTimeout) ?? false))
    case "split":
      action = .split(
        Split(
          branches: try c.decode([Branch].self, forKey: .branches),
          everyoneElse: try c.decodeIfPresent(EveryoneElse.self, forKey: .everyoneElse)))
    case "updateContact":
      let operation: UpdateContact.Operation
      if let value = try c.decodeIfPresent(String.self, forKey: .set) {
        operation = .set(value)
      } else if let from = try c.decodeIfPresent(String.self, forKey: .copyFrom) {
        operation = .copy(from: from)
      } else if try c.decodeIfPresent(Bool.self, forKey: .clear) == true {
        operation = .clear
      } else {
        throw FieldReason("updateNeedsOperation").decodingError(forKey: .set, in: c)
      }
      action = .updateContact(
        UpdateContact(
          property: try c.decode(String.self, forKey: .property), operation: operation,
          target: try c.decodeIfPresent(UpdateContact.Target.self, forKey: .target) ?? .contact))
    case "finish":
      action = .finish(Finish(success: try c.decodeIfPresent(Bool.self, forKey: .success) ?? false))
    default:
      throw FieldReason(
        "unknownStepType",
        [
          "value": type,
          "expected": "sendEmail, sendSMS, waitTime, waitForAction, split, updateContact, finish",
        ]
      ).decodingError(forKey: .type, in: c)
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(id, forKey: .id)
    try c.encode(action.typeName, forKey: .type)
    switch action {
    case .sendEmail(let email):
      try c.encode(email.subject, forKey: .subject)
      try c.encodeIfPresent(email.text, forKey: .text)
      try c.encodeIfPresent(email.html, forKey: .html)
      if !email.content.isEmpty { try c.encode(email.content, forKey: .content) }
      try c.encodeIfPresent(email.subscriptionType, forKey: .subscriptionType)
      try c.encode(email.suppressUnengaged, forKey: .suppressUnengaged)
    case .sendSMS(let sms):
      try c.encode(sms.text, forKey: .text)
      if !sms.content.isEmpty { try c.encode(sms.content, forKey: .content) }
    case .waitTime(.duration(let seconds)): try c.encode(seconds / 3600, forKey: .hours)
    case .waitTime(.until(let date)): try c.encode(date, forKey: .until)
    case .waitForAction(let wait):
      try c.encode(wait.action, forKey: .action)
      try c.encode(wait.timeout / 3600, forKey: .timeoutHours)
      try c.encode(wait.exitOnTimeout, forKey: .exitOnTimeout)
    case .split(let split):
      try c.encode(split.branches, forKey: .branches)
      try c.encodeIfPresent(split.everyoneElse, forKey: .everyoneElse)
    case .updateContact(let update):
      try c.encode(update.property, forKey: .property)
      switch update.operation {
      case .set(let value): try c.encode(value, forKey: .set)
      case .copy(let from): try c.encode(from, forKey: .copyFrom)
      case .clear: try c.encode(true, forKey: .clear)
      }
      try c.encode(update.target, forKey: .target)
    case .finish(let finish): try c.encode(finish.success, forKey: .success)
    }
  }
}
