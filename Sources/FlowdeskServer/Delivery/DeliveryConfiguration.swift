import Foundation

/// Where and how the delivery worker sends messages.
public struct DeliveryConfiguration: Sendable {
  /// The receiver's endpoint (`--webhook-url`, `FLOWDESK_WEBHOOK_URL`).
  public var url: String
  /// The signing secret (`--webhook-secret-file`, `FLOWDESK_WEBHOOK_SECRET`).
  public var secret: WebhookSecret
  /// Attempts in all, the first one included, before a message is dead.
  public var attempts = 10
  /// The delay before the first retry; each retry doubles it, with jitter (half to all of it).
  public var baseDelay: Duration = .seconds(2)
  /// No retry waits longer, `Retry-After` included.
  public var maximumDelay: Duration = .seconds(3600)
  /// How long one POST may take, connecting included.
  public var timeout: Duration = .seconds(10)
  /// Messages claimed at once.
  public var batchSize = 64
  /// Batches in flight at once, each under its own claim.
  public var concurrentBatches = 4
  /// POSTs on their way at once, over all batches: the most connections this worker opens to
  /// the receiver (`FLOWDESK_DELIVERY_CONNECTIONS`). A receiver pays for every connection it
  /// holds (a thread, a socket, a slot under its own limit), so more is not faster.
  public var connections = 32
  /// How long a claim holds a message: a worker that dies keeps it no longer than this.
  public var lease: Duration = .seconds(60)
  /// How often the worker looks for due messages when the outbox was empty.
  public var pollInterval: Duration = .milliseconds(200)

  public init(url: String, secret: WebhookSecret) {
    self.url = url
    self.secret = secret
  }

  /// POSTs one batch has on their way at once: its share of `connections`, at least one.
  public var sendersPerBatch: Int { max(1, connections / max(1, concurrentBatches)) }

  /// The configuration from the environment: nil when no endpoint is set. An endpoint
  /// without a valid secret is an error: Flowdesk never sends unsigned messages. `url` and
  /// `secret`, when given, come before the environment's `FLOWDESK_WEBHOOK_URL` and
  /// `FLOWDESK_WEBHOOK_SECRET`.
  public static func from(
    environment: [String: String], url: String? = nil, secret: String? = nil
  ) throws -> DeliveryConfiguration? {
    guard let url = url ?? environment["FLOWDESK_WEBHOOK_URL"], !url.isEmpty else { return nil }
    guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
      parsed.host != nil
    else { throw ConfigurationError("the webhook URL is not an http or https URL") }
    guard let text = secret ?? environment["FLOWDESK_WEBHOOK_SECRET"] else {
      throw ConfigurationError(
        "the webhook secret (FLOWDESK_WEBHOOK_SECRET or --webhook-secret-file) is not set; "
          + "it is needed with a webhook URL")
    }
    guard let secret = WebhookSecret(text) else {
      throw ConfigurationError("the webhook secret is not whsec_ and a base64 key of 24 to 64 bytes")
    }
    var configuration = DeliveryConfiguration(url: url, secret: secret)
    if let text = environment["FLOWDESK_DELIVERY_ATTEMPTS"] {
      guard let attempts = Int(text), (1...100).contains(attempts) else {
        throw ConfigurationError("FLOWDESK_DELIVERY_ATTEMPTS must be a number from 1 to 100")
      }
      configuration.attempts = attempts
    }
    if let text = environment["FLOWDESK_DELIVERY_BASE_DELAY"] {
      guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
        throw ConfigurationError("FLOWDESK_DELIVERY_BASE_DELAY must be seconds, more than 0 and at most 3600")
      }
      configuration.baseDelay = .milliseconds(Int(seconds * 1000))
    }
    if let text = environment["FLOWDESK_DELIVERY_TIMEOUT"] {
      guard let seconds = Double(text), seconds > 0, seconds <= 300 else {
        throw ConfigurationError("FLOWDESK_DELIVERY_TIMEOUT must be seconds, more than 0 and at most 300")
      }
      configuration.timeout = .milliseconds(Int(seconds * 1000))
      configuration.lease = max(configuration.lease, configuration.timeout * 3)
    }
    if let text = environment["FLOWDESK_DELIVERY_CONNECTIONS"] {
      guard let connections = Int(text), (1...1024).contains(connections) else {
        throw ConfigurationError("FLOWDESK_DELIVERY_CONNECTIONS must be a number from 1 to 1024")
      }
      configuration.connections = connections
    }
    if let text = environment["FLOWDESK_DELIVERY_LEASE"] {
      guard let seconds = Double(text), seconds >= 1, seconds <= 3600,
        seconds > Double(configuration.timeout.components.seconds)
      else {
        throw ConfigurationError(
          "FLOWDESK_DELIVERY_LEASE must be seconds, from 1 to 3600 and longer than the time-out")
      }
      configuration.lease = .milliseconds(Int(seconds * 1000))
    }
    return configuration
  }

  /// The endpoint as it may be logged: scheme, host, port and path only. A URL may carry
  /// credentials in its user info, a query (`?token=...`) or a fragment; none of them is kept.
  public var redactedURL: String { Self.redacted(url) }

  /// `url` with only its scheme, host, port and path; a text that is not a URL with a host
  /// becomes a placeholder, since it cannot be told apart from a secret.
  public static func redacted(_ url: String) -> String {
    guard let parts = URLComponents(string: url), let scheme = parts.scheme, let host = parts.host,
      !host.isEmpty
    else { return "(not a URL)" }
    var text = "\(scheme.lowercased())://"
    text += host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    if let port = parts.port { text += ":\(port)" }
    return text + parts.percentEncodedPath
  }

  /// The wait before attempt `attempt + 1`, after `attempt` failed attempts: the base delay
  /// doubled per attempt, capped, then a random part of its upper half taken away (jitter),
  /// so that receivers that fail together are not all retried at the same moment.
  public func backoff(afterAttempt attempt: Int, jitter: Double = Double.random(in: 0...1)) -> Duration {
    let doublings = min(max(attempt - 1, 0), 30)
    let full = min(baseDelay * (1 << doublings), maximumDelay)
    return full / 2 + (full / 2) * jitter
  }
}

/// A setting of the delivery worker that cannot be used.
public struct ConfigurationError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
