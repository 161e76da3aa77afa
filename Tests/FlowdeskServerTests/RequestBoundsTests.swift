import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TestSupport
import Testing

@testable import FlowdeskServer

/// What one request may send is bounded, refused with a code that says where, and nothing
/// stored can make a read fail for everyone.
@Suite("Request bounds")
struct RequestBoundsTests {
  static func nestedCondition(_ depth: Int) -> String {
    String(repeating: #"{"not": "#, count: depth) + #"{"property": "country", "equals": "NL"}"#
      + String(repeating: "}", count: depth)
  }

  static func flow(filter: String) -> String {
    """
    {"name": "Deep", "settings": {}, "trigger": {"onlyOnce": false, "filter": \(filter)},
     "steps": [{"id": "done", "type": "finish"}]}
    """
  }

  @Test func nestingBeyondTheLimitIsRefusedWithItsOwnCode() async throws {
    try await ServiceFixture().test { client in
      for depth in [40, 507, 509, 5000] {
        let response = try await client.call(
          .post, "/v1/flows", json: Self.flow(filter: Self.nestedCondition(depth)))
        #expect(response.status == .badRequest, "depth \(depth)")
        #expect(response.body["code"] as? String == "FD1511", "depth \(depth)")
        #expect(response.body["line"] as? Int == 1)
      }
      // Within the limit a deep condition is stored, and every read of it still works.
      let stored = try await client.call(
        .post, "/v1/flows", json: Self.flow(filter: Self.nestedCondition(28)))
      #expect(stored.status == .created)
      #expect(try await client.call(.get, "/v1/flows").status == .ok)
      #expect(try await client.call(.get, "/v1/flows/flow-1").status == .ok)
      let patched = try await client.call(
        .patch, "/v1/flows/flow-1", json: #"{"name": "Still deep"}"#,
        contentType: "application/merge-patch+json")
      #expect(patched.status == .ok)
    }
  }

  @Test func whatIsNotJSONIsRefusedWithItsLineAndColumn() async throws {
    try await ServiceFixture().test { client in
      let cases: [(String, String, Int, Int)] = [
        ("{\"email\": \"a@example.com\",}", "json.trailingComma", 1, 27),
        ("{\"subscriptions\": [\"a\",]}", "json.trailingComma", 1, 24),
        ("{\"email\": \"a@example.com\"}\n{}", "json.trailingData", 2, 1),
        ("{\"email\": \"a\", \"email\": \"b\"}", "json.duplicateKey", 1, 16),
        ("{\n  \"email\": 'x'\n}", "json.unexpectedCharacter", 2, 12),
        ("{\"consent\": tru}", "json.unexpectedCharacter", 1, 16),
        ("{\"n\": 01}", "json.unexpectedCharacter", 1, 8),
        ("", "json.emptyBody", 1, 1),
      ]
      for (body, _, line, column) in cases {
        let response = try await client.call(.put, "/v1/contacts/x", json: body)
        #expect(response.status == .badRequest, "\(body)")
        #expect(response.body["code"] as? String == "FD1501", "\(body)")
        #expect(response.body["line"] as? Int == line, "\(body): \(response.raw)")
        #expect(response.body["column"] as? Int == column, "\(body): \(response.raw)")
      }
      // The detail is wholly Dutch: no parser text from Foundation.
      let dutch = try await client.call(.put, "/v1/contacts/x", json: "{\"a\": 1,}", language: "nl")
      #expect(
        dutch.body["detail"] as? String
          == "De body van het verzoek is geen geldige JSON op regel 1, kolom 9: een komma vóór een sluithaakje."
      )
    }
  }

  @Test func aNulCharacterInAnyTextIsRefusedNamingItsField() async throws {
    try await ServiceFixture().test { client in
      let cases: [(body: String, field: String)] = [
        (#"{"email": "a@example.com", "mobile": "+31\u0000"}"#, "mobile"),
        (#"{"subscriptions": ["news", "a\u0000b"]}"#, "subscriptions[1]"),
        // In a key, the object that holds it is named.
        (#"{"properties": {"nick\u0000": "x"}}"#, "properties"),
        ("{\n  \"properties\": {\"nick\": \"x\\u0000\"}}", "properties.nick"),
      ]
      for (body, field) in cases {
        let response = try await client.call(.put, "/v1/contacts/x", json: body)
        #expect(response.status == .unprocessableContent, "\(body)")
        #expect(response.body["code"] as? String == "FD1502", "\(body)")
        #expect(response.body["field"] as? String == field, "\(body): \(response.raw)")
      }
      // Nothing of a refused body is stored.
      #expect(try await client.call(.get, "/v1/contacts/x").status == .notFound)
      // The same text without the escape is stored and read back whole.
      #expect(try await client.call(.put, "/v1/contacts/x", json: #"{"mobile": "+31 6"}"#).status == .ok)
      #expect(try await client.call(.get, "/v1/contacts/x").body["mobile"] as? String == "+31 6")

      // A flow's texts too, in a POST and in a merge patch, with the reason in the
      // caller's language.
      let flow =
        #"{"name": "N\u0000", "settings": {}, "trigger": {"onlyOnce": false}, "steps": [{"id": "done", "type": "finish"}]}"#
      let created = try await client.call(.post, "/v1/flows", json: flow, language: "sv")
      #expect(created.status == .unprocessableContent)
      #expect(created.body["field"] as? String == "name", "\(created.raw)")
      #expect((created.body["detail"] as? String)?.contains("tecknet U+0000") == true, "\(created.raw)")
      let good =
        #"{"name": "N", "settings": {}, "trigger": {"onlyOnce": false}, "steps": [{"id": "done", "type": "finish"}]}"#
      #expect(try await client.call(.post, "/v1/flows", json: good).status == .created)
      let patched = try await client.call(
        .patch, "/v1/flows/flow-1", json: #"{"steps": [{"id": "s\u0000", "type": "finish"}]}"#,
        language: "nl", contentType: "application/merge-patch+json")
      #expect(patched.status == .unprocessableContent)
      #expect(patched.body["field"] as? String == "steps[0].id", "\(patched.raw)")
      #expect((patched.body["detail"] as? String)?.contains("teken U+0000") == true, "\(patched.raw)")
    }
  }

  /// The merge-patch fuzz target's input from Fuzz/Regressions: a document 3,089 arrays deep,
  /// which overflowed the stack when what Flowdesk re-reads was parsed without a depth bound.
  @Test func reReadingStoredJSONIsBoundedInDepthToo() throws {
    let input = try Data(
      contentsOf: Paths.packageRoot.appendingPathComponent("Fuzz/Regressions/merge-patch/deep-document"))
    let document = input.prefix { $0 != 0 }
    #expect(document.count == 3089)
    #expect(throws: JSONSyntaxError.self) {
      try StrictJSONParser.parse(document, maximumDepth: StrictJSONParser.storedMaximumDepth, allowsNul: true)
    }
    do {
      _ = try StrictJSONParser.parse(document, maximumDepth: StrictJSONParser.storedMaximumDepth)
    } catch {
      #expect(error.reason == .tooDeep)
      #expect(error.column == StrictJSONParser.storedMaximumDepth + 1)
    }
  }

  @Test func numbersAreBoundedWhereTheyAreUsed() async throws {
    try await ServiceFixture().test { client in
      for (step, field) in [
        (#"{"id": "w", "type": "waitTime", "hours": 1e20}"#, "steps[0].hours"),
        (#"{"id": "w", "type": "waitTime", "days": 4000}"#, "steps[0].days"),
        (#"{"id": "w", "type": "waitTime", "hours": -1}"#, "steps[0].hours"),
        (
          #"{"id": "w", "type": "waitForAction", "action": "click", "timeoutHours": 1e9}"#,
          "steps[0].timeoutHours"
        ),
      ] {
        let body = #"{"name": "N", "settings": {}, "trigger": {"onlyOnce": false}, "steps": [\#(step)]}"#
        let response = try await client.call(.post, "/v1/flows", json: body, language: "sv")
        #expect(response.status == .unprocessableContent, "\(step)")
        #expect(response.body["code"] as? String == "FD1502", "\(step)")
        #expect(response.body["field"] as? String == field, "\(step): \(response.raw)")
        #expect((response.body["detail"] as? String)?.contains("förväntades") == true, "\(response.raw)")
      }
      let huge =
        #"{"name": "N", "settings": {}, "trigger": {"onlyOnce": false}, "steps": [{"id": "w", "type": "waitTime", "hours": 1e400}]}"#
      #expect(try await client.call(.post, "/v1/flows", json: huge).body["code"] as? String == "FD1501")
    }
  }

  @Test func anythingUnexpectedIsACodedProblemWithARequestId() async throws {
    struct Boom: Error {}
    let help = try ServiceFixture.help.get()
    let router = Router(context: FlowdeskContext.self)
    router.add(middleware: ProblemMiddleware(help: help))
    router.get("/boom") { _, _ -> Response in throw Boom() }
    try await Application(router: router).test(.router) { client in
      let response = try await client.call(.get, "/boom", token: nil, language: "nl")
      #expect(response.status == .internalServerError)
      #expect(response.headers[.contentType] == "application/problem+json")
      #expect(response.body["code"] as? String == "FD1513")
      let requestId = try #require(response.body["requestId"] as? String)
      #expect((response.body["detail"] as? String)?.contains(requestId) == true)
      #expect(response.body["language"] as? String == "nl")
    }
  }
}
