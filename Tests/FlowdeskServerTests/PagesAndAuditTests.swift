import FlowEngine
import FlowdeskServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Lists come from the store by page, and the audit trail says who did what.
@Suite("Pages and audit trail")
struct PagesAndAuditTests {
  static func enrollMany(_ client: some TestClientProtocol, _ count: Int) async throws -> String {
    let flow = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
    try await client.call(.post, "/v1/flows/\(flow)/start")
    for n in 0..<count {
      try await client.call(
        .put, "/v1/contacts/c\(n)",
        json: #"{"email": "c\#(n)@example.com", "consent": true, "subscriptions": ["newsletter"]}"#)
    }
    let ids = (0..<count).map { "\"c\($0)\"" }.joined(separator: ",")
    try await client.call(.post, "/v1/flows/\(flow)/enrollments", json: "{\"contactIds\": [\(ids)]}")
    return flow
  }

  @Test func participantsArePagedByCursorAndFilteredByStatusAndStep() async throws {
    try await ServiceFixture().test { client in
      let flow = try await Self.enrollMany(client, 7)
      try await client.call(.post, "/v1/flows/\(flow)/pause")
      try await client.call(.put, "/v1/contacts/late", json: Bodies.contact)
      try await client.call(.post, "/v1/flows/\(flow)/enrollments", json: #"{"contactId": "late"}"#)
      // Pages of three, following the cursor, give everyone once, in enrollment order.
      var seen: [String] = []
      var uri = "/v1/flows/\(flow)/participants?limit=3"
      for _ in 0..<10 {
        let response = try await client.execute(
          uri: uri, method: .get, headers: [.authorization: "Bearer \(ServiceFixture.adminToken)"])
        let page =
          try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as! [[String: Any]]
        seen += page.map { $0["contactId"] as! String }
        #expect(response.headers[HTTPField.Name("X-Total-Count")!] == "8")
        guard let link = response.headers[HTTPField.Name("Link")!] else { break }
        #expect(link.hasSuffix(#">; rel="next""#))
        uri = String(link.dropFirst().prefix { $0 != ">" })
      }
      #expect(seen == (0..<7).map { "c\($0)" } + ["late"])
      let queued = try await client.array("/v1/flows/\(flow)/participants?status=queued")
      #expect(queued.map { $0["contactId"] as? String } == ["late"])
      let onFirstStep = try await client.array("/v1/flows/\(flow)/participants?stepId=hello")
      #expect(onFirstStep.count == 7)
      #expect(try await client.array("/v1/flows/\(flow)/participants?stepId=nowhere").isEmpty)
      let bad = try await client.call(.get, "/v1/flows/\(flow)/participants?status=sleeping")
      #expect(bad.status == .unprocessableContent)
      #expect(bad.body["field"] as? String == "status")
      let badCursor = try await client.call(.get, "/v1/flows/\(flow)/participants?cursor=%25%25")
      #expect(badCursor.body["field"] as? String == "cursor")
    }
  }

  @Test func historyAndFlowsWithErrorsArePagedByCursor() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      // Contacts without consent drop out at the email step: one history event each.
      let flow = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(flow)/start")
      for n in 0..<5 {
        try await client.call(.put, "/v1/contacts/n\(n)", json: #"{"email": "n\#(n)@example.com"}"#)
        try await client.call(.post, "/v1/flows/\(flow)/enrollments", json: #"{"contactId": "n\#(n)"}"#)
      }
      _ = try await fixture.parts.host.runDue()
      var events: [[String: Any]] = []
      var cursor: String?
      repeat {
        let page = try await client.call(
          .get, "/v1/flows/\(flow)/history?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
        events += page.body["events"] as? [[String: Any]] ?? []
        cursor = page.body["next"] as? String
      } while cursor != nil
      #expect(events.count == 5)
      #expect(Set(events.compactMap { $0["contactId"] as? String }).count == 5)
      let errors = try await client.call(.get, "/v1/flow-errors?limit=1")
      #expect(errors.body["flows"] as? [Any] != nil)
      #expect(errors.body.keys.contains("next"))
    }
  }

  @Test func theAuditTrailRecordsWhoDidEachActionAndOutlivesTheFlow() async throws {
    try await ServiceFixture().test { client in
      let flow = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(flow)/start")
      try await client.call(.post, "/v1/flows/\(flow)/start")  // refused: not recorded
      try await client.call(.post, "/v1/flows/\(flow)/pause")
      try await client.call(
        .patch, "/v1/flows/\(flow)", json: #"{"name": "Renamed"}"#,
        contentType: "application/merge-patch+json")
      try await client.call(.post, "/v1/flows/\(flow)/end")
      try await client.call(.delete, "/v1/flows/\(flow)")
      let audit = try await client.call(.get, "/v1/flows/\(flow)/audit", token: ServiceFixture.readerToken)
      let entries = try #require(audit.body["entries"] as? [[String: Any]])
      #expect(
        entries.map { $0["action"] as? String } == ["create", "start", "pause", "edit", "end", "delete"])
      let actor = try #require(entries.first?["actor"] as? [String: Any])
      #expect(actor["role"] as? String == "flowAdministrator")
      #expect(actor["name"] as? String == "FLOWDESK_ADMIN_TOKEN")
      #expect(entries[3]["version"] as? Int == 2)
    }
  }
}
