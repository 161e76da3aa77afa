import FlowEngine
import Foundation
internal import GRDB

/// Row mapping: the columns of each table and the values read from and written to them.
extension SQLiteFlowStore {
  /// The contact columns, in the order `contact(from:decoder:)` reads them by position.
  static let contactColumns = """
    id, data, email, mobile, consent, subscriptions, marketing_contact, former_employee, email_bounced,
    unengaged, company_id, lifecycle_stage, properties, language
    """

  /// A contact from a row selected with `contactColumns`. Columns are read by position: by
  /// name, the lookups cost more than the values when contacts are paged in by thousands.
  static func contact(from row: some Cells, at o: Int = 0, decoder: JSONDecoder) throws -> Contact {
    let data = row.blob(o + 1)
    if !data.isEmpty { return try decoder.decode(Contact.self, from: data) }
    return Contact(
      id: row.text(o) ?? "", email: row.text(o + 2), mobile: row.text(o + 3),
      consent: (row.integer(o + 4) ?? 0) != 0,
      subscriptions: Set(jsonStrings(row.text(o + 5)) ?? []),
      marketingContact: (row.integer(o + 6) ?? 1) != 0,
      formerEmployee: (row.integer(o + 7) ?? 0) != 0,
      emailBounced: (row.integer(o + 8) ?? 0) != 0,
      unengaged: (row.integer(o + 9) ?? 0) != 0, companyId: row.text(o + 10),
      lifecycleStage: row.text(o + 11).flatMap(LifecycleStage.init(rawValue:)),
      properties: jsonStringMap(row.text(o + 12)) ?? [:], language: row.text(o + 13))
  }

  static func message(from row: Row, decoder: JSONDecoder) throws -> OutboxMessage {
    let data: Data = row["data"]
    if !data.isEmpty { return try decoder.decode(OutboxMessage.self, from: data) }
    return OutboxMessage(
      idempotencyKey: row["idempotency_key"],
      channel: OutboxMessage.Channel(rawValue: row["channel"]) ?? .email,
      flowId: row["flow_id"], contactId: row["contact_id"], stepId: row["step_id"], attempt: row["attempt"],
      to: row["recipient"], from: row["sender"], replyTo: row["reply_to"], subject: row["subject"],
      body: row["body"], html: row["html"], language: row["language"],
      createdAt: Date(timeIntervalSince1970: row["created_at"]))
  }

  /// A list of strings as JSON text, or nil when empty (the common case). Written directly:
  /// on the commit path, Foundation's JSON writers cost more than the rest of the row.
  static func jsonText(_ list: [String], isEmpty: Bool) -> String? {
    guard !list.isEmpty else { return nil }
    var text = "["
    for (index, item) in list.enumerated() {
      if index > 0 { text += "," }
      JSONText.appendString(item, to: &text)
    }
    return text + "]"
  }

  /// A string map as JSON text with sorted keys, or nil when empty.
  static func jsonText(_ map: [String: String], isEmpty: Bool) -> String? {
    guard !map.isEmpty else { return nil }
    var text = "{"
    for (index, key) in map.keys.sorted().enumerated() {
      if index > 0 { text += "," }
      JSONText.appendString(key, to: &text)
      text += ":"
      JSONText.appendString(map[key]!, to: &text)
    }
    return text + "}"
  }

  /// A flow's counts as JSON, `{"active":3,"finished":2}`; statuses with none left out.
  static func countsJSON(_ counts: [ParticipantStatus: Int]) -> String {
    "{"
      + counts.filter { $0.value != 0 }.sorted { $0.key.rawValue < $1.key.rawValue }
      .map { "\"\($0.key.rawValue)\":\($0.value)" }.joined(separator: ",") + "}"
  }

  static func jsonObject<T>(_ text: String?, as type: T.Type) -> T? {
    guard let text, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return nil }
    return object as? T
  }

  /// The participant columns, in the order `participant(from:decoder:)` reads them by position.
  static let participantColumns = """
    flow_id, contact_id, status, step_id, due, reason, data, reason_parameters, entered_at, enrolled_at,
    attempt, waiting, branches, actions, email_claim, schedule_token
    """
  static let participantColumnCount = 16

  /// A participant from a row selected with `participantColumns`, read by position.
  static func participant(from row: some Cells, decoder: JSONDecoder) throws -> Participant {
    let data = row.blob(6)
    if !data.isEmpty { return try decoder.decode(Participant.self, from: data) }
    let reason = row.text(5).flatMap(FlowCode.init(rawValue:)).map {
      CodedMessage($0, jsonStringMap(row.text(7)) ?? [:])
    }
    return Participant(
      restoring: row.text(1) ?? "", status: row.text(2).flatMap(ParticipantStatus.init(rawValue:)) ?? .active,
      reason: reason,
      stepId: row.text(3), due: row.real(4).map(Date.init(timeIntervalSince1970:)),
      enteredStepAt: row.real(8).map(Date.init(timeIntervalSince1970:)),
      enrolledAt: Date(timeIntervalSince1970: row.real(9) ?? 0), attempt: row.integer(10).map(Int.init) ?? 1,
      isWaiting: (row.integer(11) ?? 0) != 0,
      branches: jsonStringMap(row.text(12)) ?? [:],
      performedActions: Set(jsonStrings(row.text(13)) ?? []),
      emailClaim: row.text(14),
      scheduleToken: UInt64(bitPattern: row.integer(15) ?? 0))
  }
}

/// What the row mappers read a row through: GRDB's `Row`, or the cells of a statement read
/// straight through SQLite's C API (`RawCells`).
protocol Cells {
  /// The text in column `index`, or nil when it is NULL (or not text).
  func text(_ index: Int) -> String?
  /// The integer in column `index`, or nil when it is NULL (or not a whole number).
  func integer(_ index: Int) -> Int64?
  /// The number in column `index`, or nil when it is NULL.
  func real(_ index: Int) -> Double?
  /// The bytes in column `index`; empty when it is NULL.
  func blob(_ index: Int) -> Data
  func isNull(_ index: Int) -> Bool
}

// Cells read as `DatabaseValue` and matched on its storage. GRDB's generic `row[i] as String?`
// looked up the runtime metadata of `Optional<String>` for every cell: 7% of a bulk
// enrollment's CPU went to that lookup when contacts are paged in by thousands.
extension Row: Cells {
  /// The text in column `index`, or nil when it is NULL (or not text).
  func text(_ index: Int) -> String? {
    switch (self[index] as DatabaseValue).storage {
    case .string(let text): text
    case .blob(let data): String(data: data, encoding: .utf8)
    default: nil
    }
  }

  /// The integer in column `index`, or nil when it is NULL (or not a whole number).
  func integer(_ index: Int) -> Int64? {
    switch (self[index] as DatabaseValue).storage {
    case .int64(let value): value
    case .double(let value): Int64(exactly: value)
    default: nil
    }
  }

  /// The number in column `index`, or nil when it is NULL.
  func real(_ index: Int) -> Double? {
    switch (self[index] as DatabaseValue).storage {
    case .double(let value): value
    case .int64(let value): Double(value)
    default: nil
    }
  }

  /// The bytes in column `index` (text as UTF-8); empty when it is NULL.
  func blob(_ index: Int) -> Data {
    switch (self[index] as DatabaseValue).storage {
    case .blob(let data): data
    case .string(let text): Data(text.utf8)
    default: Data()
    }
  }

  func isNull(_ index: Int) -> Bool { hasNull(atIndex: index) }
}
