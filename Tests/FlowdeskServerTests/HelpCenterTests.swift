import FlowdeskServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Help center pages")
struct HelpCenterTests {
  @Test func codePageShowsTitleMeaningStepsAndArticleLinkInDutch() async throws {
    let fixture = try ServiceFixture()
    let steps = fixture.parts.help.index.explain(.missingEmailReplyTo, in: .nl).resolution
    try await fixture.test { client in
      let page = try await client.call(.get, "/help/nl/codes/FD1002", token: nil)
      #expect(page.status == .ok)
      #expect(page.headers[.contentType] == "text/html; charset=utf-8")
      #expect(page.raw.contains("<html lang=\"nl\">"))
      #expect(page.raw.contains("Antwoordadres ontbreekt"))
      for step in steps { #expect(page.raw.contains(step.replacingOccurrences(of: "{", with: "{"))) }
      #expect(page.raw.contains("href=\"/help/nl/flow-run-pause-end#FD1002\""))
      #expect(page.raw.contains("hreflang=\"sv\""), "language switcher")
      #expect(page.raw.contains("action=\"/help/nl/search\""), "search box")
    }
  }

  @Test func articlePageRewritesLinksAndHidesScenarios() async throws {
    try await ServiceFixture().test { client in
      let page = try await client.call(.get, "/help/en/flow-run-pause-end", token: nil)
      #expect(page.status == .ok)
      #expect(page.raw.contains("id=\"FD1002\""))
      #expect(!page.raw.contains("scenario"), "hidden scenarios stay hidden")
      #expect(!page.raw.contains(".md#"), "links point at pages, not files")
    }
  }

  @Test func searchPageAndIndexRender() async throws {
    try await ServiceFixture().test { client in
      let search = try await client.call(.get, "/help/sv/search?q=svarsadress", token: nil)
      #expect(search.raw.contains("/help/sv/codes/FD1002"))
      let index = try await client.call(.get, "/help/en", token: nil)
      #expect(index.raw.contains("/help/en/codes/FD2007"))
      let redirect = try await client.call(.get, "/help", token: nil, language: "nl")
      #expect(redirect.status == .found)
      #expect(redirect.headers[.location] == "/help/nl")
    }
  }
}
