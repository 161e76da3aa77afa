import FlowdeskServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every bad request gets a 4xx problem document in the requested language; none a 500.
@Suite("Bad input over HTTP")
struct BadInputTests {
  func expectProblem(
    _ response: (status: HTTPResponse.Status, headers: HTTPFields, body: [String: Any], raw: String),
    _ status: HTTPResponse.Status, _ code: String, language: String = "en"
  ) {
    #expect(response.status == status, "\(response.raw)")
    #expect(response.headers[.contentType] == "application/problem+json")
    #expect(response.body["code"] as? String == code, "\(response.raw)")
    #expect(response.body["language"] as? String == language)
    #expect((response.body["resolution"] as? [String])?.isEmpty == false)
    #expect(response.body["status"] as? Int == Int(status.code))
  }

  @Test func unknownRouteIsANotFoundProblemInTheRequestedLanguage() async throws {
    try await ServiceFixture().test { client in
      expectProblem(
        try await client.call(.get, "/v2/nothing", language: "sv"), .notFound, "FD1504", language: "sv")
    }
  }

  @Test func wrongMethodIsMethodNotAllowedWithAllow() async throws {
    try await ServiceFixture().test { client in
      let response = try await client.call(.post, "/v1/flows/flow-1", language: "nl")
      expectProblem(response, .methodNotAllowed, "FD1505", language: "nl")
      #expect(response.headers[.allow] == "GET, PUT, PATCH, DELETE")
    }
  }

  @Test func malformedJSONIsABadRequest() async throws {
    try await ServiceFixture().test { client in
      expectProblem(
        try await client.call(.post, "/v1/flows", json: #"{"name": "x", "#), .badRequest, "FD1501")
    }
  }

  @Test func wrongTypeNamesTheField() async throws {
    try await ServiceFixture().test { client in
      let response = try await client.call(
        .post, "/v1/flows",
        json:
          #"{"name": "x", "steps": [{"id": "a", "type": "finish"}, {"id": "b", "type": "waitTime", "hours": "soon"}]}"#,
        language: "nl")
      expectProblem(response, .unprocessableContent, "FD1502", language: "nl")
      #expect((response.body["detail"] as? String)?.contains("steps[1].hours") == true, "\(response.raw)")
    }
  }

  @Test func missingFieldAndUnknownStepTypeNameTheField() async throws {
    try await ServiceFixture().test { client in
      let missing = try await client.call(.post, "/v1/flows", json: #"{"steps": []}"#)
      expectProblem(missing, .unprocessableContent, "FD1502")
      #expect((missing.body["detail"] as? String)?.contains("name") == true)
      let unknown = try await client.call(
        .post, "/v1/flows", json: #"{"name": "x", "steps": [{"id": "a", "type": "teleport"}]}"#)
      expectProblem(unknown, .unprocessableContent, "FD1502")
      #expect((unknown.body["detail"] as? String)?.contains("steps[0].type") == true, "\(unknown.raw)")
    }
  }

  @Test func oversizedBodyIsRefused() async throws {
    try await ServiceFixture().test { client in
      let big = #"{"name": ""# + String(repeating: "x", count: 1_100_000) + #""}"#
      expectProblem(try await client.call(.post, "/v1/flows", json: big), .contentTooLarge, "FD1503")
    }
  }

  @Test func nonJSONBodyIsUnsupported() async throws {
    try await ServiceFixture().test { client in
      expectProblem(
        try await client.call(
          .post, "/v1/flows", json: "name=x", contentType: "application/x-www-form-urlencoded"),
        .unsupportedMediaType, "FD1510")
    }
  }

  @Test func unknownCodeAndUnknownFlowAreNotFound() async throws {
    try await ServiceFixture().test { client in
      expectProblem(
        try await client.call(.get, "/v1/codes/FD9999", language: "sv"), .notFound, "FD1509", language: "sv")
      expectProblem(try await client.call(.post, "/v1/flows/flow-77/start"), .notFound, "FD1401")
      expectProblem(
        try await client.call(.post, "/v1/flows/flow-77/enrollments", json: #"{"contactId": "nobody"}"#),
        .notFound, "FD1402")
    }
  }

  @Test func invalidLanguageTagIsABadRequest() async throws {
    try await ServiceFixture().test { client in
      expectProblem(
        try await client.call(.get, "/v1/codes/FD1002?lang=n_l!", language: "sv"), .badRequest, "FD1506",
        language: "sv")
    }
  }

  @Test func flowEndpointsNeedAToken() async throws {
    try await ServiceFixture().test { client in
      let missing = try await client.call(.get, "/v1/flows", token: nil)
      expectProblem(missing, .unauthorized, "FD1507")
      #expect(missing.headers[HTTPField.Name("WWW-Authenticate")!] == "Bearer")
      expectProblem(
        try await client.call(.get, "/v1/flows", token: "admin-secret-tokeN"), .unauthorized, "FD1507")
      #expect(try await client.call(.get, "/v1/codes", token: nil).status == .ok, "help endpoints are public")
    }
  }

  @Test func readerMayReadButNotChange() async throws {
    try await ServiceFixture().test { client in
      let reader = ServiceFixture.readerToken
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      #expect(try await client.call(.get, "/v1/flows/\(id)", token: reader).status == .ok)
      expectProblem(
        try await client.call(.post, "/v1/flows/\(id)/start", token: reader), .forbidden, "FD1508")
      // Editing is the engine's rule: a reader lacks the flow-administrator right.
      expectProblem(
        try await client.call(.put, "/v1/flows/\(id)", json: Bodies.flow(), token: reader), .forbidden,
        "FD1110")
    }
  }

  /// A bounded run of random requests: methods, paths, bodies and headers, none a 5xx.
  @Test func randomRequestsNeverGetAServerError() async throws {
    try await ServiceFixture().test { client in
      var generator = SystemRandomNumberGenerator()
      let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch]
      let paths = [
        "/v1/flows", "/v1/flows/flow-1", "/v1/flows/flow-1/start", "/v1/flows/flow-1/enrollments",
        "/v1/contacts/x",
        "/v1/codes/%00", "/v1/search?q=%E2%9C%93", "/help/xx/codes/FD1002", "/help/nl/%2e%2e/etc",
        "/v1/flows/../../",
        "/v1/contacts/x/actions", "/v1/states?lang=" + String(repeating: "a", count: 300),
      ]
      let bodies = [
        "", "null", "[]", "{}", "{\"name\": 1}", "{\"name\": \"x\", \"steps\": [{}]}", "\u{0}\u{1}",
        "{\"email\": [\"a\"]}", "{\"contactId\": {}}", String(repeating: "[", count: 5000),
        "{\"name\": \"x\", \"steps\": [{\"id\": \"s\", \"type\": \"split\", \"branches\": [{\"id\": \"b\", \"condition\": {}}]}]}",
      ]
      for _ in 0..<300 {
        let method = methods.randomElement(using: &generator)!
        let path = paths.randomElement(using: &generator)!
        let body = bodies.randomElement(using: &generator)!
        let response = try await client.call(method, path, json: method == .get ? nil : body)
        #expect(response.status.code < 500, "\(method) \(path) \(body.prefix(40)) -> \(response.status)")
      }
    }
  }
}
