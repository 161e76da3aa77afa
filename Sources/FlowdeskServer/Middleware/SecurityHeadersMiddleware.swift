import HTTPTypes
import Hummingbird

/// Headers every answer carries: no content sniffing, no referrer, no framing, and answers
/// to authenticated requests are never stored by a cache.
struct SecurityHeadersMiddleware: RouterMiddleware {
  typealias Context = FlowdeskContext

  static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
  static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
  static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    var response = try await next(request, context)
    Self.add(to: &response.headers)
    if request.headers[.authorization] != nil, response.headers[.cacheControl] == nil {
      response.headers[.cacheControl] = "no-store"
    }
    return response
  }

  /// The headers that do not depend on the request; also given to an answer written below
  /// the router (`MalformedRequestProblem`).
  static func add(to headers: inout HTTPFields) {
    headers[contentTypeOptions] = "nosniff"
    headers[referrerPolicy] = "no-referrer"
    if headers[contentSecurityPolicy] == nil {
      headers[contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
    }
  }
}
