import FlowEngine
import Foundation

/// The answer to a bulk enrollment, written directly. For 10,000 results Foundation's
/// `JSONEncoder` took more than a third of the request's CPU. The text is the one
/// `Reply.json` writes: the same keys in the same (sorted) order, absent values written or
/// left out the same way, dates as ISO 8601 in whole seconds, slashes unescaped. A test
/// holds the two to the same bytes.
extension FlowsController.EnrollmentResult {
  static func json(_ results: [Self], enrolled: Int, refused: Int) -> String {
    var text = "{\"enrolled\":\(enrolled),\"refused\":\(refused),\"results\":["
    text.reserveCapacity(64 + results.count * 240)
    for (index, result) in results.enumerated() {
      if index > 0 { text += "," }
      result.append(to: &text)
    }
    return text + "]}"
  }

  func append(to text: inout String) {
    text += "{\"contactId\":"
    JSONText.appendString(contactId, to: &text)
    text += enrolled ? ",\"enrolled\":true" : ",\"enrolled\":false"
    if let participant {
      text += ",\"participant\":"
      participant.append(to: &text)
    }
    if let problem {
      text += ",\"problem\":"
      BulkJSON.object(
        [
          ("code", problem.code), ("detail", problem.detail), ("help", problem.help),
          ("title", problem.title),
        ],
        to: &text)
    }
    text += "}"
  }
}

enum BulkJSON {
  /// Appends an object of string members in the order given (sorted, as `Reply.json` sorts
  /// them); a nil value is left out, as a synthesized `Encodable` leaves it out.
  static func object(_ members: [(String, String?)], to text: inout String) {
    text += "{"
    var first = true
    for case (let key, let value?) in members {
      JSONText.appendMemberName(key, first: &first, to: &text)
      JSONText.appendString(value, to: &text)
    }
    text += "}"
  }
}

extension ParticipantView {
  func append(to text: inout String) {
    text += "{\"attempt\":\(attempt),\"contactId\":"
    JSONText.appendString(contactId, to: &text)
    text += ",\"due\":"
    if let due { ISO8601Text.append(due, to: &text) } else { text += "null" }
    text += ",\"enrolledAt\":"
    ISO8601Text.append(enrolledAt, to: &text)
    text += ",\"reason\":"
    if let reason {
      BulkJSON.object(
        [
          ("code", reason.code), ("help", reason.help), ("kind", reason.kind), ("label", reason.label),
          ("message", reason.message),
        ], to: &text)
    } else {
      text += "null"
    }
    text += ",\"status\":"
    BulkJSON.object([("code", status.code), ("label", status.label)], to: &text)
    text += ",\"stepId\":"
    JSONText.appendString(orNull: stepId, to: &text)
    text += "}"
  }
}
