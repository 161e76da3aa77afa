import Foundation

/// A date as `JSONEncoder`'s `.iso8601` strategy and `Date.formatted(.iso8601)` write it:
/// UTC, whole seconds (the fraction dropped), `2026-12-01T09:30:00Z`, as a JSON string.
/// Written by arithmetic, for answers that hold thousands of dates (a bulk enrollment's).
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
