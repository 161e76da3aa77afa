import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

@testable import FlowdeskServer

@Suite("Contract")
struct ContractTests {
  /// The documented (path, method) pairs of openapi.json.
  static func documented() throws -> Set<String> {
    let object = try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any]
    let paths = try #require(object?["paths"] as? [String: [String: Any]])
    var pairs: Set<String> = []
    for (path, operations) in paths {
      for method in operations.keys { pairs.insert("\(method.uppercased()) \(path)") }
    }
    return pairs
  }

  @Test func openAPIDocumentIsServedAndIsOpenAPI31() async throws {
    try await ServiceFixture().test { client in
      let response = try await client.call(.get, "/openapi.json", token: nil)
      #expect(response.status == .ok)
      #expect(response.body["openapi"] as? String == "3.1.0")
    }
  }

  /// Every documented operation is routed, and every route answers as documented: none is a
  /// 404 for an unknown path or a 405.
  @Test func openAPIAgreesWithTheRoutes() async throws {
    let documented = try Self.documented()
    try await ServiceFixture().test { client in
      var routed: Set<String> = []
      for pair in documented.sorted() {
        let parts = pair.split(separator: " ", maxSplits: 1)
        let method = HTTPRequest.Method(String(parts[0]))!
        let concrete = String(parts[1]).replacingOccurrences(of: "{lang}", with: "en")
          .replacingOccurrences(of: "{code}", with: "FD1002").replacingOccurrences(
            of: "{slug}", with: "flow-edit"
          )
          .replacingOccurrences(of: "{id}", with: "x")
        let response = try await client.call(
          method, concrete, json: [.post, .put].contains(method) ? "{}" : nil)
        let code = response.body["code"] as? String
        #expect(
          code != "FD1504" && code != "FD1505",
          "\(pair) is documented but not routed: \(response.raw.prefix(200))")
        routed.insert(pair)
      }
    }
  }

  /// The router's own routes and the document list the same operations, both ways: a route
  /// the document lacks fails, and so does a documented operation with no route.
  @Test func routerRoutesAndTheDocumentAreTheSameSet() throws {
    let documented = try Self.documented()
    let router = FlowdeskApplication.router(try ServiceFixture().parts, logRequests: false)
    let routed = Set(
      router.routes.filter { $0.method != .head }.map { route in
        let path = route.path.description.split(separator: "/").map {
          $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
        }
        return "\(route.method.rawValue) /" + path.joined(separator: "/")
      })
    #expect(
      routed.subtracting(documented).isEmpty,
      "routed but not documented: \(routed.subtracting(documented).sorted())")
    #expect(
      documented.subtracting(routed).isEmpty,
      "documented but not routed: \(documented.subtracting(routed).sorted())")
  }

  /// The participant gauges change when the scheduler moves participants, without waiting
  /// for the next lifecycle action.
  @Test func participantGaugesFollowEverySchedulerBatch() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      try await client.call(.put, "/v1/contacts/ann", json: Bodies.contact)
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(id)/start")
      try await client.call(.post, "/v1/flows/\(id)/enrollments", json: #"{"contactId": "ann"}"#)
      let scheduler = SchedulerService(
        host: fixture.parts.host, metrics: fixture.parts.metrics, logger: Logger(label: "test"))
      try await scheduler.tick()
      fixture.clock.advance(by: 25 * 3600)
      try await scheduler.tick()
      let metrics = try await client.call(.get, "/metrics", token: nil).raw
      #expect(metrics.contains(#"flowdesk_participants{status="finished"} 1"#), "\(metrics)")
      #expect(metrics.contains(#"flowdesk_participants{status="active"} 0"#))
    }
  }

  @Test func metricsCountLifecycleActionsAndParticipants() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(id)/start")
      try await client.call(.post, "/v1/flows/\(id)/start")
      let metrics = try await client.call(.get, "/metrics", token: nil).raw
      #expect(
        metrics.contains(#"flowdesk_lifecycle_actions_total{action="start",outcome="done"} 1"#), "\(metrics)")
      #expect(metrics.contains(#"flowdesk_lifecycle_actions_total{action="start",outcome="FD1101"} 1"#))
      #expect(metrics.contains(#"flowdesk_participants{status="active"} 0"#))
    }
  }

  @Test func statesCodesAndSearchAreLocalized() async throws {
    try await ServiceFixture().test { client in
      let states = try await client.call(.get, "/v1/states", token: nil, language: "sv-FI")
      #expect(states.headers[HTTPField.Name("Content-Language")!] == "sv")
      // Chosen by Accept-Language: a shared cache must keep one answer per language.
      #expect(states.headers[.vary] == "Accept-Language")
      let flowStatuses = try #require(states.body["flowStatuses"] as? [[String: String]])
      #expect(flowStatuses.map { $0["label"] } == ["Inte igång", "Körs", "Pausad"])
      let french = try await client.call(.get, "/v1/codes/FD1002", token: nil, language: "fr")
      #expect(french.body["language"] as? String == "en")
      let search = try await client.call(.get, "/v1/search?q=verwijderd&lang=nl", token: nil)
      let results = try #require(search.body["results"] as? [[String: Any]])
      #expect(results.contains { $0["code"] as? String == "FD1108" })
      #expect(results.allSatisfy { $0["language"] as? String == "nl" })
    }
  }
}
