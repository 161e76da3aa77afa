import FlowEngine
import FlowdeskServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Lifecycle over HTTP")
struct LifecycleAPITests {
  @Test func startRefusedForMissingReplyToWithDutchResolution() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      let created = try await client.call(
        .post, "/v1/flows",
        json: Bodies.flow(settings: #""emailFrom": "a@example.com", "subscriptionType": "news""#))
      #expect(created.status == .created)
      let id = try #require(created.body["id"] as? String)
      let refused = try await client.call(.post, "/v1/flows/\(id)/start", language: "nl-BE,nl;q=0.9,en;q=0.5")
      #expect(refused.status == .unprocessableContent)
      #expect(refused.headers[.contentType] == "application/problem+json")
      #expect(refused.headers[HTTPField.Name("Content-Language")!] == "nl")
      #expect(refused.body["code"] as? String == "FD1002")
      #expect(refused.body["title"] as? String == "Antwoordadres ontbreekt")
      #expect((refused.body["detail"] as? String)?.contains("emailReplyTo") == true)
      let resolution = try #require(refused.body["resolution"] as? [String])
      // The article's steps, with the flow the request named filled in.
      let dutch = fixture.parts.help.index.explain(.missingEmailReplyTo, in: .nl).resolution
      #expect(dutch.first?.contains("{flow}") == true)
      #expect(resolution == dutch.map { $0.replacingOccurrences(of: "{flow}", with: id) })
      #expect(!resolution.joined().contains("{"))
      #expect(resolution.first?.contains("antwoorden") == true)
      #expect(refused.body["help"] as? String == "/help/nl/flow-run-pause-end#FD1002")
      #expect(refused.body["language"] as? String == "nl")
      #expect(refused.body["status"] as? Int == 422)
    }
  }

  @Test func everyMissingSettingIsReportedInOneProblem() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      let id =
        try await client.call(.post, "/v1/flows", json: Bodies.flow(settings: "")).body["id"] as! String
      let refused = try await client.call(.post, "/v1/flows/\(id)/start?lang=sv")
      let reasons = try #require(refused.body["reasons"] as? [[String: Any]])
      #expect(reasons.compactMap { $0["code"] as? String } == ["FD1001", "FD1002", "FD1004"])
      #expect(refused.body["language"] as? String == "sv")
    }
  }

  @Test func enrollmentDuringPauseIsQueuedAndMovesToFirstStepOnResume() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      try await client.call(.put, "/v1/contacts/ann", json: Bodies.contact)
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      #expect(try await client.call(.post, "/v1/flows/\(id)/start").status == .ok)
      let paused = try await client.call(.post, "/v1/flows/\(id)/pause", language: "sv")
      #expect((paused.body["status"] as? [String: String]) == ["code": "paused", "label": "Pausad"])
      let enrolled = try await client.call(
        .post, "/v1/flows/\(id)/enrollments", json: #"{"contactId": "ann"}"#, language: "sv")
      #expect(enrolled.status == .created)
      #expect((enrolled.body["status"] as? [String: String]) == ["code": "queued", "label": "I kö"])
      try await fixture.parts.host.runDue()
      #expect(try await client.array("/v1/flows/\(id)/participants").first?["stepId"] is NSNull)
      #expect(try await client.call(.post, "/v1/flows/\(id)/resume").status == .ok)
      let participants = try await client.array("/v1/flows/\(id)/participants", language: "en")
      #expect((participants.first?["status"] as? [String: String])?["code"] == "active")
      #expect(participants.first?["stepId"] as? String == "hello")
    }
  }

  @Test func endCancelsActiveAndQueuedParticipants() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      try await client.call(.put, "/v1/contacts/ann", json: Bodies.contact)
      try await client.call(
        .put, "/v1/contacts/bob", json: Bodies.contact.replacingOccurrences(of: "ann@", with: "bob@"))
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(id)/start")
      try await client.call(.post, "/v1/flows/\(id)/enrollments", json: #"{"contactId": "ann"}"#)
      try await fixture.parts.host.runDue()
      try await client.call(.post, "/v1/flows/\(id)/pause")
      try await client.call(.post, "/v1/flows/\(id)/enrollments", json: #"{"contactId": "bob"}"#)
      let ended = try await client.call(.post, "/v1/flows/\(id)/end", language: "nl")
      #expect(
        (ended.body["status"] as? [String: String]) == [
          "code": "notRunning", "label": "Wordt niet uitgevoerd",
        ])
      let participants = try await client.array("/v1/flows/\(id)/participants", language: "nl")
      #expect(
        participants.map { ($0["status"] as? [String: String])?["label"] } == ["Geannuleerd", "Geannuleerd"])
    }
  }

  @Test(arguments: [("en", ["pause", "end", "delete"]), ("sv", ["paus", "avsluta", "ta bort"])])
  func deletingRunningFlowIsRefusedWithPauseEndDeleteSteps(language: String, words: [String]) async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(id)/start")
      let refused = try await client.call(.delete, "/v1/flows/\(id)", language: language)
      #expect(refused.status == .conflict)
      #expect(refused.body["code"] as? String == "FD1108")
      let steps = try #require(refused.body["resolution"] as? [String])
      #expect(steps.count == 3)
      for (step, word) in zip(steps, words) { #expect(step.lowercased().contains(word), "\(steps)") }
      #expect(try await client.call(.get, "/v1/flows/\(id)").status == .ok)
      try await client.call(.post, "/v1/flows/\(id)/pause")
      try await client.call(.post, "/v1/flows/\(id)/end")
      #expect(try await client.call(.delete, "/v1/flows/\(id)").status == .noContent)
      #expect(try await client.call(.get, "/v1/flows/\(id)").body["code"] as? String == "FD1401")
    }
  }

  @Test func dropOutReasonComesBackWithItsLocalizedLabel() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      try await client.call(
        .put, "/v1/contacts/ann",
        json: #"{"email": "ann@example.com", "consent": false, "subscriptions": ["newsletter"]}"#)
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(id)/start")
      try await client.call(.post, "/v1/flows/\(id)/enrollments", json: #"{"contactId": "ann"}"#)
      try await fixture.parts.host.runDue()
      let participant = try #require(try await client.array("/v1/flows/\(id)/participants?lang=nl").first)
      #expect((participant["status"] as? [String: String]) == ["code": "droppedOut", "label": "Uitgevallen"])
      let reason = try #require(participant["reason"] as? [String: Any])
      #expect(reason["code"] as? String == "FD2003")
      #expect(reason["label"] as? String == fixture.parts.help.localizer.title(.consentMissing, in: .nl).text)
      #expect((reason["message"] as? String)?.contains("hello") == true)
      let history = try await client.call(.get, "/v1/flows/\(id)/history?lang=nl")
      #expect(((history.body["events"] as? [[String: Any]])?.first?["code"] as? String) == "FD2003")
    }
  }

  @Test func participantsComeAPageAtATimeWithTheTotal() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(id)/start")
      for name in ["ann", "bob", "cid"] {
        try await client.call(
          .put, "/v1/contacts/\(name)",
          json: Bodies.contact.replacingOccurrences(of: "ann@", with: "\(name)@"))
        try await client.call(.post, "/v1/flows/\(id)/enrollments", json: #"{"contactId": "\#(name)"}"#)
      }
      let response = try await client.execute(
        uri: "/v1/flows/\(id)/participants?limit=2&offset=1", method: .get,
        headers: [.authorization: "Bearer \(ServiceFixture.adminToken)"])
      #expect(response.headers[HTTPField.Name("X-Total-Count")!] == "3")
      let page =
        try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [[String: Any]]
      #expect(page?.compactMap { $0["contactId"] as? String } == ["bob", "cid"])
      let bad = try await client.call(.get, "/v1/flows/\(id)/participants?limit=0")
      #expect(bad.status == .unprocessableContent)
      #expect(bad.body["code"] as? String == "FD1502")
    }
  }

  @Test func editWhilePausedAndReenrollmentWorkOverHTTP() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      try await client.call(
        .put, "/v1/contacts/ann",
        json: #"{"email": "ann@example.com", "consent": false, "subscriptions": ["newsletter"]}"#)
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      #expect(
        try await client.call(.put, "/v1/flows/\(id)", json: Bodies.flow()).body["version"] as? Int == 2)
      try await client.call(.post, "/v1/flows/\(id)/start")
      #expect(
        try await client.call(.put, "/v1/flows/\(id)", json: Bodies.flow()).body["code"] as? String
          == "FD1109")
      try await client.call(.post, "/v1/flows/\(id)/enrollments", json: #"{"contactId": "ann"}"#)
      try await fixture.parts.host.runDue()
      try await client.call(.put, "/v1/contacts/ann", json: Bodies.contact)
      let again = try await client.call(
        .post, "/v1/flows/\(id)/enrollments", json: #"{"contactId": "ann", "reenroll": true}"#)
      #expect(again.status == .created)
      #expect(again.body["attempt"] as? Int == 2)
      let errors = try await client.call(.get, "/v1/flow-errors")
      #expect((errors.body["flows"] as? [Any])?.isEmpty == true)
    }
  }
}
