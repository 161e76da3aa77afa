import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird

/// The tokens that open the flow and contact endpoints.
public struct AccessTokens: Sendable {
  public var administrator: String?
  public var reader: String?

  public init(administrator: String?, reader: String?) {
    self.administrator = administrator
    self.reader = reader
  }

  /// The name of the token that grants a right, as the audit trail records it.
  func name(of right: ActorRight) -> String {
    switch right {
    case .flowAdministrator: "FLOWDESK_ADMIN_TOKEN"
    case .reader: "FLOWDESK_READER_TOKEN"
    }
  }

  /// The right a presented token grants, compared in constant time.
  func right(for presented: String) -> ActorRight? {
    if let administrator, Self.constantTimeEquals(presented, administrator) { return .flowAdministrator }
    if let reader, Self.constantTimeEquals(presented, reader) { return .reader }
    return nil
  }

  /// The right of a request's `Authorization: Bearer` header, if it names a known token.
  /// The scheme is matched without regard to case (RFC 9110, section 11.1).
  func right(of request: Request) -> ActorRight? {
    guard let header = request.headers[.authorization] else { return nil }
    let scheme = header.prefix { $0 != " " }
    guard scheme.lowercased() == "bearer" else { return nil }
    let token = header.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
    return right(for: token)
  }

  /// Compares two strings in time that depends only on their lengths.
  static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let left = Array(a.utf8)
    let right = Array(b.utf8)
    var difference = UInt8(truncatingIfNeeded: left.count ^ right.count)
    for index in 0..<max(left.count, right.count) {
      let l = index < left.count ? left[index] : 0
      let r = index < right.count ? right[index] : 0
      difference |= l ^ r
    }
    return difference == 0 && !left.isEmpty
  }
}

/// Bearer authentication, attached to the routes it guards (never decided on the raw path),
/// so that every spelling of a path the router accepts reaches the same rule. It runs
/// before the handler, so a caller without the right is refused before the body is read.
/// Tokens are never logged.
struct RequireToken: RouterMiddleware {
  typealias Context = FlowdeskContext
  let tokens: AccessTokens
  /// The right the routes need: a reader may read; only the administrator may change.
  let needs: ActorRight
  /// The code a reader gets on a route that needs the administrator.
  let readerRefusal: FlowCode

  init(_ tokens: AccessTokens, needs: ActorRight, readerRefusal: FlowCode = .readOnlyToken) {
    self.tokens = tokens
    self.needs = needs
    self.readerRefusal = readerRefusal
  }

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    guard let right = tokens.right(of: request) else {
      throw APIProblem(.unauthorized, .authenticationRequired)
    }
    if needs == .flowAdministrator, right != .flowAdministrator {
      throw APIProblem(.forbidden, readerRefusal)
    }
    var context = context
    context.right = right
    return try await next(request, context)
  }
}

extension RouteCollection<FlowdeskContext> {
  /// A collection whose routes all need `right`.
  static func guarded(
    _ tokens: AccessTokens, needs right: ActorRight, readerRefusal: FlowCode = .readOnlyToken
  ) -> RouteCollection<FlowdeskContext> {
    RouteCollection(context: FlowdeskContext.self)
      .add(middleware: RequireToken(tokens, needs: right, readerRefusal: readerRefusal))
  }
}
