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

  /// The right a presented token grants, compared in constant time.
  func right(for presented: String) -> ActorRight? {
    if let administrator, Self.constantTimeEquals(presented, administrator) { return .flowAdministrator }
    if let reader, Self.constantTimeEquals(presented, reader) { return .reader }
    return nil
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

/// Bearer authentication for flow and contact endpoints: a reader may read, only the
/// administrator may change. Tokens are never logged.
struct AuthMiddleware: RouterMiddleware {
  typealias Context = FlowdeskContext
  let tokens: AccessTokens

  static func isProtected(_ path: String) -> Bool {
    path.hasPrefix("/v1/flows") || path.hasPrefix("/v1/contacts") || path.hasPrefix("/v1/flow-errors")
  }

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws
    -> Response
  {
    guard Self.isProtected(request.uri.path) else { return try await next(request, context) }
    guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
      let right = tokens.right(
        for: String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces))
    else {
      throw APIProblem(.unauthorized, .authenticationRequired)
    }
    // Editing a flow is left to the engine, which refuses a reader with its own code (FD1110).
    let isFlowEdit =
      request.method == .put && APIRoutes.methods(matching: request.uri.path).contains(.put)
      && request.uri.path.hasPrefix("/v1/flows/")
    if right == .reader, ![.get, .head].contains(request.method), !isFlowEdit {
      throw APIProblem(.forbidden, .readOnlyToken)
    }
    var context = context
    context.right = right
    return try await next(request, context)
  }
}
