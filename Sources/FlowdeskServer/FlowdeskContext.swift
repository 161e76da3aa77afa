import FlowEngine
import Hummingbird
import Localization

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
}
