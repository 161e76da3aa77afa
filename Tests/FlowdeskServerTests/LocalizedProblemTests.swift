import FlowEngine
import FlowdeskServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// A problem document is wholly in the caller's language: placeholders filled from the
/// request, statuses as their labels, and an honest account of what fell back to English.
@Suite("Localized problems")
struct LocalizedProblemTests {
  static func texts(_ body: [String: Any]) -> String {
    ([body["title"], body["detail"]].compactMap { $0 as? String } + ((body["resolution"] as? [String]) ?? []))
      .joined(separator: "\n")
  }

  @Test func statusIsItsLabelAndIdsComeFromTheRequest() async throws {
    try await ServiceFixture().test { client in
      let id = try await client.call(.post, "/v1/flows", json: Bodies.flow()).body["id"] as! String
      try await client.call(.post, "/v1/flows/\(id)/start")
      let dutch = try await client.call(.delete, "/v1/flows/\(id)", language: "nl")
      #expect(dutch.body["code"] as? String == "FD1108")
      let text = Self.texts(dutch.body)
      #expect(text.contains("Wordt uitgevoerd"), "\(text)")
      #expect(!text.contains("running"), "\(text)")
      #expect(!text.contains("{"), "\(text)")
      let swedish = try await client.call(.post, "/v1/flows/\(id)/start", language: "sv")
      #expect(!Self.texts(swedish.body).contains("{"), "\(swedish.raw)")
    }
  }

  @Test func everyProblemOfTheAPIIsFreeOfRawPlaceholders() async throws {
    try await ServiceFixture().test { client in
      let id =
        try await client.call(.post, "/v1/flows", json: Bodies.flow(settings: "")).body["id"] as! String
      try await client.call(.put, "/v1/contacts/ann-42", json: Bodies.contact)
      for language in ["en", "nl", "sv"] {
        let requests: [(HTTPRequest.Method, String, String?, String?)] = [
          (.post, "/v1/flows/\(id)/start", nil, ServiceFixture.adminToken),
          (.post, "/v1/flows/\(id)/pause", nil, ServiceFixture.adminToken),
          (.post, "/v1/flows/\(id)/enrollments", #"{"contactId": "ann-42"}"#, ServiceFixture.adminToken),
          (.get, "/v1/flows/nope", nil, ServiceFixture.adminToken),
          (.get, "/v1/flows", nil, nil),
          (.post, "/v1/flows", "{\"name\": 1}", ServiceFixture.adminToken),
          (.post, "/v1/flows", "{", ServiceFixture.adminToken),
          (.get, "/v1/codes/FD9999", nil, nil),
          (.get, "/v1/search?q=", nil, nil),
          (.delete, "/v1/codes", nil, nil),
        ]
        for (method, path, body, token) in requests {
          let response = try await client.call(method, path, json: body, token: token, language: language)
          #expect(response.status.code >= 400, "\(path)")
          let text = Self.texts(response.body)
          #expect(!text.contains("{") && !text.contains("}"), "\(language) \(method) \(path): \(text)")
          #expect(response.body["language"] as? String == language)
          if language != "en" {
            #expect(!text.contains("The given data"), "\(text)")
          }
        }
      }
    }
  }

  @Test func fallbacksAreNamedAndContentLanguageIsHonest() async throws {
    // Content without a Swedish catalog: Swedish strings fall back to English, and say so.
    let copy = try Paths.copyOfContent()
    defer { try? FileManager.default.removeItem(at: copy.root) }
    try FileManager.default.removeItem(at: copy.locales.appendingPathComponent("sv.xliff"))
    let help = try HelpService(content: copy.content, locales: copy.locales)
    let fixture = try ServiceFixture(help: help)
    try await fixture.test { client in
      let response = try await client.call(.get, "/v1/flows/nope", language: "sv")
      #expect(response.body["language"] as? String == "sv")
      let fallbacks = try #require(response.body["fallbacks"] as? [String])
      #expect(fallbacks.contains("title"))
      #expect(response.headers[HTTPField.Name("Content-Language")!] == "sv, en")
      let dutch = try await client.call(.get, "/v1/flows/nope", language: "nl")
      #expect(dutch.body["fallbacks"] == nil)
      #expect(dutch.headers[HTTPField.Name("Content-Language")!] == "nl")
      #expect(dutch.headers[.vary] == "Accept-Language")
    }
  }
}
