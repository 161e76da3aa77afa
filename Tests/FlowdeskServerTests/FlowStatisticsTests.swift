import FlowEngine
import FlowStore
import FlowdeskServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Flow statistics")
struct FlowStatisticsTests {
  /// Email, wait a day, email again, finish.
  static let flow = """
    {"name": "Statistics", "settings": {"emailFrom": "news@example.com", "emailReplyTo": "help@example.com",
      "subscriptionType": "newsletter"}, "trigger": {"onlyOnce": false},
     "steps": [{"id": "hello", "type": "sendEmail", "subject": "Hi"}, {"id": "wait", "type": "waitTime", "hours": 24},
               {"id": "again", "type": "sendEmail", "subject": "Still there?"}, {"id": "done", "type": "finish"}]}
    """

  /// Drives flow-1 through both email steps: six contacts enrolled, two drop out at the
  /// first email (no address, no consent), four messages leave, three are taken by the
  /// receiver and one is dead, the provider reports on three, a hard bounce and an
  /// unsubscribe drop two out at the second email, two finish, and a seventh contact is
  /// queued while the flow is paused. Returns the message ids of the first email by contact.
  @discardableResult
  static func drive(_ fixture: ServiceFixture, _ client: some TestClientProtocol) async throws -> [String:
    String]
  {
    let host = fixture.parts.host
    let definition = try JSONDecoder().decode(FlowDefinition.self, from: Data(flow.utf8))
    try await host.perform { engine in
      let id = try engine.createFlow(definition).id
      _ = try engine.start(id)
      for name in ["ann", "cas", "dan", "eve"] {
        engine.upsertContact(Contact(id: name, email: "\(name)@example.com", subscriptions: ["newsletter"]))
      }
      engine.upsertContact(Contact(id: "bo", subscriptions: ["newsletter"]))
      engine.upsertContact(
        Contact(id: "cy", email: "cy@example.com", consent: false, subscriptions: ["newsletter"]))
      for name in ["ann", "bo", "cas", "cy", "dan", "eve"] { _ = try engine.enroll(name, in: id) }
    }
    try await host.runDue()
    let claimed = try await host.claimDeliveries(limit: 10, lease: 60)
    #expect(claimed.count == 4)
    let now = fixture.clock.now
    _ = try await host.recordDeliveries(
      claimed.map { entry in
        (
          entry.message.idempotencyKey,
          entry.message.contactId == "eve"
            ? .dead(CodedMessage(.receiverRejected, ["status": "400", "message": entry.message.messageId]))
            : .delivered(at: now)
        )
      })
    let messages = Dictionary(
      uniqueKeysWithValues: claimed.map { ($0.message.contactId, $0.message.messageId) })
    let events: [(String, String)] = [
      ("ann", #""type": "delivered""#), ("ann", #""type": "opened""#), ("ann", #""type": "opened""#),
      ("ann", #""type": "clicked", "url": "https://example.com/offer""#),
      ("cas", #""type": "bounced", "bounce": "hard""#),
      ("dan", #""type": "delivered""#), ("dan", #""type": "unsubscribed""#),
    ]
    for (contact, event) in events {
      let messageId = try #require(messages[contact])
      let answer = try await client.call(
        .post, "/v1/delivery-events", json: #"{\#(event), "messageId": "\#(messageId)"}"#)
      #expect(answer.status == .accepted)
    }
    fixture.clock.advance(by: 25 * 3600)
    try await host.runDue()
    try await client.call(.post, "/v1/flows/flow-1/pause")
    try await host.perform { engine in
      engine.upsertContact(Contact(id: "fay", email: "fay@example.com", subscriptions: ["newsletter"]))
      _ = try engine.enroll("fay", in: "flow-1")
    }
    return messages
  }

  static func figures(_ object: Any?) -> [String: Int] {
    ((object as? [String: Any]) ?? [:]).compactMapValues { $0 as? Int }
  }

  static func reasons(_ object: Any?) -> [String: Int] {
    let list = ((object as? [String: Any])?["droppedOutByReason"] as? [[String: Any]]) ?? []
    return Dictionary(
      uniqueKeysWithValues: list.compactMap { item in
        (item["code"] as? String).map { ($0, item["count"] as? Int ?? -1) }
      })
  }

  @Test func statisticsCountParticipantsAndMessagesPerFlowAndPerStep() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      try await Self.drive(fixture, client)
      let answer = try await client.call(.get, "/v1/flows/flow-1/statistics")
      #expect(answer.status == .ok)
      #expect(answer.body["flowId"] as? String == "flow-1")
      #expect(
        Self.figures(answer.body["participants"]) == [
          "enrolled": 7, "queued": 1, "active": 0, "finished": 2, "finishedWithSuccess": 0, "droppedOut": 4,
          "cancelled": 0,
        ])
      #expect(
        Self.reasons(answer.body["participants"]) == ["FD2003": 1, "FD2005": 1, "FD2004": 1, "FD2007": 1])
      #expect(
        Self.figures(answer.body["messages"]) == [
          "pending": 2, "sent": 3, "dead": 1, "delivered": 2, "opened": 1, "clicked": 1, "bounced": 1,
          "complained": 0, "unsubscribed": 1,
        ])
      let steps = try #require(answer.body["steps"] as? [[String: Any]])
      #expect(steps.map { $0["stepId"] as? String } == ["hello", "wait", "again", "done"])
      #expect(steps.map { $0["type"] as? String } == ["sendEmail", "waitTime", "sendEmail", "finish"])
      let hello = steps[0]
      #expect(Self.figures(hello["participants"])["droppedOut"] == 2)
      #expect(Self.figures(hello["participants"])["enrolled"] == 2)
      #expect(Self.reasons(hello["participants"]) == ["FD2003": 1, "FD2005": 1])
      #expect(
        Self.figures(hello["messages"]) == [
          "pending": 0, "sent": 3, "dead": 1, "delivered": 2, "opened": 1, "clicked": 1, "bounced": 1,
          "complained": 0, "unsubscribed": 1,
        ])
      let wait = steps[1]
      #expect(Self.figures(wait["participants"])["enrolled"] == 0)
      #expect(Self.figures(wait["messages"]).values.allSatisfy { $0 == 0 })
      let again = steps[2]
      #expect(Self.reasons(again["participants"]) == ["FD2004": 1, "FD2007": 1])
      #expect(Self.figures(again["messages"])["pending"] == 2)
      #expect(Self.figures(again["messages"])["sent"] == 0)
      let done = steps[3]
      #expect(Self.figures(done["participants"])["finished"] == 2)
      #expect(Self.figures(done["participants"])["enrolled"] == 2)
    }
  }

  @Test func statisticsAreReadableWithAReaderTokenAndLabelReasonsInTheAnswersLanguage() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      try await Self.drive(fixture, client)
      let english = try await client.call(
        .get, "/v1/flows/flow-1/statistics", token: ServiceFixture.readerToken)
      let dutch = try await client.call(
        .get, "/v1/flows/flow-1/statistics?lang=nl", token: ServiceFixture.readerToken)
      #expect(english.status == .ok)
      #expect(dutch.status == .ok)
      #expect(dutch.body["language"] as? String == "nl")
      func label(_ body: [String: Any], _ code: String) -> String? {
        let reasons = (body["participants"] as? [String: Any])?["droppedOutByReason"] as? [[String: Any]]
        return reasons?.first { $0["code"] as? String == code }?["label"] as? String
      }
      let englishLabel = try #require(label(english.body, "FD2007"))
      let dutchLabel = try #require(label(dutch.body, "FD2007"))
      #expect(englishLabel != dutchLabel)
      let anonymous = try await client.call(.get, "/v1/flows/flow-1/statistics", token: nil)
      #expect(anonymous.status == .unauthorized)
    }
  }

  @Test func statisticsOfAnUnknownFlowAreTheSame404ProblemAsTheFlow() async throws {
    try await ServiceFixture().test { client in
      let statistics = try await client.call(.get, "/v1/flows/flow-9/statistics", language: "sv")
      let flow = try await client.call(.get, "/v1/flows/flow-9", language: "sv")
      #expect(statistics.status == .notFound)
      #expect(statistics.headers[.contentType] == "application/problem+json")
      #expect(statistics.body["code"] as? String == "FD1401")
      #expect(statistics.body["title"] as? String == flow.body["title"] as? String)
      #expect(statistics.body["detail"] as? String == flow.body["detail"] as? String)
    }
  }

  @Test func aMessageReportedOnAgainCountsOnceForEachKindOfReport() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      let messages = try await Self.drive(fixture, client)
      let messageId = try #require(messages["dan"])
      for bounce in ["soft", "soft", "hard"] {
        try await client.call(
          .post, "/v1/delivery-events",
          json: #"{"type": "bounced", "bounce": "\#(bounce)", "messageId": "\#(messageId)"}"#)
      }
      let answer = try await client.call(.get, "/v1/flows/flow-1/statistics")
      #expect(Self.figures(answer.body["messages"])["bounced"] == 2)
      #expect(Self.figures(answer.body["messages"])["unsubscribed"] == 1)
    }
  }
}
