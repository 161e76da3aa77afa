import FlowEngine
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /v1/delivery-events`: what the delivery provider reports about a message comes back
/// in. The administrator token opens it, and so does a request signed with the webhook
/// secret as Standard Webhooks asks, so a receiver can report back with what it already has.
struct DeliveryEventsController {
  let host: FlowHost
  let tokens: AccessTokens
  let secret: WebhookSecret?

  func addRoutes(to router: Router<FlowdeskContext>) {
    let events = RouteCollection(context: FlowdeskContext.self)
      .add(middleware: RequireTokenOrSignature(tokens: tokens, secret: secret))
    events.post(use: receive)
    router.addRoutes(events, atPath: "/v1/delivery-events")
  }

  struct Body: Decodable {
    let type: DeliveryEvent.Kind
    let messageId: String
    let contactId: String?
    let at: Date?
    let bounce: DeliveryEvent.Bounce?
    let url: String?
  }

  @Sendable func receive(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let body = try await RequestBody.decode(Body.self, from: request)
    let event = DeliveryEvent(
      kind: body.type, messageId: body.messageId, contactId: body.contactId, bounce: body.bounce, at: body.at)
    let result = try await about(["message": body.messageId]) { try await host.apply(event) }
    struct Applied: Encodable {
      let messageId: String
      let contactId: String
      let changed: [String]
      let actions: [String]
    }
    return try Reply.json(
      Applied(
        messageId: body.messageId, contactId: result.contactId, changed: result.changed,
        actions: result.actions),
      status: .accepted, language: context.language.language)
  }
}

/// The administrator's bearer token, or a Standard Webhooks signature under the webhook
/// secret whose timestamp is within five minutes. A reader's token is refused (FD1508); a
/// request with neither a token nor `webhook-` headers needs to authenticate (FD1507); a
/// signed request that cannot be verified is told which header failed (FD1523).
struct RequireTokenOrSignature: RouterMiddleware {
  typealias Context = FlowdeskContext
  let tokens: AccessTokens
  let secret: WebhookSecret?
  static let tolerance: TimeInterval = 300
  static let webhookId = HTTPField.Name("webhook-id")!
  static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
  static let webhookSignature = HTTPField.Name("webhook-signature")!

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    if let right = tokens.right(of: request) {
      guard right == .flowAdministrator else { throw APIProblem(.forbidden, .readOnlyToken) }
      var context = context
      context.right = right
      return try await next(request, context)
    }
    let id = request.headers[Self.webhookId]
    let signature = request.headers[Self.webhookSignature]
    let timestamp = request.headers[Self.webhookTimestamp]
    // Neither a token nor a signature: the caller needs to authenticate at all.
    guard id != nil || signature != nil || timestamp != nil else {
      throw APIProblem(.unauthorized, .authenticationRequired)
    }
    // A signed request is told which header failed, as Standard Webhooks libraries do.
    func refused(_ header: HTTPField.Name) -> APIProblem {
      APIProblem(
        .unauthorized, .eventSignatureRejected,
        ["header": header.canonicalName, "tolerance": String(Int(Self.tolerance))])
    }
    guard let id, !id.isEmpty else { throw refused(Self.webhookId) }
    // Seconds as digits, written as the number is (no sign, no leading zero): the signature
    // covers the header's text, and `+1767...` or `01767...` is not the text that was signed.
    guard let timestamp, let time = Int(timestamp), String(time) == timestamp,
      abs(Date().timeIntervalSince1970 - Double(time)) <= Self.tolerance
    else { throw refused(Self.webhookTimestamp) }
    guard let secret, let signature else { throw refused(Self.webhookSignature) }
    var request = request
    let body = try await RequestBody.whole(request)
    request.body = .init(buffer: body)
    guard secret.verifies(header: signature, id: id, timestamp: time, body: body.readableBytesView) else {
      throw refused(Self.webhookSignature)
    }
    var context = context
    context.right = .flowAdministrator
    return try await next(request, context)
  }
}
