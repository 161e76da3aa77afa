import AsyncHTTPClient
import Crypto
import FlowEngine
import FlowStore
import FlowdeskServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// A webhook receiver on 127.0.0.1: it answers with the statuses it is given, in turn (the
/// last one from then on), and checks every signature itself, from the Standard Webhooks
/// specification: base64 HMAC-SHA256 of `id.timestamp.body` under the secret's key.
final class Receiver: Sendable {
  struct Seen: Sendable {
    let id: String
    let timestamp: Int
    let body: Data
    let signatureIsValid: Bool
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
  }

  let key: Data
  let answers: [(status: HTTPResponse.Status, headers: HTTPFields)]
  let hang: Duration?
  private let state = Mutex<[Seen]>([])

  init(key: Data, answers: [(HTTPResponse.Status, HTTPFields)] = [(.ok, [:])], hang: Duration? = nil) {
    self.key = key
    self.answers = answers.map { (status: $0.0, headers: $0.1) }
    self.hang = hang
  }

  var seen: [Seen] { state.withLock { $0 } }

  func verify(id: String, timestamp: String, signature: String, body: Data) -> Bool {
    let signed = Data("\(id).\(timestamp).".utf8) + body
    let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
    let expected = "v1," + Data(code).base64EncodedString()
    return signature.split(separator: " ").contains { $0 == expected }
  }

  /// Runs the receiver while `body` runs, with the URL of its endpoint.
  @discardableResult
  func run<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
    let router = Router()
    router.post("hook") { request, _ -> Response in
      let bytes = try await request.body.collect(upTo: 1 << 20)
      let body = Data(buffer: bytes)
      let id = request.headers[HTTPField.Name("webhook-id")!] ?? ""
      let timestamp = request.headers[HTTPField.Name("webhook-timestamp")!] ?? ""
      let signature = request.headers[HTTPField.Name("webhook-signature")!] ?? ""
      let count = self.state.withLock { seen in
        seen.append(
          Seen(
            id: id, timestamp: Int(timestamp) ?? 0, body: body,
            signatureIsValid: self.verify(id: id, timestamp: timestamp, signature: signature, body: body)))
        return seen.count
      }
      if let hang = self.hang { try? await Task.sleep(for: hang) }
      let answer = self.answers[min(count - 1, self.answers.count - 1)]
      return Response(status: answer.status, headers: answer.headers)
    }
    let app = Application(
      router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
      logger: Logger(label: "receiver"))
    return try await app.test(.live) { client in
      let port = try #require(client.port)
      return try await body("http://127.0.0.1:\(port)/hook")
    }
  }
}

/// A store with a flow whose email step has written `contacts` messages to the outbox, and
/// a delivery worker over it, on a clock the test moves.
struct DeliveryFixture {
  static let key = Data((0..<32).map { UInt8($0 * 7 % 256) })
  static var secret: String { "whsec_" + key.base64EncodedString() }

  let fixture: ServiceFixture
  var host: FlowHost { fixture.parts.host }
  var clock: ManualClock { fixture.clock }

  init(contacts: Int = 1) async throws {
    fixture = try ServiceFixture()
    let definition = try JSONDecoder().decode(FlowDefinition.self, from: Data(Bodies.flow().utf8))
    try await fixture.parts.host.perform { engine in
      let id = try engine.createFlow(definition).id
      _ = try engine.start(id)
      for n in 0..<contacts {
        engine.upsertContact(
          Contact(id: "c\(n)", email: "person\(n)@example.com", subscriptions: ["newsletter"]))
        _ = try engine.enroll("c\(n)", in: id)
      }
    }
    try await fixture.parts.host.runDue()
  }

  func worker(_ url: String, _ change: (inout DeliveryConfiguration) -> Void = { _ in }) throws
    -> DeliveryService
  {
    var configuration = DeliveryConfiguration(url: url, secret: try #require(WebhookSecret(Self.secret)))
    // The product's own time-out: a parallel test run on two cores can hold a loopback answer
    // back for more than a second. The test of time-outs sets its own.
    configuration.timeout = .seconds(10)
    change(&configuration)
    return DeliveryService(
      host: host, configuration: configuration, metrics: fixture.parts.metrics,
      logger: Logger(label: "delivery"))
  }

  func outbox() async throws -> [OutboxEntry] {
    try await host.outbox(status: nil, flowId: nil, after: nil, limit: 1000)
  }
}

/// Runs `body` with an HTTP client that is shut down after it.
@discardableResult
func withClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
  let client = HTTPClient(eventLoopGroupProvider: .singleton)
  do {
    let result = try await body(client)
    try await client.shutdown()
    return result
  } catch {
    try await client.shutdown()
    throw error
  }
}

@Suite("Delivery to a webhook receiver")
struct DeliveryTests {
  @Test func everyMessageArrivesSignedUnderItsStableIdWithTheDocumentedBody() async throws {
    let delivery = try await DeliveryFixture(contacts: 3)
    defer { delivery.fixture.cleanUp() }
    let receiver = Receiver(key: DeliveryFixture.key)
    try await receiver.run { url in
      try await withClient { client in
        let claimed = try await delivery.worker(url).deliverBatch(client: client)
        #expect(claimed == 3)
      }
    }
    let seen = receiver.seen
    #expect(seen.count == 3)
    #expect(seen.allSatisfy { $0.signatureIsValid })
    let entries = try await delivery.outbox()
    #expect(entries.allSatisfy { $0.status == .delivered && $0.attempts == 1 && $0.deliveredAt != nil })
    #expect(Set(seen.map(\.id)) == Set(entries.map(\.message.messageId)))
    let first = seen[0].json
    #expect(first["type"] as? String == "message.email")
    let data = try #require(first["data"] as? [String: Any])
    #expect(data["messageId"] as? String == seen[0].id)
    #expect(data["subject"] as? String == "Hi")
    #expect(data["from"] as? String == "news@example.com")
    #expect(data["replyTo"] as? String == "help@example.com")
    #expect((data["to"] as? String)?.hasSuffix("@example.com") == true)
    for key in ["flowId", "contactId", "stepId", "channel", "language", "text", "html"] {
      #expect(data.keys.contains(key), "data.\(key)")
    }
    #expect(abs(Double(seen[0].timestamp) - Date().timeIntervalSince1970) < 60)
  }

  @Test func aSignatureUnderAnotherSecretDoesNotVerify() async throws {
    // The receiver's own check is what the other tests rely on: it must be able to fail.
    let receiver = Receiver(key: Data(repeating: 1, count: 32))
    let secret = try #require(WebhookSecret(DeliveryFixture.secret))
    let signature = secret.signature(id: "msg_x", timestamp: 1, body: Data("{}".utf8))
    #expect(!receiver.verify(id: "msg_x", timestamp: "1", signature: signature, body: Data("{}".utf8)))
    let same = Receiver(key: DeliveryFixture.key)
    #expect(same.verify(id: "msg_x", timestamp: "1", signature: signature, body: Data("{}".utf8)))
  }

  @Test func a503IsRetriedWithinFiveSecondsUnderTheSameIdThenDelivered() async throws {
    let delivery = try await DeliveryFixture()
    defer { delivery.fixture.cleanUp() }
    let receiver = Receiver(key: DeliveryFixture.key, answers: [(.serviceUnavailable, [:]), (.ok, [:])])
    try await receiver.run { url in
      try await withClient { client in
        let worker = try delivery.worker(url)
        try await worker.deliverBatch(client: client)
        let pending = try #require(try await delivery.outbox().first)
        #expect(pending.status == .pending)
        #expect(pending.lastError?.code == .receiverFailed)
        let wait = try #require(pending.nextAttemptAt).timeIntervalSince(delivery.clock.now)
        #expect(wait > 0 && wait <= 5)
        // Not due yet: nothing is sent before the backoff has passed.
        #expect(try await worker.deliverBatch(client: client) == 0)
        delivery.clock.advance(by: wait)
        #expect(try await worker.deliverBatch(client: client) == 1)
      }
    }
    let entry = try #require(try await delivery.outbox().first)
    #expect(entry.status == .delivered)
    #expect(entry.attempts == 2)
    #expect(receiver.seen.count == 2)
    #expect(Set(receiver.seen.map(\.id)) == [entry.message.messageId])
    #expect(receiver.seen.allSatisfy { $0.signatureIsValid })
  }

  @Test func a429WaitsAtLeastItsRetryAfter() async throws {
    let delivery = try await DeliveryFixture()
    defer { delivery.fixture.cleanUp() }
    let receiver = Receiver(
      key: DeliveryFixture.key, answers: [(.tooManyRequests, [HTTPField.Name("Retry-After")!: "120"])])
    try await receiver.run { url in
      try await withClient { client in try await delivery.worker(url).deliverBatch(client: client) }
    }
    let entry = try #require(try await delivery.outbox().first)
    #expect(entry.status == .pending)
    #expect(entry.lastError?.code == .receiverThrottled)
    #expect(try #require(entry.nextAttemptAt).timeIntervalSince(delivery.clock.now) >= 120)
  }

  @Test func a400IsDeadAtOnceWithItsCodeExplainedInDutch() async throws {
    let delivery = try await DeliveryFixture()
    defer { delivery.fixture.cleanUp() }
    let receiver = Receiver(key: DeliveryFixture.key, answers: [(.badRequest, [:])])
    try await receiver.run { url in
      try await withClient { client in try await delivery.worker(url).deliverBatch(client: client) }
    }
    let entry = try #require(try await delivery.outbox().first)
    #expect(entry.status == .dead)
    #expect(entry.attempts == 1)
    #expect(entry.lastError?.code == .receiverRejected)
    #expect(receiver.seen.count == 1)
    try await delivery.fixture.test { client in
      let page = try await client.call(
        .get, "/v1/outbox?status=dead", token: ServiceFixture.readerToken, language: "nl")
      #expect(page.status == .ok)
      let messages = try #require(page.body["messages"] as? [[String: Any]])
      #expect(messages.count == 1)
      let error = try #require(messages.first?["lastError"] as? [String: Any])
      #expect(error["code"] as? String == "FD6001")
      #expect(error["title"] as? String == "Ontvanger weigerde het bericht")
      let code = try await client.call(.get, "/v1/codes/FD6001", language: "nl")
      #expect(code.body["language"] as? String == "nl")
      #expect((code.body["resolution"] as? [String])?.isEmpty == false)
    }
  }

  @Test func aReceiverThatNeverAnswersTimesOutIsRetriedThenDead() async throws {
    let delivery = try await DeliveryFixture()
    defer { delivery.fixture.cleanUp() }
    let receiver = Receiver(key: DeliveryFixture.key, hang: .seconds(2))
    try await receiver.run { url in
      try await withClient { client in
        let worker = try delivery.worker(url) {
          $0.timeout = .milliseconds(200)
          $0.attempts = 2
        }
        try await worker.deliverBatch(client: client)
        let first = try #require(try await delivery.outbox().first)
        #expect(first.status == .pending)
        #expect(first.lastError?.code == .receiverTimedOut)
        delivery.clock.advance(by: 10)
        try await worker.deliverBatch(client: client)
      }
    }
    let entry = try #require(try await delivery.outbox().first)
    #expect(entry.status == .dead)
    #expect(entry.attempts == 2)
    #expect(entry.lastError?.code == .receiverTimedOut)
    #expect(Set(receiver.seen.map(\.id)) == [entry.message.messageId])
  }

  @Test func aRefusedConnectionIsRetried() async throws {
    let delivery = try await DeliveryFixture()
    defer { delivery.fixture.cleanUp() }
    // A port that was just listening and is closed now: connecting is refused.
    let url = try await Receiver(key: DeliveryFixture.key).run { $0 }
    try await withClient { client in try await delivery.worker(url).deliverBatch(client: client) }
    let entry = try #require(try await delivery.outbox().first)
    #expect(entry.status == .pending)
    #expect(entry.lastError?.code == .receiverUnreachable)
  }

  @Test func aRefusedConnectionIsExplainedWhollyInTheReadersLanguage() async throws {
    let delivery = try await DeliveryFixture()
    defer { delivery.fixture.cleanUp() }
    let url = try await Receiver(key: DeliveryFixture.key).run { $0 }
    try await withClient { client in try await delivery.worker(url).deliverBatch(client: client) }
    let entry = try #require(try await delivery.outbox().first)
    #expect(entry.lastError?.parameters["reason"] == "reason.connectionRefused")
    try await delivery.fixture.test { client in
      for (language, reason) in [
        ("en", "the connection was refused"), ("nl", "de verbinding werd geweigerd"),
        ("sv", "anslutningen nekades"),
      ] {
        let page = try await client.call(.get, "/v1/outbox", language: language)
        let messages = try #require(page.body["messages"] as? [[String: Any]])
        let error = try #require(messages.first?["lastError"] as? [String: Any])
        #expect(error["code"] as? String == "FD6005")
        let detail = try #require(error["detail"] as? String)
        #expect(detail.hasSuffix(": \(reason)."), "\(language): \(detail)")
        if language != "en" { #expect(!detail.contains("connection"), "\(language): \(detail)") }
      }
    }
  }

  @Test func aWorkerThatDiesBetweenSendAndRecordIsFollowedBySendingTheSameIdAgain() async throws {
    let delivery = try await DeliveryFixture()
    defer { delivery.fixture.cleanUp() }
    let receiver = Receiver(key: DeliveryFixture.key)
    try await receiver.run { url in
      try await withClient { client in
        let worker = try delivery.worker(url) { $0.lease = .seconds(30) }
        // The first worker claims and sends, and dies before recording.
        let claimed = try await delivery.host.claimDeliveries(limit: 10, lease: 30)
        #expect(claimed.count == 1)
        _ = await worker.send(claimed[0].message, client: client)
        // While its lease holds, no other worker takes the message.
        #expect(try await worker.deliverBatch(client: client) == 0)
        delivery.clock.advance(by: 31)
        #expect(try await worker.deliverBatch(client: client) == 1)
      }
    }
    let entry = try #require(try await delivery.outbox().first)
    #expect(entry.status == .delivered)
    #expect(receiver.seen.count == 2)
    #expect(Set(receiver.seen.map(\.id)) == [entry.message.messageId])
  }

  @Test func aDeadMessageIsSentAgainOnlyWhenTheAdministratorAsks() async throws {
    let delivery = try await DeliveryFixture()
    defer { delivery.fixture.cleanUp() }
    let rejecting = Receiver(key: DeliveryFixture.key, answers: [(.gone, [:])])
    try await rejecting.run { url in
      try await withClient { client in try await delivery.worker(url).deliverBatch(client: client) }
    }
    let dead = try #require(try await delivery.outbox().first)
    #expect(dead.status == .dead)
    let id = dead.message.messageId
    let app = Application(router: FlowdeskApplication.router(delivery.fixture.parts, logRequests: false))
    try await app.test(.router) { client in
      let reader = try await client.call(.post, "/v1/outbox/\(id)/retry", token: ServiceFixture.readerToken)
      #expect(reader.status == .forbidden)
      let unknown = try await client.call(.post, "/v1/outbox/msg_bm9uZQ/retry")
      #expect(unknown.status == .notFound)
      #expect(unknown.body["code"] as? String == "FD1521")
      let retried = try await client.call(.post, "/v1/outbox/\(id)/retry")
      #expect(retried.status == .accepted)
      #expect(retried.body["status"] as? String == "pending")
      let again = try await client.call(.post, "/v1/outbox/\(id)/retry")
      #expect(again.status == .conflict)
      #expect(again.body["code"] as? String == "FD1522")
    }
    let accepting = Receiver(key: DeliveryFixture.key)
    try await accepting.run { url in
      try await withClient { client in try await delivery.worker(url).deliverBatch(client: client) }
    }
    #expect(try await delivery.outbox().first?.status == .delivered)
    #expect(accepting.seen.map(\.id) == [id])
  }

  @Test func theOutboxIsPagedByCursorAndFilteredByStatusAndFlow() async throws {
    let delivery = try await DeliveryFixture(contacts: 5)
    try await delivery.fixture.test { client in
      var ids: [String] = []
      var cursor: String?
      repeat {
        let page = try await client.call(
          .get, "/v1/outbox?limit=2&status=pending&flowId=flow-1" + (cursor.map { "&cursor=\($0)" } ?? ""),
          token: ServiceFixture.readerToken)
        #expect(page.status == .ok)
        ids += (page.body["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        cursor = page.body["next"] as? String
      } while cursor != nil && ids.count < 10
      #expect(ids.count == 5)
      #expect(Set(ids).count == 5)
      let none = try await client.call(.get, "/v1/outbox?status=delivered", token: ServiceFixture.readerToken)
      #expect((none.body["messages"] as? [Any])?.isEmpty == true)
      let other = try await client.call(.get, "/v1/outbox?flowId=nope", token: ServiceFixture.readerToken)
      #expect((other.body["messages"] as? [Any])?.isEmpty == true)
      let bad = try await client.call(.get, "/v1/outbox?status=lost", token: ServiceFixture.readerToken)
      #expect(bad.status == .unprocessableContent)
    }
  }

  @Test func theReceiverGetsTheContactsLanguageRenderedWithHTMLEscaped() async throws {
    let fixture = try ServiceFixture()
    defer { fixture.cleanUp() }
    let json = #"""
      {"name": "Content", "settings": {"emailFrom": "news@example.com", "emailReplyTo": "help@example.com",
        "subscriptionType": "newsletter"}, "trigger": {"onlyOnce": false},
       "steps": [{"id": "hello", "type": "sendEmail", "subject": "Hi {{contact.firstName}}",
                  "text": "Plan {{contact.properties.plan}}", "html": "<p>Hi {{contact.firstName}}</p>",
                  "content": {"nl": {"subject": "Hoi {{contact.firstName}}"}}},
                 {"id": "done", "type": "finish"}]}
      """#
    let definition = try JSONDecoder().decode(FlowDefinition.self, from: Data(json.utf8))
    try await fixture.parts.host.perform { engine in
      let id = try engine.createFlow(definition).id
      _ = try engine.start(id)
      engine.upsertContact(
        Contact(
          id: "bo", email: "bo@example.com", subscriptions: ["newsletter"],
          properties: ["firstName": "Bo <3", "plan": "Pro"], language: "nl-NL"))
      _ = try engine.enroll("bo", in: id)
    }
    try await fixture.parts.host.runDue()
    let secret = try #require(WebhookSecret(DeliveryFixture.secret))
    let receiver = Receiver(key: DeliveryFixture.key)
    try await receiver.run { url in
      let configuration = DeliveryConfiguration(url: url, secret: secret)
      let worker = DeliveryService(
        host: fixture.parts.host, configuration: configuration, metrics: fixture.parts.metrics,
        logger: Logger(label: "delivery"))
      try await withClient { client in try await worker.deliverBatch(client: client) }
    }
    let data = try #require(receiver.seen.first?.json["data"] as? [String: Any])
    #expect(receiver.seen.first?.signatureIsValid == true)
    #expect(data["language"] as? String == "nl")
    #expect(data["subject"] as? String == "Hoi Bo <3")
    #expect(data["text"] as? String == "Plan Pro")
    #expect(data["html"] as? String == "<p>Hi Bo &lt;3</p>")
  }

  @Test func aFlowWithATemplateThatDoesNotParseIsRefusedWithFD1205() async throws {
    try await ServiceFixture().test { client in
      let json = #"""
        {"name": "Broken", "settings": {}, "trigger": {"onlyOnce": false},
         "steps": [{"id": "hello", "type": "sendEmail", "subject": "Hi",
                    "content": {"sv": {"html": "<p>{{#contact.firstName}}</p>"}}}]}
        """#
      let created = try await client.call(.post, "/v1/flows", json: json, language: "nl")
      #expect(created.status == .unprocessableContent)
      #expect(created.body["code"] as? String == "FD1205")
      let detail = try #require(created.body["detail"] as? String)
      #expect(detail.contains("hello") && detail.contains("sv") && detail.contains("regel 1"))
    }
  }

  @Test func backoffDoublesWithJitterAndStaysUnderTheCap() throws {
    var configuration = DeliveryConfiguration(
      url: "http://127.0.0.1:1/hook", secret: try #require(WebhookSecret(DeliveryFixture.secret)))
    configuration.baseDelay = .seconds(2)
    configuration.maximumDelay = .seconds(60)
    #expect(configuration.backoff(afterAttempt: 1, jitter: 0) == .seconds(1))
    #expect(configuration.backoff(afterAttempt: 1, jitter: 1) == .seconds(2))
    #expect(configuration.backoff(afterAttempt: 3, jitter: 1) == .seconds(8))
    #expect(configuration.backoff(afterAttempt: 30, jitter: 1) == .seconds(60))
  }

  @Test func aSecretIsReadOnlyInTheSpecificationsFormAndNeverPrinted() throws {
    #expect(WebhookSecret("not-a-secret") == nil)
    #expect(WebhookSecret("whsec_" + Data(repeating: 1, count: 8).base64EncodedString()) == nil)
    let secret = try #require(WebhookSecret(DeliveryFixture.secret))
    #expect(!"\(secret)".contains(DeliveryFixture.key.base64EncodedString()))
    #expect(throws: (any Error).self) {
      try DeliveryConfiguration.from(environment: ["FLOWDESK_WEBHOOK_URL": "http://127.0.0.1:9/hook"])
    }
    #expect(try DeliveryConfiguration.from(environment: [:]) == nil)
  }
}
