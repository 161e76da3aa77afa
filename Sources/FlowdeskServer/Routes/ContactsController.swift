import FlowEngine
import FlowStore
import Foundation
import Hummingbird

/// Contacts: a reader may read one; only the administrator may write one or record an action.
struct ContactsController {
  let host: FlowHost
  let tokens: AccessTokens

  func addRoutes(to router: Router<FlowdeskContext>) {
    let read = RouteCollection.guarded(tokens, needs: .reader)
    read.get(":id", use: show)
    let write = RouteCollection.guarded(tokens, needs: .flowAdministrator)
    write.put(":id", use: upsert)
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

  @Sendable func upsert(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    var contact = try await RequestBody.decode(Contact.self, from: request)
    contact.id = id
    if let email = contact.email, !email.isEmpty, !EmailAddress.isPlausible(email) {
      throw RequestBody.invalidField("email", "notEmailAddress", ["value": email])
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
