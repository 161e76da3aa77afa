import FlowEngine
import FlowStore
import Foundation
import Hummingbird
import Localization

/// The outbox: readers may list messages and their delivery state; only the administrator
/// may send a dead message again.
struct OutboxController {
  let host: FlowHost
  let content: LiveContent
  let tokens: AccessTokens

  func addRoutes(to router: Router<FlowdeskContext>) {
    let read = RouteCollection.guarded(tokens, needs: .reader)
    read.get(use: list)
    let change = RouteCollection.guarded(tokens, needs: .flowAdministrator)
    change.post(":id/retry", use: retry)
    router.addRoutes(read, atPath: "/v1/outbox")
    router.addRoutes(change, atPath: "/v1/outbox")
  }

  /// `GET /v1/outbox?status=&flowId=&cursor=&limit=`: messages in creation order.
  @Sendable func list(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let query = request.uri.queryParameters
    let limit = try FlowsController.integer(request, "limit", default: 100, in: 1...1000)
    let status = try query.get("status").map { text in
      guard let status = DeliveryStatus(rawValue: text) else {
        throw RequestBody.invalidField(
          "status", "oneOf", ["expected": DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")])
      }
      return status
    }
    let cursor = try query.get("cursor").map { text in
      guard let cursor = OutboxCursor(token: text) else {
        throw RequestBody.invalidField("cursor", "notAllowed")
      }
      return cursor
    }
    let flowId = query.get("flowId")
    let page = try await host.outbox(status: status, flowId: flowId, after: cursor, limit: limit)
    let language = context.language.language
    let help = content.current
    struct Page: Encodable {
      let messages: [OutboxMessageView]
      let next: Cursor
    }
    let next =
      page.count == limit
      ? page.last.map {
        OutboxCursor(createdAt: $0.message.createdAt, idempotencyKey: $0.message.idempotencyKey).token
      } : nil
    return try Reply.json(
      Page(messages: page.map { OutboxMessageView($0, help: help, language) }, next: Cursor(next)),
      language: language)
  }

  /// `POST /v1/outbox/{id}/retry`: a dead message becomes pending again, due now.
  @Sendable func retry(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    let entry = try await about(["message": id]) { try await host.retry(messageId: id) }
    return try Reply.json(
      OutboxMessageView(entry, help: content.current, context.language.language), status: .accepted,
      language: context.language.language)
  }
}

/// A message as the outbox API shows it, its last failure localized like every other code.
struct OutboxMessageView: Encodable {
  struct ErrorView: Encodable {
    let code: String
    let title: String
    let detail: String
    let help: String?
  }

  let id: String
  let flowId: String
  let contactId: String
  let stepId: String
  let channel: String
  let status: String
  let attempts: Int
  let createdAt: Date
  let nextAttemptAt: Date?
  let deliveredAt: Date?
  let lastError: ErrorView?

  init(_ entry: OutboxEntry, help: HelpService, _ language: Language) {
    id = entry.message.messageId
    flowId = entry.message.flowId
    contactId = entry.message.contactId
    stepId = entry.message.stepId
    channel = entry.message.channel.rawValue
    status = entry.status.rawValue
    attempts = entry.attempts
    createdAt = entry.message.createdAt
    nextAttemptAt = entry.status == .pending ? entry.nextAttemptAt : nil
    deliveredAt = entry.deliveredAt
    lastError = entry.lastError.map { error in
      let explanation = help.index.explain(error, in: language)
      return ErrorView(
        code: explanation.code, title: explanation.title, detail: explanation.message,
        help: explanation.helpPath)
    }
  }

  enum Keys: String, CodingKey {
    case id, flowId, contactId, stepId, channel, status, attempts, createdAt, nextAttemptAt, deliveredAt,
      lastError
  }

  /// Absent values are written as null, so every message has the same keys.
  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(id, forKey: .id)
    try c.encode(flowId, forKey: .flowId)
    try c.encode(contactId, forKey: .contactId)
    try c.encode(stepId, forKey: .stepId)
    try c.encode(channel, forKey: .channel)
    try c.encode(status, forKey: .status)
    try c.encode(attempts, forKey: .attempts)
    try c.encode(createdAt, forKey: .createdAt)
    try c.encode(nextAttemptAt, forKey: .nextAttemptAt)
    try c.encode(deliveredAt, forKey: .deliveredAt)
    try c.encode(lastError, forKey: .lastError)
  }
}
