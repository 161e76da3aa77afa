import FlowEngine
import FlowStore
import Foundation
import Hummingbird
import Localization

/// Contacts: a reader may read one; only the administrator may write one or record an action.
struct ContactsController {
  let host: FlowHost
  let tokens: AccessTokens

  func addRoutes(to router: Router<FlowdeskContext>) {
    let read = RouteCollection.guarded(tokens, needs: .reader)
    read.get(use: list)
    read.get(":id", use: show)
    let write = RouteCollection.guarded(tokens, needs: .flowAdministrator)
    write.put(":id", use: upsert)
    write.delete(":id", use: erase)
    write.post(":id/actions", use: recordAction)
    router.addRoutes(read, atPath: "/v1/contacts")
    router.addRoutes(write, atPath: "/v1/contacts")
  }

  @Sendable func show(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    guard let contact = try await host.read({ $0.contact(id) }) else {
      throw APIProblem(.notFound, .contactNotFound, ["contact": id])
    }
    return try Reply.json(contact, language: context.language.language)
  }

  /// `GET /v1/contacts?cursor=&limit=&email=&language=&emailBounced=`: contacts in id order.
  @Sendable func list(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let query = request.uri.queryParameters
    let limit = try FlowsController.integer(request, "limit", default: 100, in: 1...1000)
    var filter = ContactFilter()
    filter.email = query.get("email")
    filter.language = query.get("language")
    if let text = query.get("emailBounced") {
      guard let value = Bool(text) else {
        throw RequestBody.invalidField("emailBounced", "oneOf", ["expected": "true, false"])
      }
      filter.emailBounced = value
    }
    let page = try await host.contacts(after: query.get("cursor"), limit: limit, filter: filter)
    struct Page: Encodable {
      let contacts: [Contact]
      let next: Cursor
    }
    return try Reply.json(
      Page(contacts: page, next: Cursor(page.count == limit ? page.last?.id : nil)),
      language: context.language.language)
  }

  /// `DELETE /v1/contacts/{id}`: erases the person's data and drops their pending messages;
  /// the flows' counts and an anonymized history stay, and each flow's audit trail records it.
  @Sendable func erase(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    let actor = FlowHost.Actor(
      role: ActorRight.flowAdministrator.rawValue, name: tokens.name(of: .flowAdministrator))
    let erasure = try await about(["contact": id]) { try await host.eraseContact(id, by: actor) }
    struct Erased: Encodable {
      let contactId: String
      let flows: [String]
      let droppedMessages: Int
    }
    return try Reply.json(
      Erased(contactId: erasure.contactId, flows: erasure.flows, droppedMessages: erasure.droppedMessages),
      language: context.language.language)
  }

  @Sendable func upsert(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    // A new contact's id must be in Unicode NFC (see `Identifier`); reading or erasing one
    // that is not finds no contact.
    guard Identifier.isNFC(id) else { throw RequestBody.invalidField("id", "notNFC") }
    var contact = try await RequestBody.decode(Contact.self, from: request)
    contact.id = id
    if let email = contact.email, !email.isEmpty, !EmailAddress.isPlausible(email) {
      throw RequestBody.invalidField("email", "notEmailAddress", ["value": email])
    }
    // The language chooses the variant of every message the contact is sent; one that is no
    // tag quietly gave the default language.
    if let language = contact.language, LanguageTag(language) == nil {
      throw RequestBody.invalidField("language", "notLanguageTag", ["value": language])
    }
    let stored = contact
    try await host.perform { $0.upsertContact(stored) }
    return try Reply.json(stored, language: context.language.language)
  }

  @Sendable func recordAction(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    struct Body: Decodable { let action: String }
    let body = try await RequestBody.decode(Body.self, from: request)
    guard try await host.read({ $0.contact(id) }) != nil else {
      throw APIProblem(.notFound, .contactNotFound, ["contact": id])
    }
    try await host.perform { $0.recordAction(body.action, by: id) }
    return Response(status: .accepted)
  }
}

/// What the service accepts as an email address: one `@` with text on both sides, a dot in
/// the domain, and no white space or control characters. Delivery finds the rest.
enum EmailAddress {
  static func isPlausible(_ text: String) -> Bool {
    let parts = text.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 3, text.count <= 254 else { return false }
    let domain = parts[1]
    guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else {
      return false
    }
    return !text.unicodeScalars.contains {
      $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F
        || "<>(),;:\\\"[]".unicodeScalars.contains($0)
    }
  }
}
