import FlowEngine
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import FlowdeskServer

@Suite("Bulk enrollment")
struct BulkEnrollmentTests {
  @Test func bulkEnrollmentAnswersPerContactWithEachRefusalsCode() async throws {
    try await ServiceFixture().test { client in
      for id in ["ann", "bob"] {
        try await client.call(
          .put, "/v1/contacts/\(id)",
          json: #"{"email": "\#(id)@example.com", "consent": true, "subscriptions": ["newsletter"]}"#)
      }
      let flow = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(flow)/start")
      let response = try await client.call(
        .post, "/v1/flows/\(flow)/enrollments", json: #"{"contactIds": ["ann", "bob", "ghost", "ann"]}"#,
        language: "nl")
      #expect(response.status == .ok, "\(response.raw)")
      #expect(response.body["enrolled"] as? Int == 2)
      #expect(response.body["refused"] as? Int == 2)
      let results = try #require(response.body["results"] as? [[String: Any]])
      #expect(results.map { $0["contactId"] as? String } == ["ann", "bob", "ghost", "ann"])
      #expect(results.map { $0["enrolled"] as? Bool } == [true, true, false, false])
      let ghost = try #require(results[2]["problem"] as? [String: Any])
      #expect(ghost["code"] as? String == "FD1402")
      #expect((ghost["detail"] as? String)?.contains("ghost") == true)
      let again = try #require(results[3]["problem"] as? [String: Any])
      #expect(again["code"] as? String == "FD1304")
      #expect((again["title"] as? String)?.isEmpty == false)
      #expect(response.headers[HTTPField.Name("Content-Language")!] == "nl")
      let participants = try await client.array("/v1/flows/\(flow)/participants")
      #expect(participants.count == 2)
    }
  }

  /// `é` as one character and as `e` with a combining accent are one key to Swift and two
  /// rows to the store: a bulk enrollment of both enrolled one and refused the other as
  /// already enrolled. A contact id must be in Unicode NFC wherever it is given.
  @Test func aContactIdNotInNFCIsRefusedWhereverItIsGiven() async throws {
    try await ServiceFixture().test { client in
      let composed = try await client.call(
        .put, "/v1/contacts/%C3%A9",
        json: #"{"email": "e1@example.com", "consent": true, "subscriptions": ["newsletter"]}"#)
      #expect(composed.status == .ok, "\(composed.raw)")
      let decomposed = try await client.call(
        .put, "/v1/contacts/e%CC%81", json: #"{"email": "e2@example.com", "consent": true}"#)
      #expect(decomposed.status == .unprocessableContent, "\(decomposed.raw)")
      #expect(decomposed.body["field"] as? String == "id")
      #expect((decomposed.body["detail"] as? String)?.contains("NFC") == true, "\(decomposed.raw)")
      let nul = try await client.call(.get, "/v1/contacts/a%00b", language: "nl")
      #expect((nul.body["detail"] as? String)?.contains("U+0000") == true, "\(nul.raw)")

      let flow = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(flow)/start")
      let both = try await client.call(
        .post, "/v1/flows/\(flow)/enrollments", json: #"{"contactIds": ["\u00e9", "e\u0301"]}"#,
        language: "sv")
      #expect(both.status == .unprocessableContent, "\(both.raw)")
      #expect(both.body["field"] as? String == "contactIds[1]")
      #expect((both.body["detail"] as? String)?.contains("NFC") == true, "\(both.raw)")
      let one = try await client.call(
        .post, "/v1/flows/\(flow)/enrollments", json: #"{"contactId": "e\u0301"}"#)
      #expect(one.body["field"] as? String == "contactId", "\(one.raw)")
      let participants = try await client.array("/v1/flows/\(flow)/participants")
      #expect(participants.isEmpty, "nothing was enrolled: \(participants)")
      let enrolled = try await client.call(
        .post, "/v1/flows/\(flow)/enrollments", json: #"{"contactIds": ["\u00e9"]}"#)
      #expect(enrolled.body["enrolled"] as? Int == 1, "\(enrolled.raw)")
    }
  }

  @Test func bulkEnrollmentIsBoundedAndTakesOneForm() async throws {
    try await ServiceFixture().test { client in
      let flow = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      let ids = (0...10_000).map { "\"c\($0)\"" }.joined(separator: ",")
      let tooMany = try await client.call(
        .post, "/v1/flows/\(flow)/enrollments", json: "{\"contactIds\": [\(ids)]}")
      #expect(tooMany.status == .unprocessableContent)
      #expect(tooMany.body["field"] as? String == "contactIds")
      let none = try await client.call(.post, "/v1/flows/\(flow)/enrollments", json: #"{"contactIds": []}"#)
      #expect(none.body["field"] as? String == "contactIds")
      let both = try await client.call(
        .post, "/v1/flows/\(flow)/enrollments", json: #"{"contactId": "a", "contactIds": ["b"]}"#)
      #expect(both.status == .unprocessableContent)
      let neither = try await client.call(.post, "/v1/flows/\(flow)/enrollments", json: "{}")
      #expect(neither.body["field"] as? String == "contactId")
      // An empty id would be a path to another endpoint (/v1/contacts//actions).
      let empty = try await client.call(
        .post, "/v1/flows/\(flow)/enrollments", json: #"{"contactIds": ["a", ""]}"#)
      #expect(empty.status == .unprocessableContent)
      #expect(empty.body["field"] as? String == "contactIds")
      let emptyOne = try await client.call(
        .post, "/v1/flows/\(flow)/enrollments", json: #"{"contactId": ""}"#)
      #expect(emptyOne.body["field"] as? String == "contactId")
    }
  }
}

@Suite("Bulk enrollment's hand-written answer")
struct BulkEnrollmentJSONTests {
  /// Strings a writer could get wrong: quotes, backslashes, slashes, line breaks, control
  /// characters, non-ASCII and emoji.
  static let awkward = [
    "ann", "a\"b", "back\\slash", "a/b", "line\nbreak", "tab\t", "bell\u{1}", "Åsa Ö", "🚀", "\u{2028}", "",
  ]

  static func sample(_ generator: inout some RandomNumberGenerator) -> [FlowsController.EnrollmentResult] {
    func pick() -> String { awkward.randomElement(using: &generator)! }
    func date() -> Date {
      // Whole and fractional seconds, from 1970 to 2100, and the last moment of a day.
      let seconds = Double.random(in: 0..<4_102_444_800, using: &generator)
      return Date(
        timeIntervalSince1970: Bool.random(using: &generator)
          ? seconds : (seconds / 86_400).rounded(.down) * 86_400 + 86_399.999)
    }
    return (0..<200).map { index in
      if index % 3 == 2 {
        return .init(
          contactId: pick(), enrolled: false,
          problem: index % 2 == 0
            ? nil
            : .init(
              code: "FD1402", title: pick(), detail: pick(),
              help: Bool.random(using: &generator) ? pick() : nil))
      }
      let reason =
        index % 4 == 0
        ? ReasonView(
          code: "FD2003", kind: "dropout", label: pick(), message: pick(),
          help: Bool.random(using: &generator) ? "/help/a/b" : nil)
        : nil
      return .init(
        contactId: pick(), enrolled: true,
        participant: ParticipantView(
          contactId: pick(), status: StatusView(code: pick(), label: pick()),
          stepId: Bool.random(using: &generator) ? pick() : nil, reason: reason,
          attempt: Int.random(in: 1...5, using: &generator), enrolledAt: date(),
          due: Bool.random(using: &generator) ? date() : nil))
    }
  }

  @Test func theBulkAnswerIsTheTextJSONEncoderWrites() throws {
    var generator = SplitMix(state: 20_261_201)
    for _ in 0..<5 {
      let results = Self.sample(&generator)
      struct Results: Encodable {
        let results: [FlowsController.EnrollmentResult]
        let enrolled: Int
        let refused: Int
      }
      let expected = String(
        decoding: try Reply.encoder.encode(Results(results: results, enrolled: 7, refused: 3)), as: UTF8.self)
      let written = FlowsController.EnrollmentResult.json(results, enrolled: 7, refused: 3)
      #expect(written == expected)
    }
  }

  @Test func datesAreWrittenAsTheISO8601StrategyWritesThem() throws {
    var generator = SplitMix(state: 7)
    let dates =
      [0, 59.999, 86_399.5, 951_782_400, 4_107_542_399.9]
      .map(Date.init(timeIntervalSince1970:))
      + (0..<500).map { _ in
        Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator))
      }
    for date in dates {
      var text = ""
      ISO8601Text.append(date, to: &text)
      let expected = String(decoding: try Reply.encoder.encode([date]), as: UTF8.self).dropFirst().dropLast()
      #expect(text == expected, "\(date.timeIntervalSince1970)")
      #expect(text == "\"" + date.formatted(.iso8601) + "\"", "\(date.timeIntervalSince1970)")
    }
  }
}
