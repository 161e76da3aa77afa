import Foundation
import TestSupport
import Testing

@testable import FlowStore

/// The PostgreSQL store's rows are written by hand; PostgreSQL must read from them what
/// JSONEncoder (with snake-case keys, which it used before) would have given it.
@Suite("PostgreSQL row documents")
struct JSONRowWriterTests {
  static let awkward = [
    "ann", "a\"b", "back\\slash", "a/b", "line\nbreak", "bell\u{1}", "Åsa", "🚀", "\u{2028}", "",
  ]

  /// The rows as `jsonb_to_recordset` sees them: a member that is null and a member that
  /// is left out both read as NULL, so null members are dropped before comparing.
  static func parsed(_ text: String) throws -> [NSDictionary] {
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    return rows.map { row in NSDictionary(dictionary: row.filter { !($0.value is NSNull) }) }
  }

  static func snakeCase(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  @Test func participantAndMessageRowsReadAsJSONEncoderWroteThem() throws {
    var random = SplitMix(state: 42)
    func text() -> String { Self.awkward.randomElement(using: &random)! }
    func maybe() -> String? { Bool.random(using: &random) ? text() : nil }
    func time() -> Double { Double.random(in: 0..<4_102_444_800, using: &random) }
    let participants = (0..<300).map { _ in
      PostgresWrites.ParticipantRow(
        flowId: text(), contactId: text(), status: text(), stepId: maybe(),
        due: Bool.random(using: &random) ? time() : nil, reason: maybe(), reasonParameters: maybe(),
        enteredAt: Bool.random(using: &random) ? time().rounded() : nil, enrolledAt: time(),
        attempt: Int.random(in: 1...9, using: &random), waiting: Bool.random(using: &random),
        branches: maybe(),
        actions: maybe(), emailClaim: maybe(), scheduleToken: Int64.random(in: 0...Int64.max, using: &random))
    }
    #expect(try Self.parsed(JSONRowWriter.array(participants)) == Self.parsed(Self.snakeCase(participants)))
    let messages = (0..<300).map { _ in
      PostgresWrites.MessageRow(
        idempotencyKey: text(), flowId: text(), contactId: text(), stepId: text(),
        attempt: Int.random(in: 1...9, using: &random), channel: text(), recipient: text(), createdAt: time(),
        sender: maybe(), replyTo: maybe(), subject: maybe(), body: maybe(), html: maybe(), language: maybe())
    }
    #expect(try Self.parsed(JSONRowWriter.array(messages)) == Self.parsed(Self.snakeCase(messages)))
    let contacts = (0..<300).map { _ in
      PostgresWrites.ContactRow(
        id: text(), email: maybe(), mobile: maybe(), consent: Bool.random(using: &random),
        subscriptions: maybe(), marketingContact: Bool.random(using: &random),
        formerEmployee: Bool.random(using: &random), emailBounced: Bool.random(using: &random),
        unengaged: Bool.random(using: &random), companyId: maybe(), lifecycleStage: maybe(),
        properties: maybe(), language: maybe())
    }
    #expect(try Self.parsed(JSONRowWriter.array(contacts)) == Self.parsed(Self.snakeCase(contacts)))
    let history = (0..<100).map { _ in
      PostgresWrites.HistoryRow(
        flowId: text(), time: time(), contactId: text(), stepId: maybe(), code: text(), parameters: text())
    }
    #expect(try Self.parsed(JSONRowWriter.array(history)) == Self.parsed(Self.snakeCase(history)))
  }

  @Test func aTimeThatIsNotFiniteIsRefusedNotWrittenAsNull() {
    let row = PostgresWrites.HistoryRow(
      flowId: "f", time: .infinity, contactId: "c", stepId: nil, code: "FD2001", parameters: "{}")
    #expect(throws: EncodingError.self) { try JSONRowWriter.array([row]) }
  }
}
