import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

#if canImport(Glibc)
  import Glibc
#endif

/// `flowdesk serve` killed with SIGKILL while messages are on their way to a receiver, then
/// started again on the same data folder.
@Suite("Delivery across a crash")
struct DeliveryCrashTests {
  static let key = Data((0..<32).map { UInt8(($0 * 11 + 3) % 256) })

  /// What the receiver saw: the webhook-id header, the message id in the body, and whether
  /// the signature is right, checked here from the specification with swift-crypto.
  struct Seen: Sendable {
    let id: String
    let messageId: String
    let signed: Bool
  }

  /// A `flowdesk serve` process delivering to `webhook`.
  static func serve(data: URL, port: Int, webhook: String) throws -> Process {
    let process = Process()
    process.executableURL = CLI.executable
    process.arguments = [
      "serve", "--host", "127.0.0.1", "--port", String(port), "--data", data.path, "--webhook-url", webhook,
      "--content", CLI.packageRoot.appendingPathComponent("content").path,
      "--locales", CLI.packageRoot.appendingPathComponent("locales").path,
    ]
    process.environment = ProcessInfo.processInfo.environment.merging(
      [
        "FLOWDESK_ADMIN_TOKEN": "crash-admin", "LOG_LEVEL": "error",
        "FLOWDESK_WEBHOOK_SECRET": "whsec_" + key.base64EncodedString(),
        "FLOWDESK_DELIVERY_TIMEOUT": "5", "FLOWDESK_DELIVERY_LEASE": "6",
      ]
    ) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  static func call(_ method: String, _ port: Int, _ path: String, _ json: String? = nil) async throws -> (
    Int, [String: Any]
  ) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.setValue("Bearer crash-admin", forHTTPHeaderField: "Authorization")
    if let json {
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
      request.httpBody = Data(json.utf8)
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    return (
      (response as? HTTPURLResponse)?.statusCode ?? 0,
      (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    )
  }

  @Test func aServiceKilledBetweenSendingAndRecordingResendsUnderTheSameIdsAndLosesNothing() async throws {
    let seen = Mutex<[Seen]>([])
    let router = Router()
    router.post("hook") { request, _ -> Response in
      let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
      let id = request.headers[HTTPField.Name("webhook-id")!] ?? ""
      let timestamp = request.headers[HTTPField.Name("webhook-timestamp")!] ?? ""
      let signature = request.headers[HTTPField.Name("webhook-signature")!] ?? ""
      let code = HMAC<SHA256>.authenticationCode(
        for: Data("\(id).\(timestamp).".utf8) + body, using: SymmetricKey(data: Self.key))
      let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
      let messageId = (json?["data"] as? [String: Any])?["messageId"] as? String ?? ""
      seen.withLock {
        $0.append(
          Seen(id: id, messageId: messageId, signed: signature == "v1," + Data(code).base64EncodedString()))
      }
      // Slow to answer: a kill lands while messages wait for their answer.
      try? await Task.sleep(for: .milliseconds(500))
      return Response(status: .noContent)
    }
    let receiver = Application(
      router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
      logger: Logger(label: "receiver"))
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("flowdesk-crash-\(UUID())")
    defer { try? FileManager.default.removeItem(at: data) }
    try await receiver.test(.live) { client in
      let webhook = "http://127.0.0.1:\(try #require(client.port))/hook"
      let port = try ServeCommandTests.freePort()
      var server = try Self.serve(data: data, port: port, webhook: webhook)
      defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
      #expect(try await eventually(within: .seconds(90)) { await ServeCommandTests.health(port) })

      let count = 40
      for n in 0..<count {
        _ = try await Self.call(
          "PUT", port, "/v1/contacts/c\(n)",
          #"{"email": "c\#(n)@example.com", "consent": true, "subscriptions": ["news"]}"#)
      }
      let flow = #"""
        {"name": "Crash", "settings": {"emailFrom": "a@example.com", "emailReplyTo": "b@example.com",
          "subscriptionType": "news"}, "trigger": {"onlyOnce": false},
         "steps": [{"id": "hello", "type": "sendEmail", "subject": "Hi"}, {"id": "done", "type": "finish"}]}
        """#
      #expect(try await Self.call("POST", port, "/v1/flows", flow).0 == 201)
      #expect(try await Self.call("POST", port, "/v1/flows/flow-1/start").0 == 200)
      let ids = (0..<count).map { "\"c\($0)\"" }.joined(separator: ", ")
      _ = try await Self.call("POST", port, "/v1/flows/flow-1/enrollments", #"{"contactIds": [\#(ids)]}"#)

      // Kill the service while the first messages wait for their answers.
      #expect(try await eventually(within: .seconds(90)) { seen.withLock { $0.count } >= 1 })
      kill(server.processIdentifier, SIGKILL)
      server.waitUntilExit()
      // What arrived before the kill was never answered, so never recorded as delivered.
      let inFlight = Set(seen.withLock { $0.map(\.id) })

      server = try Self.serve(data: data, port: port, webhook: webhook)
      #expect(try await eventually(within: .seconds(90)) { await ServeCommandTests.health(port) })
      let allDelivered = try await eventually(within: .seconds(120)) {
        let page = try? await Self.call("GET", port, "/v1/outbox?status=delivered&limit=1000")
        return (page?.1["messages"] as? [Any])?.count == count
      }
      #expect(allDelivered, "every message is delivered after the restart")
      let outbox = try await Self.call("GET", port, "/v1/outbox?limit=1000").1["messages"] as? [[String: Any]]
      let stored = Set((outbox ?? []).compactMap { $0["id"] as? String })
      let requests = seen.withLock { $0 }
      #expect(stored.count == count)
      #expect(Set(requests.map(\.id)) == stored, "none is lost")
      #expect(requests.allSatisfy { $0.id == $0.messageId && $0.signed })
      // The messages in flight at the kill came again, under the ids they had.
      #expect(!inFlight.isEmpty)
      for id in inFlight {
        #expect(requests.filter { $0.id == id }.count >= 2, "\(id) was not sent again after the restart")
      }
      kill(server.processIdentifier, SIGTERM)
      server.waitUntilExit()
    }
  }
}
