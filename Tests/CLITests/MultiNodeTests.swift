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

/// Several `flowdesk serve` processes on one PostgreSQL database behave as one service.
@Suite("Several nodes on one PostgreSQL", .serialized)
struct MultiNodeTests {
  static let token = "multi-node-token"
  static let key = Data((0..<32).map { UInt8($0 * 11 % 256) })

  /// A webhook receiver that checks each signature itself, from the Standard Webhooks
  /// specification (HMAC-SHA256 of `id.timestamp.body`), and keeps what it received.
  final class Receiver: Sendable {
    struct Seen: Sendable {
      var webhookId: String
      var contactId: String
      var messageId: String
      var valid: Bool
    }
    private let state = Mutex<[Seen]>([])
    var seen: [Seen] { state.withLock { $0 } }

    func run<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
      let router = Router()
      router.post("hook") { request, _ -> Response in
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let body = Data(buffer: bytes)
        let id = request.headers[HTTPField.Name("webhook-id")!] ?? ""
        let timestamp = request.headers[HTTPField.Name("webhook-timestamp")!] ?? ""
        let signature = request.headers[HTTPField.Name("webhook-signature")!] ?? ""
        let code = HMAC<SHA256>.authenticationCode(
          for: Data("\(id).\(timestamp).".utf8) + body, using: SymmetricKey(data: MultiNodeTests.key))
        let valid = signature.split(separator: " ").contains {
          $0 == "v1," + Data(code).base64EncodedString()
        }
        let data =
          ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["data"] as? [String: Any]
        self.state.withLock {
          $0.append(
            Seen(
              webhookId: id, contactId: data?["contactId"] as? String ?? "",
              messageId: data?["messageId"] as? String ?? "", valid: valid))
        }
        return Response(status: .ok)
      }
      let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        logger: Logger(label: "receiver"))
      return try await app.test(.live) { client in
        try await body("http://127.0.0.1:\(try #require(client.port))/hook")
      }
    }
  }

  /// One node: `flowdesk serve` on the shared database, on its own port.
  final class Node: @unchecked Sendable {
    let port: Int
    /// What the node printed: its errors, for a failure's message.
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("flowdesk-node-\(UUID()).log")
    let arguments: [String]
    let environment: [String: String]
    private(set) var process = Process()

    init(database: String, webhook: String) throws {
      port = try ServeCommandTests.freePort()
      arguments = [
        "serve", "--host", "127.0.0.1", "--port", String(port), "--database", database, "--webhook-url",
        webhook,
        "--content", CLI.packageRoot.appendingPathComponent("content").path, "--locales",
        CLI.packageRoot.appendingPathComponent("locales").path,
      ]
      environment = ProcessInfo.processInfo.environment.merging(
        [
          "FLOWDESK_ADMIN_TOKEN": MultiNodeTests.token, "LOG_LEVEL": "error",
          "FLOWDESK_WEBHOOK_SECRET": "whsec_" + MultiNodeTests.key.base64EncodedString(),
          "FLOWDESK_DELIVERY_BASE_DELAY": "0.2", "FLOWDESK_DELIVERY_TIMEOUT": "2",
          "FLOWDESK_DELIVERY_LEASE": "5",
        ]
      ) { $1 }
    }

    func start() async throws {
      process = Process()
      process.executableURL = CLI.executable
      process.arguments = arguments
      process.environment = environment
      _ = FileManager.default.createFile(atPath: log.path, contents: nil)
      let output = try FileHandle(forWritingTo: log)
      output.seekToEndOfFile()
      process.standardOutput = output
      process.standardError = output
      try process.run()
      let up = try await eventually(within: .seconds(90)) { await ServeCommandTests.health(port) }
      try #require(up, "node on port \(port) did not start: \(printed)")
    }

    func kill() {
      _ = Glibc.kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }

    func stop() {
      if process.isRunning { process.terminate() }
      process.waitUntilExit()
      try? FileManager.default.removeItem(at: log)
    }

    var printed: String {
      (try? String(contentsOf: log, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
    }

    /// What a node answered: the status, and the fields of the JSON answer the test reads.
    struct Reply: Sendable, CustomStringConvertible {
      var status: Int
      var code: String?
      var id: String?
      var participants: [String: Int]
      var text: String
      var description: String { "\(status) \(text.prefix(300))" }
    }

    /// A request with the administrator token.
    @discardableResult
    func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> Reply {
      var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
      request.httpMethod = method
      request.setValue("Bearer \(MultiNodeTests.token)", forHTTPHeaderField: "Authorization")
      if let body {
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
      }
      request.timeoutInterval = 60
      let (data, response) = try await URLSession.shared.data(for: request)
      let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
      return Reply(
        status: (response as? HTTPURLResponse)?.statusCode ?? 0, code: json["code"] as? String,
        id: json["id"] as? String, participants: json["participants"] as? [String: Int] ?? [:],
        text: String(decoding: data, as: UTF8.self))
    }
  }

  /// Three nodes, 1,200 enrollments spread over them, three pauses racing on three nodes,
  /// two nodes killed with SIGKILL while they deliver and one restarted: every participant
  /// finishes once, every node reports the same counts, and every contact's message arrived
  /// under one webhook id, correctly signed.
  @Test func nodesOnOneDatabaseBehaveAsOneService() async throws {
    if let reason = await PostgresCluster.unavailable() {
      Issue.record("skipped: \(reason)", severity: .warning)
      return
    }
    let database = try await PostgresCluster.database()
    let receiver = Receiver()
    try await receiver.run { webhook in
      let nodes = try (0..<3).map { _ in try Node(database: database, webhook: webhook) }
      defer { for node in nodes { node.stop() } }
      // Together: nodes that start at once migrate the database once.
      try await withThrowingTaskGroup(of: Void.self) { group in
        for node in nodes { group.addTask { try await node.start() } }
        try await group.waitForAll()
      }
      let created = try await nodes[0].call(
        "POST", "/v1/flows",
        """
        {"name": "Welcome", "settings": {"emailFrom": "news@example.com", "emailReplyTo": "help@example.com",
          "subscriptionType": "newsletter"},
         "steps": [{"id": "hello", "type": "sendEmail", "subject": "Hi"}, {"id": "done", "type": "finish"}]}
        """)
      #expect(created.status == 201, "\(created)")
      let id = try #require(created.id)
      // Flow ids never collide: the other nodes create flows of their own at the same time.
      let others = try await withThrowingTaskGroup(of: String?.self) { group in
        for node in nodes {
          group.addTask {
            try await node.call(
              "POST", "/v1/flows",
              #"{"name": "Other", "settings": {}, "steps": [{"id": "done", "type": "finish"}]}"#
            ).id
          }
        }
        return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
      }
      #expect(Set(others + [id]).count == others.count + 1, "flow ids: \(others + [id])")
      #expect(try await nodes[1].call("POST", "/v1/flows/\(id)/start").status == 200)

      let contacts = (0..<1200).map { "c\($0)" }
      try await withThrowingTaskGroup(of: Void.self) { group in
        for (index, chunk) in stride(from: 0, to: contacts.count, by: 100).enumerated() {
          let node = nodes[index % 3]
          let batch = Array(contacts[chunk..<chunk + 100])
          group.addTask {
            for contact in batch {
              let reply = try await node.call(
                "PUT", "/v1/contacts/\(contact)",
                #"{"email": "\#(contact)@example.com", "consent": true, "subscriptions": ["newsletter"]}"#)
              #expect(reply.status == 200 || reply.status == 201, "\(reply)")
            }
            let list = batch.map { "\"\($0)\"" }.joined(separator: ",")
            let reply = try await node.call(
              "POST", "/v1/flows/\(id)/enrollments", #"{"contactIds": [\#(list)]}"#)
            #expect(reply.status == 200, "\(reply)")
          }
        }
        // Three pauses at once, on three nodes, while the enrollments go on: one succeeds,
        // the others get the engine's refusal for a flow that is already paused.
        group.addTask {
          try await Task.sleep(for: .milliseconds(300))
          let answers = try await withThrowingTaskGroup(of: Node.Reply.self) { pauses in
            for node in nodes { pauses.addTask { try await node.call("POST", "/v1/flows/\(id)/pause") } }
            return try await pauses.reduce(into: []) { $0.append($1) }
          }
          #expect(answers.filter { $0.status == 200 }.count == 1, "\(answers)")
          let refused = answers.filter { $0.status != 200 }
          #expect(refused.count == 2)
          #expect(refused.allSatisfy { $0.code == "FD1104" }, "\(refused)")
          // Paused on every node: no node's scheduler moves anyone now.
          let before = try await nodes[2].call("GET", "/v1/flows/\(id)").participants
          try await Task.sleep(for: .seconds(1))
          let after = try await nodes[0].call("GET", "/v1/flows/\(id)").participants
          #expect(
            before["finished"] == after["finished"],
            "a paused flow did not move: \(before) \(after)")
          #expect(try await nodes[1].call("POST", "/v1/flows/\(id)/resume").status == 200)
        }
        try await group.waitForAll()
      }
      // Two nodes die while messages are on their way; one comes back.
      try await Task.sleep(for: .milliseconds(200))
      nodes[0].kill()
      nodes[1].kill()
      try await nodes[0].start()
      let live = [nodes[0], nodes[2]]
      var finished = 0
      for _ in 0..<600 {
        let counts = try await live[0].call("GET", "/v1/flows/\(id)").participants
        finished = counts["finished"] ?? 0
        let delivered = Set(receiver.seen.map(\.contactId))
        if finished == contacts.count && delivered.count == contacts.count { break }
        try await Task.sleep(for: .milliseconds(200))
      }
      #expect(finished == contacts.count)
      var reported: [[String: Int]] = []
      for node in live {
        reported.append(
          try await node.call("GET", "/v1/flows/\(id)").participants)
      }
      #expect(reported.allSatisfy { $0 == reported[0] }, "every node reports the same counts: \(reported)")
      #expect(reported[0]["finished"] == contacts.count && reported[0]["active"] ?? 0 == 0)
      let seen = receiver.seen
      #expect(seen.allSatisfy { $0.valid }, "every signature checks out")
      let idsByContact = Dictionary(grouping: seen, by: \.contactId).mapValues { Set($0.map(\.webhookId)) }
      #expect(Set(idsByContact.keys) == Set(contacts), "every contact's message arrived")
      #expect(idsByContact.values.allSatisfy { $0.count == 1 }, "each message under one webhook id")
      let repeats = seen.count - idsByContact.count
      Issue.record(
        "delivered \(seen.count) requests for \(idsByContact.count) messages (\(repeats) re-sent)",
        severity: .warning)
    }
  }

  /// A database that cannot be reached at start: a clear error naming host and port, and
  /// a non-zero exit, at once.
  @Test func serveExitsWithAClearErrorWhenTheDatabaseIsUnreachable() async throws {
    let port = try ServeCommandTests.freePort()
    var environment = ProcessInfo.processInfo.environment
    environment["FLOWDESK_ADMIN_TOKEN"] = "t"
    let result = try await CLI.run(
      ["serve", "--port", "0", "--database", "postgres://flowdesk:hunter2@127.0.0.1:\(port)/flows"],
      environment: environment)
    #expect(result.status == 2)
    #expect(result.stderr.contains("postgres://127.0.0.1:\(port)/flows"), "\(result.stderr)")
    #expect(!result.stderr.contains("hunter2"), "the password is never printed")
  }

  /// A shared database needs its administrator token configured: never generated.
  @Test func aSharedDatabaseWithoutAnAdministratorTokenIsRefused() async throws {
    var environment = ProcessInfo.processInfo.environment
    environment["FLOWDESK_ADMIN_TOKEN"] = nil
    let result = try await CLI.run(
      ["serve", "--port", "0", "--database", "postgres://flowdesk@127.0.0.1:1/flows"],
      environment: environment)
    #expect(result.status == 2)
    #expect(result.stderr.contains("FLOWDESK_ADMIN_TOKEN"), "\(result.stderr)")
  }
}
