import Foundation
import HTTPTypes
import Hummingbird

/// Health, metrics and the API's own description.
///
/// `/metrics` is public, like `/healthz`: it holds counts only (lifecycle actions by outcome,
/// participants by status, requests by route), never an id, an address or a token, and a
/// Prometheus scraper should not need a token that can read flows. A deployment that wants
/// it private keeps the port off the public network, as it would for any scrape target.
struct SystemController {
  let metrics: FlowdeskMetrics

  var routes: RouteCollection<FlowdeskContext> {
    let routes = RouteCollection(context: FlowdeskContext.self)
    routes.get("healthz", use: health)
    routes.get("metrics", use: exposition)
    routes.get("openapi.json", use: openAPI)
    return routes
  }

  @Sendable func health(_ request: Request, context: FlowdeskContext) async throws -> Response {
    try Reply.json(["status": "ok"])
  }

  @Sendable func exposition(_ request: Request, context: FlowdeskContext) async throws -> Response {
    Reply.text(metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
  }

  @Sendable func openAPI(_ request: Request, context: FlowdeskContext) async throws -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(
      status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: OpenAPIDocument.data)))
  }
}
