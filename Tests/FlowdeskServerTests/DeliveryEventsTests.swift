import FlowEngine
import FlowStore
import FlowdeskServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Delivery events back in")
struct DeliveryEventsTests {
  static let settings =
    #""emailFrom": "news@example.com", "emailReplyTo": "help@example.com", "subscriptionType": "newsletter""#

  /// A running flow with `steps`, one contact enrolled and advanced to its first wait; the id
  /// of the message its first email step wrote.
  static func start(_ fixture: ServiceFixture, steps: String) async throws -> String {
    let json =
      #"{"name": "Events", "settings": {\#(settings)}, "trigger": {"onlyOnce": false}, "steps": \#(steps)}"#
    let definition = try JSONDecoder().decode(FlowDefinition.self, from: Data(json.utf8))
    try await fixture.parts.host.perform { engine in
      let id = try engine.createFlow(definition).id
      _ = try engine.start(id)
      engine.upsertContact(Contact(id: "ann", email: "ann@example.com", subscriptions: ["newsletter"]))
      _ = try engine.enroll("ann", in: id)
    }
    try await fixture.parts.host.runDue()
    let messages = try await fixture.parts.host.outbox(status: nil, flowId: nil, after: nil, limit: 10)
    return try #require(messages.first).message.messageId
  }

  @Test func aHardBounceDropsTheContactOutAtTheNextEmailStepWithTheBounceCode() async throws {
    let fixture = try ServiceFixture()
    let messageId = try await Self.start(
      fixture,
      steps: """
        [{"id": "hello", "type": "sendEmail", "subject": "Hi"}, {"id": "wait", "type": "waitTime", "hours": 24},
         {"id": "again", "type": "sendEmail", "subject": "Still there?"}, {"id": "done", "type": "finish"}]
        """)
    try await fixture.test { client in
      let event = #"{"type": "bounced", "bounce": "hard", "messageId": "\#(messageId)", "contactId": "ann"}"#
      let first = try await client.call(.post, "/v1/delivery-events", json: event)
      #expect(first.status == .accepted)
      #expect(first.body["changed"] as? [String] == ["emailBounced"])
      let again = try await client.call(.post, "/v1/delivery-events", json: event)
      #expect(again.status == .accepted)
      #expect(again.body["changed"] as? [String] == [])
      fixture.clock.advance(by: 25 * 3600)
      try await fixture.parts.host.runDue()
      let participants = try await client.array("/v1/flows/flow-1/participants")
      let ann = try #require(participants.first)
      #expect((ann["status"] as? [String: Any])?["code"] as? String == "droppedOut")
      #expect(ann["stepId"] as? String == "again")
      #expect((ann["reason"] as? [String: Any])?["code"] as? String == "FD2007")
    }
    let sent = try await fixture.parts.host.outbox(status: nil, flowId: nil, after: nil, limit: 10)
    #expect(sent.count == 1, "no second email to a bounced address")
  }

  @Test func aClickReleasesAWaitForActionStep() async throws {
    let fixture = try ServiceFixture()
    let messageId = try await Self.start(
      fixture,
      steps: """
        [{"id": "hello", "type": "sendEmail", "subject": "Hi"},
         {"id": "click", "type": "waitForAction", "action": "emailClicked", "timeoutHours": 48, "exitOnTimeout": true},
         {"id": "done", "type": "finish"}]
        """)
    try await fixture.test { client in
      try await fixture.parts.host.runDue()
      var ann = try #require(try await client.array("/v1/flows/flow-1/participants").first)
      #expect(ann["stepId"] as? String == "click")
      let click = try await client.call(
        .post, "/v1/delivery-events",
        json: #"{"type": "clicked", "messageId": "\#(messageId)", "url": "https://example.com/offer"}"#)
      #expect(click.status == .accepted)
      #expect(click.body["actions"] as? [String] == ["emailClicked", "emailOpened"])
      try await fixture.parts.host.runDue()
      ann = try #require(try await client.array("/v1/flows/flow-1/participants").first)
      #expect((ann["status"] as? [String: Any])?["code"] as? String == "finished")
    }
  }

  @Test func anUnsubscribeAndAComplaintChangeTheContact() async throws {
    let fixture = try ServiceFixture()
    let messageId = try await Self.start(
      fixture,
      steps: #"[{"id": "hello", "type": "sendEmail", "subject": "Hi"}, {"id": "done", "type": "finish"}]"#)
    try await fixture.test { client in
      let unsubscribe = try await client.call(
        .post, "/v1/delivery-events", json: #"{"type": "unsubscribed", "messageId": "\#(messageId)"}"#)
      #expect(unsubscribe.body["changed"] as? [String] == ["subscriptions"])
      let complaint = try await client.call(
        .post, "/v1/delivery-events", json: #"{"type": "complained", "messageId": "\#(messageId)"}"#)
      #expect(complaint.body["changed"] as? [String] == ["consent"])
      let contact = try await client.call(.get, "/v1/contacts/ann")
      #expect(contact.body["consent"] as? Bool == false)
      #expect((contact.body["subscriptions"] as? [String])?.isEmpty == true)
    }
  }

  @Test func anUnknownMessageIsA404AndAReaderMayNotReport() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      let unknown = try await client.call(
        .post, "/v1/delivery-events", json: #"{"type": "opened", "messageId": "msg_bm9uZQ"}"#)
      #expect(unknown.status == .notFound)
      #expect(unknown.body["code"] as? String == "FD1521")
      let reader = try await client.call(
        .post, "/v1/delivery-events", json: #"{"type": "opened", "messageId": "msg_bm9uZQ"}"#,
        token: ServiceFixture.readerToken)
      #expect(reader.status == .forbidden)
      let anonymous = try await client.call(
        .post, "/v1/delivery-events", json: #"{"type": "opened", "messageId": "msg_bm9uZQ"}"#, token: nil)
      #expect(anonymous.status == .unauthorized)
    }
  }

  @Test func anEventSignedWithTheWebhookSecretIsAcceptedAndABadSignatureIsNot() async throws {
    var fixture = try ServiceFixture()
    let secret = try #require(WebhookSecret(DeliveryFixture.secret))
    fixture.parts.delivery = DeliveryConfiguration(url: "http://127.0.0.1:9/hook", secret: secret)
    let messageId = try await Self.start(
      fixture,
      steps: #"[{"id": "hello", "type": "sendEmail", "subject": "Hi"}, {"id": "done", "type": "finish"}]"#)
    let body = #"{"type": "bounced", "messageId": "\#(messageId)"}"#
    let timestamp = Int(Date().timeIntervalSince1970)
    let signature = secret.signature(id: "evt_1", timestamp: timestamp, body: Data(body.utf8))
    try await fixture.test { client in
      func post(_ signature: String) async throws -> HTTPResponse.Status {
        let headers: HTTPFields = [
          .contentType: "application/json", HTTPField.Name("webhook-id")!: "evt_1",
          HTTPField.Name("webhook-timestamp")!: String(timestamp),
          HTTPField.Name("webhook-signature")!: signature,
        ]
        return try await client.execute(
          uri: "/v1/delivery-events", method: .post, headers: headers, body: ByteBuffer(string: body)
        ).status
      }
      let forged = try await post("v1,AAAA")
      #expect(forged == .unauthorized)
      let signed = try await post(signature)
      #expect(signed == .accepted)
    }
  }

  /// A signed event that cannot be verified is refused with FD1523, which names the header
  /// that failed, in the caller's language; a request with neither a token nor a signature
  /// still gets FD1507.
  @Test func aSignedEventThatCannotBeVerifiedNamesTheHeaderThatFailed() async throws {
    var fixture = try ServiceFixture()
    let secret = try #require(WebhookSecret(DeliveryFixture.secret))
    fixture.parts.delivery = DeliveryConfiguration(url: "http://127.0.0.1:9/hook", secret: secret)
    let body = #"{"type": "opened", "messageId": "msg_bm9uZQ"}"#
    let now = Int(Date().timeIntervalSince1970)
    let signature = secret.signature(id: "evt_1", timestamp: now, body: Data(body.utf8))
    try await fixture.test { client in
      func post(_ fields: [String: String], language: String = "en") async throws -> (
        status: HTTPResponse.Status, code: String?, title: String?, detail: String?
      ) {
        var headers: HTTPFields = [.contentType: "application/json", .acceptLanguage: language]
        for (name, value) in fields { headers[HTTPField.Name(name)!] = value }
        let response = try await client.execute(
          uri: "/v1/delivery-events", method: .post, headers: headers, body: ByteBuffer(string: body))
        let problem = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        return (
          response.status, problem?["code"] as? String, problem?["title"] as? String,
          problem?["detail"] as? String
        )
      }
      let signed = ["webhook-id": "evt_1", "webhook-timestamp": String(now), "webhook-signature": signature]
      let nothing = try await post([:])
      #expect(nothing.status == .unauthorized)
      #expect(nothing.code == "FD1507")
      for (header, fields) in [
        ("webhook-id", signed.filter { $0.key != "webhook-id" }),
        ("webhook-timestamp", signed.merging(["webhook-timestamp": String(now - 3600)]) { $1 }),
        ("webhook-timestamp", signed.merging(["webhook-timestamp": "soon"]) { $1 }),
        // The signature covers the header's text: a sign or a leading zero is not what was signed.
        ("webhook-timestamp", signed.merging(["webhook-timestamp": "+\(now)"]) { $1 }),
        ("webhook-timestamp", signed.merging(["webhook-timestamp": "0\(now)"]) { $1 }),
        ("webhook-id", signed.merging(["webhook-id": ""]) { $1 }),
        ("webhook-signature", signed.filter { $0.key != "webhook-signature" }),
        ("webhook-signature", signed.merging(["webhook-signature": "v1,AAAA"]) { $1 }),
      ] {
        let refused = try await post(fields)
        #expect(refused.status == .unauthorized, "\(fields)")
        #expect(refused.code == "FD1523", "\(fields)")
        #expect(refused.detail?.contains(header) == true, "\(refused.detail ?? "-") should name \(header)")
      }
      let dutch = try await post(signed.merging(["webhook-signature": "v1,AAAA"]) { $1 }, language: "nl")
      #expect(dutch.title == "Handtekening van gebeurtenis niet geaccepteerd")
      #expect(dutch.detail?.contains("webhook-signature") == true)
      // The right signature still passes the check (the message is unknown: FD1521).
      let verified = try await post(signed)
      #expect(verified.code == "FD1521")
    }
  }
}
