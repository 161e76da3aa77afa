import FlowEngine
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import FlowdeskServer

/// Authorization belongs to the routes: whatever spelling of a path the router accepts, the
/// same rule decides who may call it.
@Suite("Authorization")
struct AuthorizationTests {
  enum Caller: String, CaseIterable {
    case anonymous, wrongToken, reader, administrator

    var token: String? {
      switch self {
      case .anonymous: nil
      case .wrongToken: "not-a-token"
      case .reader: ServiceFixture.readerToken
      case .administrator: ServiceFixture.adminToken
      }
    }
  }

  /// Every route of the documented list, with the right it needs (nil: public).
  static func routes() -> [(method: HTTPRequest.Method, path: String, needs: ActorRight?)] {
    let writes: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]
    return APIRoutes.all.map { route in
      let concrete = route.path.replacingOccurrences(
        of: "{id}", with: route.path.hasPrefix("/v1/contacts") ? "ann" : "flow-1"
      )
      .replacingOccurrences(of: "{code}", with: "FD1002").replacingOccurrences(of: "{lang}", with: "en")
      .replacingOccurrences(of: "{slug}", with: "flow-edit")
      let isProtected = [
        "/v1/flows", "/v1/contacts", "/v1/flow-errors", "/v1/content", "/v1/admin", "/v1/outbox",
        "/v1/delivery-events",
      ].contains {
        route.path.hasPrefix($0)
      }
      let needs: ActorRight? =
        isProtected ? (writes.contains(route.method) ? .flowAdministrator : .reader) : nil
      return (route.method, concrete, needs)
    }
  }

  /// Other spellings of a path: doubled slashes, dot segments, percent-encoding, a trailing
  /// slash and letter case.
  static func spellings(of path: String) -> [String] {
    let segments = path.split(separator: "/").map(String.init)
    let dotted: String = "/./" + segments.joined(separator: "/./")
    let climbing: String = "/x/../" + segments.joined(separator: "/")
    let upperTail: String = String(path.prefix(2)) + path.dropFirst(2).uppercased()
    var result: [String] = [
      "/" + path, path.replacingOccurrences(of: "/", with: "//"), path + "/", path + "//",
    ]
    result += [dotted, climbing, path.uppercased(), upperTail]
    // Percent-encode one letter of each segment in turn.
    for (index, segment) in segments.enumerated() {
      guard let letter = segment.first(where: \.isLetter) else { continue }
      var copy = segments
      let hex = String(letter.asciiValue!, radix: 16, uppercase: true)
      copy[index] = segment.replacingOccurrences(
        of: String(letter), with: "%\(hex)", options: [], range: segment.range(of: String(letter)))
      result.append("/" + copy.joined(separator: "/"))
    }
    return result
  }

  /// What a caller may get on a route that needs `right`: a refusal, or a miss that ran no handler.
  static func refusal(for caller: Caller, needs right: ActorRight?) -> HTTPResponse.Status? {
    guard let right else { return nil }
    switch caller {
    case .anonymous, .wrongToken: return .unauthorized
    case .reader: return right == .flowAdministrator ? .forbidden : nil
    case .administrator: return nil
    }
  }

  @Test func everySpellingOfEveryRouteReachesTheSameRule() async throws {
    let fixture = try ServiceFixture()
    try await fixture.test { client in
      // A flow and a contact to aim at.
      try await client.call(.put, "/v1/contacts/ann", json: Bodies.contact)
      let created = try await client.call(.post, "/v1/flows", json: Bodies.flow())
      #expect(created.body["id"] as? String == "flow-1")
      let before = try await client.call(.get, "/v1/flows/flow-1").raw
      var checked = 0
      for route in Self.routes() {
        for caller in Caller.allCases where caller != .administrator {
          guard let refused = Self.refusal(for: caller, needs: route.needs) else { continue }
          for path in [route.path] + Self.spellings(of: route.path) {
            let body = [.post, .put, .patch].contains(route.method) ? Bodies.flow() : nil
            let response = try await client.call(route.method, path, json: body, token: caller.token)
            checked += 1
            // Either the router matched no route (nothing ran), or the route's own rule refused.
            let missed = response.status == .notFound || response.status == .methodNotAllowed
            #expect(
              missed || response.status == refused,
              "\(caller) \(route.method) \(path) answered \(response.status): \(response.raw.prefix(160))")
            if path == route.path { #expect(response.status == refused, "\(caller) \(route.method) \(path)") }
          }
        }
      }
      #expect(checked > 300)
      // Nothing that was refused changed anything.
      #expect(try await client.call(.get, "/v1/flows/flow-1").raw == before)
      let flows = try await client.call(.get, "/v1/flows").body["flows"] as? [Any]
      #expect(flows?.count == 1)
      #expect(try await client.call(.get, "/v1/contacts/ann").body["email"] as? String == "ann@example.com")
    }
  }

  @Test func administratorAndReaderPassTheRuleOnEveryRoute() async throws {
    try await ServiceFixture().test { client in
      for route in Self.routes() {
        for caller in [Caller.reader, .administrator]
        where Self.refusal(for: caller, needs: route.needs) == nil {
          let body = [.post, .put].contains(route.method) ? "{}" : nil
          let response = try await client.call(route.method, route.path, json: body, token: caller.token)
          #expect(
            response.status != .unauthorized && response.status != .forbidden,
            "\(caller) \(route.method) \(route.path) answered \(response.status)")
        }
      }
    }
  }

  @Test func readerIsRefusedBeforeTheBodyIsRead() async throws {
    try await ServiceFixture().test { client in
      // A body that is not JSON would be a 400 if it were read.
      let reader = try await client.call(
        .post, "/v1/flows", json: "{not json", token: ServiceFixture.readerToken)
      #expect(reader.status == .forbidden)
      #expect(reader.body["code"] as? String == "FD1508")
      let anonymous = try await client.call(.put, "/v1/contacts/x", json: "{not json", token: nil)
      #expect(anonymous.status == .unauthorized)
      let edit = try await client.call(
        .patch, "/v1/flows/flow-1", json: "[", token: ServiceFixture.readerToken)
      #expect(edit.status == .forbidden)
      #expect(edit.body["code"] as? String == "FD1110")
    }
  }

  @Test func bearerSchemeIsCaseInsensitiveAndTokensAreExact() async throws {
    try await ServiceFixture().test { client in
      for header in ["bearer \(ServiceFixture.adminToken)", "BEARER \(ServiceFixture.adminToken)"] {
        let response = try await client.execute(
          uri: "/v1/flows", method: .get, headers: [.authorization: header])
        #expect(response.status == .ok, "\(header)")
      }
      for header in [
        "Basic \(ServiceFixture.adminToken)", "Bearer", "Bearer \(ServiceFixture.adminToken)x",
        "Bearer\(ServiceFixture.adminToken)",
      ] {
        let response = try await client.execute(
          uri: "/v1/flows", method: .get, headers: [.authorization: header])
        #expect(response.status == .unauthorized, "\(header)")
      }
    }
  }
}
