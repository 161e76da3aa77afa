import FlowdeskServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// Live content: `POST /v1/admin/reload` and `GET /v1/content`, on a copy of the content that
/// each test edits while the service runs.
@Suite("Content reload")
struct ContentReloadTests {
  static let article = "en/flow-run-pause-end.md"
  static let oldMeaning = "The flow contains at least one sendEmail step, but no address is set for replies."
  static let newMeaning =
    "A sendEmail step needs somewhere for replies to go, and the ptarmigan flow has none, so it cannot start."

  /// A service over its own copy of the content and locales.
  func withService(
    _ body: @Sendable (_ content: URL, _ client: any TestClientProtocol) async throws -> Void
  ) async throws {
    let copy = try Paths.copyOfContent()
    defer { try? FileManager.default.removeItem(at: copy.root) }
    let fixture = try ServiceFixture(help: try HelpService(content: copy.content, locales: copy.locales))
    try await fixture.test { client in try await body(copy.content, client) }
  }

  func meaning(_ client: any TestClientProtocol) async throws -> String {
    try await client.call(.get, "/v1/codes/FD1002?lang=en", token: nil).body["meaning"] as? String ?? ""
  }

  func content(_ client: any TestClientProtocol) async throws -> [String: Any] {
    try await client.call(.get, "/v1/content", token: ServiceFixture.readerToken).body
  }

  /// Changes FD1002's meaning and removes the article's uid, so the loader refuses the file.
  static func breakArticle(in content: URL) throws {
    let url = content.appendingPathComponent(article)
    try Paths.replace(oldMeaning, with: newMeaning, in: url)
    try Paths.replace("uid: help-en-flow-run-pause-end\n", with: "", in: url)
  }

  @Test func aBrokenArticleIsRefusedAndTheOldOneIsStillServed() async throws {
    try await withService { content, client in
      #expect(try await meaning(client).contains(Self.oldMeaning))
      let before = try await self.content(client)["version"] as? String
      try Self.breakArticle(in: content)

      let refused = try await client.call(.post, "/v1/admin/reload", language: "nl")
      #expect(refused.status == .conflict, "\(refused.raw.prefix(300))")
      #expect(refused.body["code"] as? String == "FD1515")
      #expect(refused.headers[.contentType] == "application/problem+json")
      #expect((refused.body["detail"] as? String)?.contains("content/en/flow-run-pause-end.md") == true)
      let findings = refused.body["findings"] as? [[String: Any]] ?? []
      let first = try #require(findings.first, "the refusal lists no findings")
      #expect(first["rule"] as? String == "front-matter")
      #expect(first["file"] as? String == "content/en/flow-run-pause-end.md")
      #expect(first["blocking"] as? Bool == true)

      #expect(try await meaning(client).contains(Self.oldMeaning), "the broken edit was served")
      let search = try await client.call(.get, "/v1/search?q=ptarmigan&lang=en", token: nil)
      #expect((search.body["results"] as? [Any])?.isEmpty == true, "search serves the broken edit")
      let shown = try await self.content(client)
      #expect(shown["version"] as? String == before)
      let last = shown["lastReload"] as? [String: Any]
      #expect(last?["result"] as? String == "refused")
      #expect(last?["servedVersion"] as? String == before)
    }
  }

  @Test func aFixedArticleGoesLiveAndSearchFindsTheNewText() async throws {
    try await withService { content, client in
      try Self.breakArticle(in: content)
      #expect(try await client.call(.post, "/v1/admin/reload").status == .conflict)
      // The fix: the uid is back, the new text stays.
      let url = content.appendingPathComponent(Self.article)
      try Paths.replace("title:", with: "uid: help-en-flow-run-pause-end\ntitle:", in: url)
      let search = try await client.call(.get, "/v1/search?q=ptarmigan&lang=en", token: nil)
      #expect((search.body["results"] as? [Any])?.isEmpty == true)

      let loaded = try await client.call(.post, "/v1/admin/reload")
      #expect(loaded.status == .ok, "\(loaded.raw.prefix(400))")
      #expect(loaded.body["result"] as? String == "loaded")
      #expect(loaded.body["blocking"] as? Int == 0)
      #expect(try await meaning(client).contains(Self.newMeaning))
      let found = try await client.call(.get, "/v1/search?q=ptarmigan&lang=en", token: nil)
      let results = found.body["results"] as? [[String: Any]] ?? []
      #expect(results.first?["code"] as? String == "FD1002", "\(found.raw.prefix(300))")
      let page = try await client.call(.get, "/help/en/codes/FD1002", token: nil)
      #expect(page.raw.contains("ptarmigan"), "the help center still shows the old text")
      // Reloading the same files again changes nothing.
      #expect(try await client.call(.post, "/v1/admin/reload").body["result"] as? String == "unchanged")
    }
  }

  @Test func aReaderCannotReload() async throws {
    try await withService { content, client in
      try Paths.replace(
        Self.oldMeaning, with: Self.newMeaning, in: content.appendingPathComponent(Self.article))
      let reader = try await client.call(.post, "/v1/admin/reload", token: ServiceFixture.readerToken)
      #expect(reader.status == .forbidden)
      #expect(reader.body["code"] as? String == "FD1508")
      let anonymous = try await client.call(.post, "/v1/admin/reload", token: nil)
      #expect(anonymous.status == .unauthorized)
      #expect(anonymous.body["code"] as? String == "FD1507")
      #expect(try await meaning(client).contains(Self.oldMeaning), "a reader's request reloaded the content")
      #expect(try await self.content(client)["lastReload"] == nil)
      // The administrator's token does reload the same edit.
      #expect(try await client.call(.post, "/v1/admin/reload").status == .ok)
      #expect(try await meaning(client).contains(Self.newMeaning))
    }
  }

  @Test func contentShowsItsVersionLoadTimeAndFindings() async throws {
    let copy = try Paths.copyOfContent()
    defer { try? FileManager.default.removeItem(at: copy.root) }
    // A broken link is a finding, but not a blocking one.
    try Paths.replace(
      Self.oldMeaning, with: Self.oldMeaning + " See [the settings](flow-settings-missing.md).",
      in: copy.content.appendingPathComponent(Self.article))
    let started = Date()
    let fixture = try ServiceFixture(help: try HelpService(content: copy.content, locales: copy.locales))
    try await fixture.test { client in
      #expect(try await client.call(.get, "/v1/content", token: nil).status == .unauthorized)
      let shown = try await content(client)
      let version = try #require(shown["version"] as? String)
      #expect(version == ContentVersion.of(content: copy.content, locales: copy.locales))
      #expect(version.count == 16 && version.allSatisfy(\.isHexDigit))
      let loadedAt = try #require(
        (shown["loadedAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) }, "no loadedAt")
      #expect(loadedAt >= started.addingTimeInterval(-1) && loadedAt <= Date().addingTimeInterval(1))
      let findings = shown["findings"] as? [[String: Any]] ?? []
      #expect(findings.count == 1, "\(findings)")
      #expect(findings.first?["rule"] as? String == "links")
      #expect(findings.first?["file"] as? String == "content/en/flow-run-pause-end.md")
      #expect(findings.first?["blocking"] as? Bool == false)
      #expect(shown["blocking"] as? Int == 0)

      // An edit with only that finding goes live, with a new version and load time.
      try Paths.replace(
        Self.oldMeaning, with: Self.newMeaning, in: copy.content.appendingPathComponent(Self.article))
      try await Task.sleep(for: .milliseconds(1100))
      #expect(try await client.call(.post, "/v1/admin/reload").status == .ok)
      let after = try await content(client)
      #expect(after["version"] as? String != version)
      #expect(after["version"] as? String == ContentVersion.of(content: copy.content, locales: copy.locales))
      let reloadedAt = (after["loadedAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
      #expect(reloadedAt.map { $0 > loadedAt } == true, "loadedAt did not move")
      #expect((after["findings"] as? [Any])?.count == 1)
      #expect((after["lastReload"] as? [String: Any])?["result"] as? String == "loaded")
    }
  }
}
