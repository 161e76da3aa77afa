import FlowEngine
import Foundation

/// The JSON body of a message webhook: `{"type", "timestamp", "data": {...}}`. Every data
/// member is present; those a message does not have are null.
///
/// Written directly with `JSONText`: through `JSONEncoder` the body cost 7% of the CPU of a
/// delivery run, more than signing it.
struct WebhookPayload {
  let message: OutboxMessage
  let timestamp: Date

  init(_ message: OutboxMessage, at time: Date) {
    self.message = message
    timestamp = time
  }

  /// The body's bytes.
  var body: Data {
    var text = "{\"type\":"
    JSONText.appendString("message.\(message.channel.rawValue)", to: &text)
    text += ",\"timestamp\":"
    JSONText.appendString(timestamp.formatted(.iso8601), to: &text)
    text += ",\"data\":{"
    let members: [(String, String?)] = [
      ("messageId", message.messageId), ("flowId", message.flowId), ("contactId", message.contactId),
      ("stepId", message.stepId), ("channel", message.channel.rawValue), ("language", message.language),
      ("to", message.to), ("from", message.from), ("replyTo", message.replyTo), ("subject", message.subject),
      ("text", message.body), ("html", message.html),
    ]
    var first = true
    for (name, value) in members {
      JSONText.appendMemberName(name, first: &first, to: &text)
      JSONText.appendString(orNull: value, to: &text)
    }
    text += "}}"
    return Data(text.utf8)
  }
}
