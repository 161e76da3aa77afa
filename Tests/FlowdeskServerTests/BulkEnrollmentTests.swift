import FlowEngine
import FlowdeskServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

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
