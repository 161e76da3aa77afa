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
      text += first ? "\"" : ",\""
      text += key
      text += "\":"
      JSONText.appendString(value, to: &text)
      first = false
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

/// A date as `JSONEncoder`'s `.iso8601` strategy writes it: UTC, whole seconds (the fraction
/// dropped), `2026-12-01T09:30:00Z`, as a JSON string.
enum ISO8601Text {
  static func append(_ date: Date, to text: inout String) {
    let seconds = date.timeIntervalSince1970.rounded(.down)
    // Years 1970-9999 by arithmetic; anything else the way Foundation writes it.
    guard seconds >= 0, seconds < 253_402_300_800 else {
      text += "\"" + date.formatted(.iso8601) + "\""
      return
    }
    let total = Int(seconds)
    let (days, time) = total.quotientAndRemainder(dividingBy: 86_400)
    // Days since 1970-01-01 to a civil date (proleptic Gregorian), after Howard Hinnant's
    // `civil_from_days`.
    let shifted = days + 719_468
    let era = shifted / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    text += "\""
    appendDigits(year, width: 4, to: &text)
    text += "-"
    appendDigits(month, width: 2, to: &text)
    text += "-"
    appendDigits(day, width: 2, to: &text)
    text += "T"
    appendDigits(time / 3_600, width: 2, to: &text)
    text += ":"
    appendDigits(time / 60 % 60, width: 2, to: &text)
    text += ":"
    appendDigits(time % 60, width: 2, to: &text)
    text += "Z\""
  }

  private static func appendDigits(_ value: Int, width: Int, to text: inout String) {
    let digits = String(value)
    if digits.utf8.count < width { text += String(repeating: "0", count: width - digits.utf8.count) }
    text += digits
  }
}
