import ArgumentParser
import FlowEngine
import FlowStore
import FlowdeskServer
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run the Flowdesk HTTP service.",
    discussion: """
      Environment: FLOWDESK_ADMIN_TOKEN (or --admin-token-file) and FLOWDESK_READER_TOKEN set the bearer \
      tokens; without an administrator token, one is generated on first start, stored in the data folder \
      (mode 0600) and printed once. FLOWDESK_HOST, FLOWDESK_PORT and FLOWDESK_DATA are read when the \
      options are absent. \
      LOG_LEVEL sets the log level (info by default).
      Messages leave as Standard Webhooks to --webhook-url (or FLOWDESK_WEBHOOK_URL), signed with \
      FLOWDESK_WEBHOOK_SECRET or the contents of --webhook-secret-file (whsec_ and a base64 key); \
      FLOWDESK_DELIVERY_ATTEMPTS, FLOWDESK_DELIVERY_BASE_DELAY, FLOWDESK_DELIVERY_TIMEOUT and FLOWDESK_DELIVERY_LEASE (seconds) tune retries \
      and how long a claimed message waits for a worker that died. Without a \
      URL, messages wait in the outbox.
      The help content and catalogs are reloaded on SIGHUP, on POST /v1/admin/reload, and with --watch \
      when a file in them changes. An edit with blocking findings (front matter, catalogs, coverage) is \
      refused, logged with its findings, and the content loaded before keeps being served.
      """)

  @Option(help: "The address to listen on (default 127.0.0.1, or FLOWDESK_HOST).")
  var host: String?

  @Option(help: "The port to listen on (default 8080, or FLOWDESK_PORT).")
  var port: Int?

  @Option(help: "The data folder (default ./flowdesk-data, or FLOWDESK_DATA).")
  var data: String?

  @Option(
    help: ArgumentHelp(
      "Where flows are stored: postgres://USER:PASSWORD@HOST:PORT/DB for a database shared by several nodes, or sqlite:PATH (or FLOWDESK_DATABASE_URL).",
      discussion: "Without it, SQLite in the data folder."))
  var database: String?

  @Option(
    name: .customLong("webhook-url"),
    help: "Where messages are POSTed as Standard Webhooks (or FLOWDESK_WEBHOOK_URL).")
  var webhookURL: String?

  @Option(
    name: .customLong("admin-token-file"),
    help: "A file holding the administrator token (before FLOWDESK_ADMIN_TOKEN).")
  var adminTokenFile: String?

  @Option(
    name: .customLong("webhook-secret-file"),
    help: "A file holding the webhook signing secret (before FLOWDESK_WEBHOOK_SECRET).")
  var webhookSecretFile: String?

  @OptionGroup var source: ContentOptions

  @Flag(help: "Reload the content and locales folders when a file in them changes.")
  var watch = false

  func run() async throws {
    let environment = ProcessInfo.processInfo.environment
    var logger = Logger(label: "flowdesk")
    logger.logLevel = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

    let host = self.host ?? environment["FLOWDESK_HOST"] ?? "127.0.0.1"
    let port = self.port ?? environment["FLOWDESK_PORT"].flatMap(Int.init) ?? 8080
    let dataPath = data ?? environment["FLOWDESK_DATA"] ?? "flowdesk-data"
    let delivery: DeliveryConfiguration?
    do {
      let secret = try ServiceStartup.webhookSecret(file: webhookSecretFile, environment: environment)
      delivery = try DeliveryConfiguration.from(environment: environment, url: webhookURL, secret: secret)
    } catch {
      printError("error: \(error)")
      throw ExitCode(2)
    }
    do {
      let location = try StoreLocation(
        option: database ?? environment["FLOWDESK_DATABASE_URL"], data: dataPath)
      // Several nodes may share a configured database: they must share the administrator
      // token, so it is never generated into a local folder then.
      var directory: DataDirectory?
      if case .sqlite(let path) = location { directory = try DataDirectory(path: path) }
      let (token, generated) = try ServiceStartup.administratorToken(
        file: adminTokenFile, environment: environment, data: directory, sharedDatabase: location.isShared)
      let store: any FlowStore
      switch location {
      case .sqlite:
        store = try SQLiteFlowStore(path: directory!.databaseURL.path)
      case .sqliteFile(let path):
        store = try SQLiteFlowStore(path: path)
      case .postgres(let url):
        let postgres = try await PostgresFlowStore(url: url, logger: logger)
        logger.info("using PostgreSQL", metadata: ["database": "\(postgres.location)"])
        store = postgres
      }
      let flowHost = try FlowHost(store: store, clock: SystemClock(), logger: logger)
      let help = try HelpService(content: source.contentURL, locales: source.localesURL)
      for line in help.startReport() { logger.warning("help content: \(line)") }
      let content = LiveContent(help, logger: logger)
      if generated, let directory {
        print("Generated an administrator token (stored in \(directory.url.path)/admin-token, mode 0600):")
        print("  \(token)")
        print("Use it as: Authorization: Bearer \(token)")
        fflush(nil)
      }
      let tokens = AccessTokens(administrator: token, reader: environment["FLOWDESK_READER_TOKEN"])
      var parts = ServiceParts(
        host: flowHost, content: content, tokens: tokens, metrics: FlowdeskMetrics(registry: registry))
      parts.delivery = delivery
      let app = FlowdeskApplication.application(
        parts, host: host, port: port, logger: logger, watchContent: watch)
      // SIGHUP's default action ends the process; here it reloads the content instead.
      let hangUp = Self.reloadOnHangUp(content, logger)
      defer { hangUp.cancel() }
      try await app.runService()
      // The data folder's lock is held until the service has stopped.
      withExtendedLifetime(directory) {}
    } catch let error as StoreError {
      printError("error: \(error)")
      throw ExitCode(2)
    } catch let error as ConfigurationError {
      printError("error: \(error)")
      throw ExitCode(2)
    }
  }

  /// Ignores SIGHUP's default action (ending the process) and reloads the content on each
  /// one instead. Reloads run one at a time; the outcome is logged by the reload.
  static func reloadOnHangUp(_ content: LiveContent, _ logger: Logger) -> any DispatchSourceSignal {
    signal(SIGHUP, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    source.setEventHandler {
      logger.info("received SIGHUP: reloading the help content")
      Task { await content.reload(trigger: "SIGHUP") }
    }
    source.resume()
    return source
  }
}
