import FlowdeskServer
import Foundation
import Logging
import Synchronization
import Testing

/// Keeps every message logged through it, with its metadata, for a test to read.
final class CapturedLog: Sendable {
  struct Entry: Sendable {
    let level: Logger.Level
    let message: String
    let metadata: [String: String]
  }

  private let entries = Mutex<[Entry]>([])

  var all: [Entry] { entries.withLock { $0 } }

  func logger(_ label: String) -> Logger {
    Logger(label: label) { _ in Handler(log: self) }
  }

  fileprivate func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

  struct Handler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
      let merged = metadata.merging(event.metadata ?? [:]) { $1 }
      log.append(
        Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
  }
}

@Suite("Delivery worker log")
struct DeliveryLogTests {
  @Test func theWebhookEndpointIsLoggedWithoutItsCredentials() async throws {
    let fixture = try ServiceFixture()
    defer { fixture.cleanUp() }
    let log = CapturedLog()
    let url = "https://hook-user:hook-password@hooks.example.com:8443/flowdesk/in?token=s3cr3t#frag"
    let configuration = DeliveryConfiguration(
      url: url, secret: try #require(WebhookSecret(DeliveryFixture.secret)))
    let worker = DeliveryService(
      host: fixture.parts.host, configuration: configuration, metrics: fixture.parts.metrics,
      logger: log.logger("delivery"))
    let running = Task { try await worker.run() }
    for _ in 0..<200 where !log.all.contains(where: { $0.message == "delivery worker started" }) {
      try await Task.sleep(for: .milliseconds(10))
    }
    running.cancel()
    _ = try? await running.value
    let started = try #require(log.all.first { $0.message == "delivery worker started" })
    #expect(started.metadata["endpoint"] == "https://hooks.example.com:8443/flowdesk/in")
    for entry in log.all {
      let text = entry.message + " " + entry.metadata.values.joined(separator: " ")
      #expect(!text.contains("hook-password") && !text.contains("hook-user") && !text.contains("s3cr3t"))
    }
  }

  @Test func aRedactedURLKeepsOnlySchemeHostPortAndPath() {
    #expect(DeliveryConfiguration.redacted("http://localhost:8081/hooks") == "http://localhost:8081/hooks")
    #expect(DeliveryConfiguration.redacted("HTTPS://user@example.com") == "https://example.com")
    #expect(
      DeliveryConfiguration.redacted("https://example.com/in?api_key=abc&x=1") == "https://example.com/in")
    #expect(DeliveryConfiguration.redacted("http://u:p@[::1]:9000/a%20b?k=v") == "http://[::1]:9000/a%20b")
    #expect(DeliveryConfiguration.redacted("not a url with a secret") == "(not a URL)")
  }
}
