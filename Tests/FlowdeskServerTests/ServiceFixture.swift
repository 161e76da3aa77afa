import FlowEngine
import FlowStore
import FlowdeskServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TestSupport

/// A service on a fresh data folder, with a clock the test moves.
struct ServiceFixture {
  static let adminToken = "admin-secret-token"
  static let readerToken = "reader-secret-token"
  /// Loaded once: the help content is the same for every test.
  static let help = Result { try HelpService(content: Paths.content, locales: Paths.locales) }

  let folder: URL
  let clock: ManualClock
  var parts: ServiceParts

  init(help: HelpService? = nil) throws {
    folder = try Paths.temporaryFolder()
    clock = ManualClock(Date(timeIntervalSince1970: 1_767_258_000))
    let store = try SQLiteFlowStore(path: folder.appendingPathComponent("flowdesk.sqlite").path)
    parts = ServiceParts(
      host: try FlowHost(store: store, clock: clock), help: try help ?? Self.help.get(),
      tokens: AccessTokens(administrator: Self.adminToken, reader: Self.readerToken))
  }

  func cleanUp() { try? FileManager.default.removeItem(at: folder) }

  /// Runs a test against the router, in process.
  func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws
    -> Value
  {
    defer { cleanUp() }
    let app = Application(router: FlowdeskApplication.router(parts, logRequests: false))
    return try await app.test(.router, body)
  }
}

/// Request helpers: JSON in, JSON out, with a token and a language.
extension TestClientProtocol {
  @discardableResult
  func call(
    _ method: HTTPRequest.Method, _ uri: String, json: String? = nil,
    token: String? = ServiceFixture.adminToken,
    language: String? = nil, contentType: String = "application/json"
  ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: [String: Any], raw: String) {
    var headers: HTTPFields = [:]
    if let token { headers[.authorization] = "Bearer \(token)" }
    if let language { headers[.acceptLanguage] = language }
    if json != nil { headers[.contentType] = contentType }
    let response = try await execute(
      uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    let raw = String(buffer: response.body)
    let object = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] ?? [:]
    return (response.status, response.headers, object, raw)
  }

  func array(_ uri: String, language: String? = nil) async throws -> [[String: Any]] {
    let response = try await execute(
      uri: uri, method: .get,
      headers: language.map { [.authorization: "Bearer \(ServiceFixture.adminToken)", .acceptLanguage: $0] }
        ?? [.authorization: "Bearer \(ServiceFixture.adminToken)"])
    return (try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)))
      as? [[String: Any]] ?? []
  }
}

enum Bodies {
  static let contact = #"{"email": "ann@example.com", "consent": true, "subscriptions": ["newsletter"]}"#

  /// Email, wait a day, finish; `settings` is spliced in as JSON.
  static func flow(
    settings: String =
      #""emailFrom": "news@example.com", "emailReplyTo": "help@example.com", "subscriptionType": "newsletter""#
  ) -> String {
    """
    {"name": "Welcome", "settings": {\(settings)}, "trigger": {"onlyOnce": false},
     "steps": [{"id": "hello", "type": "sendEmail", "subject": "Hi"},
               {"id": "wait", "type": "waitTime", "hours": 24},
               {"id": "done", "type": "finish"}]}
    """
  }
}
