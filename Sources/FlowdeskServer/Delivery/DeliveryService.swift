import AsyncHTTPClient
import FlowEngine
import FlowStore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Drains the outbox: claims due messages in batches, POSTs each to the webhook receiver,
/// signed as Standard Webhooks asks, and records the outcome. No store transaction is open
/// while a message is on its way: claim (commit), send, record (a new transaction). A
/// worker that dies between sending and recording leaves its claim to expire, and the
/// message is sent again under the same `webhook-id`: at least once, never lost.
public struct DeliveryService: Service {
  let host: FlowHost
  let configuration: DeliveryConfiguration
  let metrics: FlowdeskMetrics
  let logger: Logger

  public init(
    host: FlowHost, configuration: DeliveryConfiguration, metrics: FlowdeskMetrics, logger: Logger
  ) {
    self.host = host
    self.configuration = configuration
    self.metrics = metrics
    self.logger = logger
  }

  public func run() async throws {
    // As many connections as the batches send at once, so no message waits for a connection
    // and times out for it.
    var pool = HTTPClient.Configuration.ConnectionPool()
    pool.concurrentHTTP1ConnectionsPerHostSoftLimit =
      configuration.sendersPerBatch * max(1, configuration.concurrentBatches)
    let client = HTTPClient(
      eventLoopGroupProvider: .singleton,
      configuration: HTTPClient.Configuration(
        redirectConfiguration: .disallow,
        timeout: .init(
          connect: Self.timeAmount(configuration.timeout), read: Self.timeAmount(configuration.timeout)),
        connectionPool: pool))
    logger.info(
      "delivery worker started",
      metadata: ["endpoint": "\(configuration.redactedURL)", "attempts": "\(configuration.attempts)"])
    // Several batches at once, each claimed under its own lease: while one waits for its
    // answers, another claims or records, so the store and the network overlap.
    await withTaskGroup(of: Void.self) { group in
      for _ in 0..<max(1, configuration.concurrentBatches) {
        group.addTask {
          var backoff = FailureBackoff()
          var backlogCounted = ContinuousClock.now - .seconds(1)
          while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var claimed = 0
            do {
              claimed = try await deliverBatch(client: client)
              // Counting the backlog reads every pending message's index entry: once a second
              // is enough for a gauge, and after every batch it cost as much as the batch.
              if ContinuousClock.now - backlogCounted >= .seconds(1) {
                metrics.outboxBacklog.set(Double(try await host.outboxBacklog()))
                backlogCounted = .now
              }
              backoff.succeeded()
            } catch {
              backoff.failed("delivery batch failed", error, logger: logger)
            }
            if let delay = backoff.delay(after: configuration.pollInterval) {
              try? await Task.sleep(for: delay)
            } else if claimed < configuration.batchSize {
              try? await Task.sleep(for: configuration.pollInterval)
            }
          }
        }
      }
    }
    try? await client.shutdown()
    logger.info("delivery worker stopped")
  }

  /// Claims one batch, sends its messages with `sendersPerBatch` POSTs on their way at once,
  /// and records their outcomes together in one transaction once all are known (one write
  /// per batch, not per message; a crash before it re-sends the batch under the same ids).
  /// Returns how many messages were claimed.
  @discardableResult
  public func deliverBatch(client: HTTPClient) async throws -> Int {
    let lease = Self.seconds(configuration.lease)
    let batch = try await host.claimDeliveries(limit: configuration.batchSize, lease: lease)
    guard !batch.isEmpty else { return 0 }
    var attempts: [(DeliveryService.Attempt, Duration)?] = Array(repeating: nil, count: batch.count)
    var outgoing: [WebhookBatchSender.Outgoing] = []
    for (index, entry) in batch.enumerated() {
      switch request(for: entry.message) {
      case .success(let (request, sentAt)):
        outgoing.append(.init(index: index, request: request, sentAt: sentAt))
      case .failure(let reason):
        attempts[index] = (.unreachable(reason.id), .zero)
      }
    }
    let sender = WebhookBatchSender(
      client: client, senders: configuration.sendersPerBatch, timeout: Self.timeAmount(configuration.timeout))
    for (message, answer) in zip(outgoing, await sender.send(outgoing)) { attempts[message.index] = answer }
    let results = zip(batch, attempts).map { entry, answer in
      let (attempt, latency) = answer ?? (.unreachable("reason.connectionFailed"), .zero)
      return (entry, decide(attempt, entry: entry), latency)
    }
    do {
      let recorded = try await host.recordDeliveries(results.map { ($0.0.message.idempotencyKey, $0.1) })
      for (entry, outcome, latency) in results where recorded.contains(entry.message.idempotencyKey) {
        report(entry, outcome, latency: latency)
      }
    } catch {
      // Not recorded: the claims expire and the messages are sent again, under the same ids.
      logger.error(
        "delivery outcomes not recorded; the batch will be sent again",
        metadata: ["messages": "\(batch.count)", "error": "\(error)"])
    }
    return batch.count
  }

  /// Counts and logs a recorded outcome.
  func report(_ entry: OutboxEntry, _ outcome: DeliveryOutcome, latency: Duration) {
    switch outcome {
    case .delivered:
      metrics.deliveriesDelivered.increment()
      metrics.deliveryLatency.record(latency)
      logger.debug("message delivered", metadata: ["message": "\(entry.message.messageId)"])
    case .retry(let at, let error):
      metrics.deliveriesRetried.increment()
      logger.info(
        "message not delivered; retrying",
        metadata: [
          "message": "\(entry.message.messageId)", "code": "\(error.code.id)", "attempt": "\(entry.attempts)",
          "next": "\(at)",
        ])
    case .dead(let error):
      metrics.deliveriesDead.increment()
      logger.warning(
        "message dead",
        metadata: [
          "message": "\(entry.message.messageId)", "code": "\(error.code.id)",
          "attempts": "\(entry.attempts)",
        ])
    }
  }

  /// What one POST came to.
  public enum Attempt: Sendable, Equatable {
    case answered(status: Int, retryAfter: Duration?)
    case timedOut
    case unreachable(String)
  }

  /// Why a message could not be made into a request: the id of a catalog string.
  struct UnsendableReason: Error {
    let id: String
  }

  /// The signed POST of a message, with the time it was signed at; a failure when the
  /// endpoint cannot be made into a request.
  func request(for message: OutboxMessage) -> Result<(HTTPClient.Request, Date), UnsendableReason> {
    let now = Date()
    let timestamp = Int(now.timeIntervalSince1970)
    let body = WebhookPayload(message, at: now).body
    let id = message.messageId
    var headers = HTTPHeaders()
    headers.add(name: "content-type", value: "application/json")
    headers.add(name: "user-agent", value: "Flowdesk-Webhooks")
    headers.add(name: "webhook-id", value: id)
    headers.add(name: "webhook-timestamp", value: String(timestamp))
    headers.add(
      name: "webhook-signature",
      value: configuration.secret.signature(id: id, timestamp: timestamp, body: body))
    guard
      let request = try? HTTPClient.Request(
        url: configuration.url, method: .POST, headers: headers, body: .bytes(body))
    else { return .failure(UnsendableReason(id: "reason.connectionFailed")) }
    return .success((request, now))
  }

  /// POSTs one message, signed, and waits for what it came to (the body is dropped).
  public func send(_ message: OutboxMessage, client: HTTPClient) async -> Attempt {
    switch request(for: message) {
    case .failure(let reason): return .unreachable(reason.id)
    case .success(let (request, sentAt)):
      let sender = WebhookBatchSender(
        client: client, senders: 1, timeout: Self.timeAmount(configuration.timeout))
      return await sender.send([.init(index: 0, request: request, sentAt: sentAt)]).first?.0
        ?? .unreachable("reason.connectionFailed")
    }
  }

  /// The outcome of an attempt: delivered, retried after a backoff (or `Retry-After`), or
  /// dead. Other 4xx answers are dead at once; the rest are dead after the last attempt.
  func decide(_ attempt: Attempt, entry: OutboxEntry, now: Date? = nil) -> DeliveryOutcome {
    let now = now ?? host.clock.now
    let message = entry.message.messageId
    let number = String(entry.attempts)
    let error: CodedMessage
    var retryAfter: Duration?
    switch attempt {
    case .answered(let status, _) where (200..<300).contains(status):
      return .delivered(at: now)
    case .answered(let status, let after) where status == 408 || status == 429:
      error = CodedMessage(
        .receiverThrottled, ["status": String(status), "message": message, "attempt": number])
      retryAfter = after
    case .answered(let status, let after) where status >= 500:
      error = CodedMessage(
        .receiverFailed, ["status": String(status), "message": message, "attempt": number])
      retryAfter = after
    case .answered(let status, _):
      return .dead(CodedMessage(.receiverRejected, ["status": String(status), "message": message]))
    case .timedOut:
      let seconds =
        Double(configuration.timeout.components.seconds)
        + Double(configuration.timeout.components.attoseconds) / 1e18
      error = CodedMessage(
        .receiverTimedOut,
        [
          "seconds": seconds.formatted(.number.precision(.fractionLength(0...1))), "message": message,
          "attempt": number,
        ])
    case .unreachable(let reason):
      error = CodedMessage(.receiverUnreachable, ["reason": reason, "message": message, "attempt": number])
    }
    guard entry.attempts < configuration.attempts else { return .dead(error) }
    var delay = configuration.backoff(afterAttempt: entry.attempts)
    if let retryAfter { delay = max(delay, min(retryAfter, configuration.maximumDelay)) }
    return .retry(at: now.addingTimeInterval(Self.seconds(delay)), error)
  }

  /// `Retry-After` as seconds or as an HTTP date (RFC 9110, section 10.2.3).
  static func retryAfter(_ text: String, now: Date) -> Duration? {
    if let seconds = Int(text.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return .seconds(seconds) }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    guard let date = formatter.date(from: text) else { return nil }
    return .milliseconds(Int(max(0, date.timeIntervalSince(now)) * 1000))
  }

  /// A connection failure in a few words, for the message of FD6005: the id of a catalog
  /// string (`reason.connection...`), so the message is shown in the reader's language.
  static func describe(_ error: any Error) -> String {
    if let error = error as? HTTPClientError, error == .connectTimeout { return "reason.connectionTimedOut" }
    let text = String(describing: error)
    if text.localizedCaseInsensitiveContains("refused") { return "reason.connectionRefused" }
    if text.localizedCaseInsensitiveContains("resolve") || text.localizedCaseInsensitiveContains("lookup") {
      return "reason.hostNotResolved"
    }
    if text.localizedCaseInsensitiveContains("closed") { return "reason.connectionClosed" }
    if text.localizedCaseInsensitiveContains("tls") || text.localizedCaseInsensitiveContains("ssl")
      || text.localizedCaseInsensitiveContains("certificate")
    {
      return "reason.tlsHandshakeFailed"
    }
    return "reason.connectionFailed"
  }

  static func timeAmount(_ duration: Duration) -> TimeAmount {
    .nanoseconds(
      duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
  }

  static func seconds(_ duration: Duration) -> TimeInterval {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }
}
