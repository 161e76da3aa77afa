import FlowEngine
import Hummingbird
import Localization
import NIOCore

/// The request context: the negotiated language and, on flow endpoints, the caller's right.
public struct FlowdeskContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  /// Set by the problem middleware before any handler runs.
  public var language = NegotiatedLanguage(language: .en, source: .fallback)
  /// Set by the auth middleware on protected endpoints.
  public var right: ActorRight?

  public init(source: Source) {
    coreContext = .init(source: source)
  }

  /// Request bodies are read by the handlers themselves, within this limit.
  public var maxUploadSize: Int { ServerLimits.maximumBodySize }
}

/// Limits of the service.
public enum ServerLimits {
  /// The largest request body accepted: 1 MiB.
  public static let maximumBodySize = 1_048_576
  /// How long a keep-alive connection may sit idle before it is closed.
  public static let idleTimeout: TimeAmount = .seconds(60)
  /// How long a request, head and body, may take to arrive.
  public static let requestReadTimeout: TimeAmount = .seconds(30)
  /// How long the unread rest of a refused request's body is read and thrown away before
  /// the connection is closed.
  public static let lingerTimeout: TimeAmount = .seconds(2)
  /// The `Retry-After` of a request that failed because the store could not be used.
  public static let storageRetryAfter = 5
}
