import Foundation

/// The hours in which a flow's actions may run, in a time zone.
///
/// JSON: `{"timeZone": "Europe/Amsterdam", "start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5]}`;
/// days are ISO weekdays (1 is Monday) and default to every day. `start` must be before `end`.
public struct TimeWindow: Sendable, Hashable, Codable {
  public var timeZone: String
  public var start: String
  public var end: String
  public var days: [Int]

  public init(timeZone: String, start: String, end: String, days: [Int] = Array(1...7)) {
    self.timeZone = timeZone
    self.start = start
    self.end = end
    self.days = days
  }

  private enum CodingKeys: String, CodingKey { case timeZone, start, end, days }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    timeZone = try c.decode(String.self, forKey: .timeZone)
    start = try c.decode(String.self, forKey: .start)
    end = try c.decode(String.self, forKey: .end)
    days = try c.decodeIfPresent([Int].self, forKey: .days) ?? Array(1...7)
  }

  /// Why the window is not usable, or nil when it is.
  public var problem: FieldReason? {
    guard TimeZone(identifier: timeZone) != nil else {
      return FieldReason("unknownTimeZone", ["value": timeZone])
    }
    guard let s = Self.minutes(start) else { return FieldReason("timeNotHoursMinutes", ["value": start]) }
    guard let e = Self.minutes(end) else { return FieldReason("timeNotHoursMinutes", ["value": end]) }
    guard s < e else { return FieldReason("startNotBeforeEnd", ["start": start, "end": end]) }
    guard !days.isEmpty, days.allSatisfy({ (1...7).contains($0) }) else {
      return FieldReason("daysNotWeekdays")
    }
    return nil
  }

  static func minutes(_ text: String) -> Int? {
    let parts = text.split(separator: ":")
    guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h),
      (0..<60).contains(m),
      h * 60 + m <= 24 * 60
    else { return nil }
    return h * 60 + m
  }

  private var calendar: Calendar {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0)!
    return calendar
  }

  private static func isoWeekday(_ date: Date, in calendar: Calendar) -> Int {
    let weekday = calendar.component(.weekday, from: date)  // 1 is Sunday
    return weekday == 1 ? 7 : weekday - 1
  }

  /// Whether `date` falls inside the window. A window that is not valid never blocks.
  public func contains(_ date: Date) -> Bool {
    guard problem == nil, let s = Self.minutes(start), let e = Self.minutes(end) else { return true }
    let calendar = calendar
    let parts = calendar.dateComponents([.hour, .minute], from: date)
    let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    return days.contains(Self.isoWeekday(date, in: calendar)) && minute >= s && minute < e
  }

  /// The first moment at or after `date` inside the window.
  public func nextAllowed(after date: Date) -> Date {
    if contains(date) { return date }
    guard let s = Self.minutes(start) else { return date }
    let calendar = calendar
    let today = calendar.startOfDay(for: date)
    for offset in 0...7 {
      guard let day = calendar.date(byAdding: .day, value: offset, to: today),
        let opening = calendar.date(bySettingHour: s / 60, minute: s % 60, second: 0, of: day)
      else { continue }
      if opening > date, days.contains(Self.isoWeekday(opening, in: calendar)) { return opening }
    }
    return date
  }
}
