import FlowEngine
import FlowStore
import Foundation
import HTTPTypes
import HelpContent
import Hummingbird
import Logging
import ServiceLifecycle

/// Everything the service needs, already opened.
public struct ServiceParts: Sendable {
  public let host: FlowHost
  public let help: HelpService
  public let tokens: AccessTokens
  public let metrics: FlowdeskMetrics

  public init(
    host: FlowHost, help: HelpService, tokens: AccessTokens, metrics: FlowdeskMetrics = FlowdeskMetrics()
  ) {
    self.host = host
    self.help = help
    self.tokens = tokens
    self.metrics = metrics
  }
}

/// Builds the Flowdesk HTTP service.
public enum FlowdeskApplication {
  /// The router with every route and middleware; tests drive it directly.
  public static func router(_ parts: ServiceParts, logRequests: Bool = true) -> Router<FlowdeskContext> {
    let router = Router(context: FlowdeskContext.self)
    // Middleware first: Hummingbird applies it to the routes added after it.
    if logRequests { router.add(middleware: LogRequestsMiddleware(.info)) }
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware(help: parts.help))
    router.add(middleware: AuthMiddleware(tokens: parts.tokens))

    router.get("/healthz") { _, _ -> Response in
      try Reply.json(["status": "ok"])
    }
    router.get("/metrics") { _, _ -> Response in
      Reply.text(parts.metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
    router.get("/openapi.json") { _, _ -> Response in
      var headers = HTTPFields()
      headers[.contentType] = "application/json"
      return Response(
        status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: OpenAPIDocument.data)))
    }
    HelpRoutes(help: parts.help).register(on: router)
    FlowRoutes(host: parts.host, help: parts.help, metrics: parts.metrics).register(on: router)
    HelpCenterRoutes(help: parts.help).register(on: router)
    return router
  }

  /// The application: the router, the server on `host:port`, and the scheduler.
  public static func application(
    _ parts: ServiceParts, host: String, port: Int, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
  ) -> some ApplicationProtocol {
    let scheduler = SchedulerService(host: parts.host, metrics: parts.metrics, logger: logger)
    return Application(
      router: router(parts),
      configuration: .init(address: .hostname(host, port: port), serverName: "flowdesk"),
      services: [scheduler],
      onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
      logger: logger)
  }
}

/// The checked-in OpenAPI document, served at `/openapi.json`.
public enum OpenAPIDocument {
  public static let data: Data = {
    guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
      let data = try? Data(contentsOf: url)
    else { return Data("{}".utf8) }
    return data
  }()
}
