import HTTPTypes

/// Every endpoint of the service, as documented in `openapi.json`. The router registers
/// exactly these (a test holds the two in agreement), and the problem middleware uses them to
/// tell a wrong method (405) from an unknown path (404).
enum APIRoutes {
  struct Route: Hashable, Sendable {
    let method: HTTPRequest.Method
    /// The path with `{name}` parameters, as in OpenAPI.
    let path: String
  }

  static let all: [Route] = [
    Route(method: .get, path: "/healthz"),
    Route(method: .get, path: "/metrics"),
    Route(method: .get, path: "/openapi.json"),
    Route(method: .get, path: "/v1/codes"),
    Route(method: .get, path: "/v1/codes/{code}"),
    Route(method: .get, path: "/v1/search"),
    Route(method: .get, path: "/v1/states"),
    Route(method: .get, path: "/v1/contacts"),
    Route(method: .get, path: "/v1/contacts/{id}"),
    Route(method: .put, path: "/v1/contacts/{id}"),
    Route(method: .delete, path: "/v1/contacts/{id}"),
    Route(method: .post, path: "/v1/contacts/{id}/actions"),
    Route(method: .get, path: "/v1/flows"),
    Route(method: .post, path: "/v1/flows"),
    Route(method: .get, path: "/v1/flows/{id}"),
    Route(method: .put, path: "/v1/flows/{id}"),
    Route(method: .patch, path: "/v1/flows/{id}"),
    Route(method: .delete, path: "/v1/flows/{id}"),
    Route(method: .post, path: "/v1/flows/{id}/start"),
    Route(method: .post, path: "/v1/flows/{id}/pause"),
    Route(method: .post, path: "/v1/flows/{id}/resume"),
    Route(method: .post, path: "/v1/flows/{id}/end"),
    Route(method: .post, path: "/v1/flows/{id}/enrollments"),
    Route(method: .get, path: "/v1/flows/{id}/participants"),
    Route(method: .get, path: "/v1/flows/{id}/history"),
    Route(method: .get, path: "/v1/flows/{id}/audit"),
    Route(method: .get, path: "/v1/flows/{id}/statistics"),
    Route(method: .get, path: "/v1/flow-errors"),
    Route(method: .get, path: "/v1/outbox"),
    Route(method: .post, path: "/v1/outbox/{id}/retry"),
    Route(method: .post, path: "/v1/delivery-events"),
    Route(method: .get, path: "/v1/content"),
    Route(method: .post, path: "/v1/admin/reload"),
    Route(method: .get, path: "/help"),
    Route(method: .get, path: "/help/{lang}"),
    Route(method: .get, path: "/help/{lang}/search"),
    Route(method: .get, path: "/help/{lang}/codes"),
    Route(method: .get, path: "/help/{lang}/codes/{code}"),
    Route(method: .get, path: "/help/{lang}/{slug}"),
  ]

  /// The methods allowed on a concrete path, by the documented routes.
  static func methods(matching path: String) -> [HTTPRequest.Method] {
    let parts = path.split(separator: "/", omittingEmptySubsequences: true)
    return all.filter { route in
      let pattern = route.path.split(separator: "/", omittingEmptySubsequences: true)
      guard pattern.count == parts.count else { return false }
      return zip(pattern, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }.map(\.method).reduce(into: [HTTPRequest.Method]()) { if !$0.contains($1) { $0.append($1) } }
  }

  /// The Hummingbird form of a path: `{id}` becomes `:id`.
  static func routerPath(_ path: String) -> String {
    path.split(separator: "/").map { $0.hasPrefix("{") ? ":\($0.dropFirst().dropLast())" : String($0) }
      .joined(separator: "/")
  }
}
