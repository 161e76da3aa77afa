import FlowEngine
import FlowdeskServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Editing a flow cannot erase what the caller did not mean to change, and a change based
/// on a stale read is refused.
@Suite("Safe edits")
struct SafeEditTests {
  static let mergePatch = "application/merge-patch+json"

  @Test func putWithoutStepsIsRefusedAndErasesNothing() async throws {
    try await ServiceFixture().test { client in
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      let partial = #"{"name": "Renamed", "settings": {"emailFrom": "a@example.com"}}"#
      let refused = try await client.call(.put, "/v1/flows/\(id)", json: partial, language: "sv")
      #expect(refused.status == .unprocessableContent)
      #expect(refused.body["code"] as? String == "FD1514")
      #expect(refused.body["field"] as? String == "trigger")
      let flow = try await client.call(.get, "/v1/flows/\(id)").body
      #expect((flow["steps"] as? [Any])?.count == 3)
      #expect(flow["name"] as? String == "Welcome")
    }
  }

  @Test func patchChangesOnlyWhatItNames() async throws {
    try await ServiceFixture().test { client in
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      let patched = try await client.call(
        .patch, "/v1/flows/\(id)",
        json: #"{"settings": {"emailReplyTo": "replies@example.com"}, "name": "Hello"}"#,
        contentType: Self.mergePatch)
      #expect(patched.status == .ok, "\(patched.raw)")
      let settings = try #require(patched.body["settings"] as? [String: Any])
      #expect(settings["emailReplyTo"] as? String == "replies@example.com")
      #expect(settings["emailFrom"] as? String == "news@example.com", "untouched settings stay")
      #expect((patched.body["steps"] as? [Any])?.count == 3)
      #expect(patched.body["name"] as? String == "Hello")
      #expect(patched.body["version"] as? Int == 2)
      // null removes a member (RFC 7396).
      let removed = try await client.call(
        .patch, "/v1/flows/\(id)", json: #"{"settings": {"emailReplyTo": null}}"#,
        contentType: Self.mergePatch)
      #expect((removed.body["settings"] as? [String: Any])?["emailReplyTo"] == nil)
      // A patch must say it is a merge patch.
      let plain = try await client.call(.patch, "/v1/flows/\(id)", json: #"{"name": "x"}"#)
      #expect(plain.status == .unsupportedMediaType)
      #expect(plain.body["code"] as? String == "FD1510")
    }
  }

  @Test func senderAddressesAreValidatedLikeContactAddresses() async throws {
    try await ServiceFixture().test { client in
      let body = Bodies.flow(
        settings:
          #""emailFrom": "not an address", "emailReplyTo": "help@example.com", "subscriptionType": "n""#)
      let refused = try await client.call(.post, "/v1/flows", json: body, language: "nl")
      #expect(refused.status == .unprocessableContent)
      #expect(refused.body["field"] as? String == "settings.emailFrom")
      #expect(
        refused.body["detail"] as? String
          == "Het veld settings.emailFrom is ongeldig: not an address is geen e-mailadres.")
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      let patch = try await client.call(
        .patch, "/v1/flows/\(id)", json: #"{"settings": {"emailReplyTo": "a@@b"}}"#,
        contentType: Self.mergePatch)
      #expect(patch.body["field"] as? String == "settings.emailReplyTo")
      let contact = try await client.call(.put, "/v1/contacts/c", json: #"{"email": "x@y"}"#)
      #expect(contact.body["field"] as? String == "email")
    }
  }

  @Test func staleIfMatchIsRefusedWithPreconditionFailed() async throws {
    try await ServiceFixture().test { client in
      let created = try await client.call(.post, "/v1/flows", json: Bodies.flow())
      let id = created.body["id"] as! String
      let tag = try #require(created.headers[.eTag])
      #expect(tag == "\"1-notRunning\"")
      #expect(try await client.call(.get, "/v1/flows/\(id)").headers[.eTag] == tag)
      // Someone else starts the flow; a pause based on the first read is fine (no If-Match),
      // but an edit based on it is refused.
      let started = try await client.call(.post, "/v1/flows/\(id)/start")
      #expect(started.headers[.eTag] == "\"1-running\"")
      for (method, path, body) in [
        (HTTPRequest.Method.post, "/v1/flows/\(id)/pause", nil as String?),
        (.patch, "/v1/flows/\(id)", #"{"name": "x"}"#),
        (.put, "/v1/flows/\(id)", Bodies.flow()),
        (.delete, "/v1/flows/\(id)", nil),
      ] {
        var headers: HTTPFields = [.authorization: "Bearer \(ServiceFixture.adminToken)", .ifMatch: tag]
        if body != nil { headers[.contentType] = method == .patch ? Self.mergePatch : "application/json" }
        let response = try await client.execute(
          uri: path, method: method, headers: headers, body: body.map { .init(string: $0) })
        let document =
          try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
        #expect(response.status == .preconditionFailed, "\(method) \(path)")
        #expect(document?["code"] as? String == "FD1512", "\(method) \(path)")
      }
      #expect(
        try await client.call(.get, "/v1/flows/\(id)").body["status"].flatMap {
          ($0 as? [String: Any])?["code"] as? String
        } == "running")
      // The current tag, or *, lets the change through.
      let paused = try await client.execute(
        uri: "/v1/flows/\(id)/pause", method: .post,
        headers: [.authorization: "Bearer \(ServiceFixture.adminToken)", .ifMatch: "\"1-running\""])
      #expect(paused.status == .ok)
      let any = try await client.execute(
        uri: "/v1/flows/\(id)", method: .patch,
        headers: [
          .authorization: "Bearer \(ServiceFixture.adminToken)", .ifMatch: "*", .contentType: Self.mergePatch,
        ],
        body: .init(string: #"{"name": "Renamed"}"#))
      #expect(any.status == .ok)
      #expect(any.headers[.eTag] == "\"2-paused\"")
    }
  }
}
