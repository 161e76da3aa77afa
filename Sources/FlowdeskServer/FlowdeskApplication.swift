import FlowEngine
import FlowStore
import Foundation
import HTTPTypes
import HelpContent
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Everything the service needs, already opened.
public struct ServiceParts: Sendable {
  public let host: FlowHost
  /// The help content, which a reload may replace while the service runs.
  public let content: LiveContent
  public let tokens: AccessTokens
  public let metrics: FlowdeskMetrics
  /// The webhook receiver and its secret; without it, messages wait in the outbox.
  public var delivery: DeliveryConfiguration?

  public init(
    host: FlowHost, content: LiveContent, tokens: AccessTokens, metrics: FlowdeskMetrics = FlowdeskMetrics()
  ) {
    self.host = host
    self.content = content
    self.tokens = tokens
    self.metrics = metrics
  }

  public init(
    host: FlowHost, help: HelpService, tokens: AccessTokens, metrics: FlowdeskMetrics = FlowdeskMetrics()
  ) {
    self.init(host: host, content: LiveContent(help), tokens: tokens, metrics: metrics)
  }

  /// The help content being served now.
  public var help: HelpService { content.current }
}

/// Builds the Flowdesk HTTP service.
public enum FlowdeskApplication {
  /// The router with every route and middleware; tests drive it directly.
  public static func router(_ parts: ServiceParts, logRequests: Bool = true) -> Router<FlowdeskContext> {
    // HEAD is answered wherever GET is.
    let router = Router(context: FlowdeskContext.self, options: .autoGenerateHeadEndpoints)
    // Middleware first: Hummingbird applies it to the routes added after it. Authentication
    // is not here: it belongs to each route (see the controllers).
    if logRequests { router.add(middleware: LogRequestsMiddleware(.info)) }
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware(content: parts.content))

    router.addRoutes(SystemController(metrics: parts.metrics).routes)
    router.addRoutes(HelpAPIController.routes(parts.content), atPath: "/v1")
    ContactsController(host: parts.host, tokens: parts.tokens).addRoutes(to: router)
    FlowsController(host: parts.host, content: parts.content, metrics: parts.metrics, tokens: parts.tokens)
      .addRoutes(to: router)
    OutboxController(host: parts.host, content: parts.content, tokens: parts.tokens).addRoutes(to: router)
    DeliveryEventsController(host: parts.host, tokens: parts.tokens, secret: parts.delivery?.secret)
      .addRoutes(to: router)
    ContentController(content: parts.content, tokens: parts.tokens).addRoutes(to: router)
    HelpCenterRoutes.register(on: router, content: parts.content)
    return router
  }

  /// The application: the router, the server on `host:port` with its connection limits,
  /// the scheduler, and with `watchContent` the content watcher (`--watch`).
  public static func application(
    _ parts: ServiceParts, host: String, port: Int, logger: Logger, watchContent: Bool = false,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
  ) -> some ApplicationProtocol {
    let scheduler = SchedulerService(host: parts.host, metrics: parts.metrics, logger: logger)
    var services: [any Service] = [scheduler]
    if let delivery = parts.delivery {
      services.append(
        DeliveryService(host: parts.host, configuration: delivery, metrics: parts.metrics, logger: logger))
    } else {
      logger.info("no webhook URL is set: messages wait in the outbox until one is")
    }
    if watchContent { services.append(ContentWatcher(content: parts.content)) }
    let problems = ProblemMiddleware(content: parts.content)
    return Application(
      router: router(parts),
      server: .http1(
        configuration: .init(
          additionalChannelHandlers: [
            ConnectionGuard(
              readTimeout: ServerLimits.requestReadTimeout, lingerTimeout: ServerLimits.lingerTimeout),
            MalformedRequestProblem(problem: problems.malformedRequest),
          ],
          idleTimeout: ServerLimits.idleTimeout)),
      configuration: .init(address: .hostname(host, port: port), serverName: "flowdesk"),
      services: services,
      onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
      eventLoopGroupProvider: .shared(eventLoopGroup),
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
