import FlowEngine
import FlowStore
import Foundation

/// The JSON body of a message webhook: `{"type", "timestamp", "data": {...}}`. Every data
/// member is present; those a message does not have are null.
struct WebhookPayload: Encodable {
  struct Message: Encodable {
    let messageId: String
    let flowId: String
    let contactId: String
    let stepId: String
    let channel: String
    let language: String?
    let to: String
    let from: String?
    let replyTo: String?
    let subject: String?
    let text: String?
    let html: String?

    enum Keys: String, CodingKey {
      case messageId, flowId, contactId, stepId, channel, language, to, from, replyTo, subject, text, html
    }

    func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: Keys.self)
      try c.encode(messageId, forKey: .messageId)
      try c.encode(flowId, forKey: .flowId)
      try c.encode(contactId, forKey: .contactId)
      try c.encode(stepId, forKey: .stepId)
      try c.encode(channel, forKey: .channel)
      try c.encode(language, forKey: .language)
      try c.encode(to, forKey: .to)
      try c.encode(from, forKey: .from)
      try c.encode(replyTo, forKey: .replyTo)
      try c.encode(subject, forKey: .subject)
      try c.encode(text, forKey: .text)
      try c.encode(html, forKey: .html)
    }
  }

  let type: String
  let timestamp: Date
  let data: Message

  init(_ message: OutboxMessage, at time: Date) {
    type = "message.\(message.channel.rawValue)"
    timestamp = time
    data = Message(
      messageId: message.messageId, flowId: message.flowId, contactId: message.contactId,
      stepId: message.stepId, channel: message.channel.rawValue, language: message.language, to: message.to,
      from: message.from, replyTo: message.replyTo, subject: message.subject, text: message.body,
      html: message.html)
  }

  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return encoder
  }()
}
