import FlowEngine
import Foundation
import HTTPTypes
import HelpContent
import HummingbirdTesting
import Localization
import Testing

@testable import FlowdeskServer

@Suite("Help center pages")
struct HelpCenterTests {
  /// How a code page shows article and catalog text: placeholders as names, HTML escaped.
  static func shown(_ text: String) -> String {
    var named = text
    for name in Placeholders.names(in: text) {
      named = named.replacingOccurrences(of: "{\(name)}", with: "‹\(name)›")
    }
    return HTMLSanitizer.escape(named)
  }

  /// The first parameter written the way catalogs and articles write it, `{name}`.
  static func rawPlaceholder(in page: String) -> String? {
    page.firstMatch(of: /\{[A-Za-z0-9]+\}/).map { String($0.output) }
  }

  @Test func everyTemplateIsBundledAndParses() throws {
    let library = try HelpCenterTemplates.library.get()
    for name in HelpCenterTemplates.names {
      #expect(library.getTemplate(named: name) != nil, "\(name).mustache")
    }
  }

  @Test func codePageShowsTitleMeaningStepsAndArticleLinkInDutch() async throws {
    let fixture = try ServiceFixture()
    let explanation = fixture.parts.help.index.explain(.missingEmailReplyTo, in: .nl)
    #expect(!explanation.resolution.isEmpty && !explanation.meaning.isEmpty)
    try await fixture.test { client in
      let page = try await client.call(.get, "/help/nl/codes/FD1002", token: nil)
      #expect(page.status == .ok)
      #expect(page.headers[.contentType] == "text/html; charset=utf-8")
      #expect(page.raw.contains("<html lang=\"nl\">"))
      #expect(page.raw.contains("Antwoordadres ontbreekt"))
      for paragraph in explanation.meaning.split(separator: "\n\n") {
        #expect(page.raw.contains("<p>\(Self.shown(String(paragraph)))</p>"), "meaning: \(paragraph)")
      }
      for step in explanation.resolution {
        #expect(page.raw.contains("<li>\(Self.shown(step))</li>"), "step: \(step)")
      }
      #expect(Self.rawPlaceholder(in: page.raw) == nil, "no raw {name} placeholder")
      #expect(page.raw.contains("href=\"/help/nl/flow-run-pause-end#FD1002\""))
      #expect(page.raw.contains("hreflang=\"sv\""), "language switcher")
      #expect(page.raw.contains("action=\"/help/nl/search\""), "search box")
    }
  }

  /// Every code page in every language: the message's parameters read as names (`‹setting›`),
  /// and no `{name}` is left anywhere on the page.
  @Test func noCodePageShowsARawPlaceholder() async throws {
    try await ServiceFixture().test { client in
      for language in Language.allCases {
        for code in FlowCode.allCases {
          let page = try await client.call(.get, "/help/\(language.rawValue)/codes/\(code.id)", token: nil)
          #expect(page.status == .ok)
          if let raw = Self.rawPlaceholder(in: page.raw) {
            Issue.record("\(language) \(code.id) shows \(raw)")
          }
          for name in code.definition.parameters {
            #expect(page.raw.contains("‹\(name)›"), "\(language) \(code.id) names \(name)")
          }
        }
      }
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

  /// The article page serves the HTML that was sanitized when the content was loaded.
  @Test func articlePageServesTheHTMLSanitizedAtLoad() async throws {
    let fixture = try ServiceFixture()
    let article = try #require(fixture.parts.help.index.articles(in: .sv).first { $0.slug == "flow-edit" })
    #expect(article.sanitizedHTML != article.html)
    try await fixture.test { client in
      let page = try await client.call(.get, "/help/sv/flow-edit", token: nil)
      #expect(page.raw.contains(article.sanitizedHTML))
    }
  }

  @Test func searchPageAndIndexRender() async throws {
    try await ServiceFixture().test { client in
      let search = try await client.call(.get, "/help/sv/search?q=svarsadress", token: nil)
      #expect(search.raw.contains("/help/sv/codes/FD1002"))
      let index = try await client.call(.get, "/help/en", token: nil)
      #expect(index.raw.contains("/help/en/codes/FD2007"))
      #expect(index.raw.contains("href=\"/help/en/codes\""), "the index links the codes page")
      let redirect = try await client.call(.get, "/help", token: nil, language: "nl")
      #expect(redirect.status == .found)
      #expect(redirect.headers[.location] == "/help/nl")
      #expect(redirect.headers[.vary] == "Accept-Language")
    }
  }

  /// The query `a&lang=xx=1 b` (sent as a form sends it) stays one value: the box shows it, and
  /// the switcher's links carry it form-encoded, so its `&` and `=` add no parameter.
  @Test func searchQueryWithAmpersandAndEqualsKeepsTheSwitcherLinksIntact() async throws {
    try await ServiceFixture().test { client in
      let page = try await client.call(.get, "/help/en/search?q=a%26lang%3Dxx%3D1+b", token: nil)
      #expect(page.status == .ok)
      #expect(page.raw.contains(#"name="q" value="a&amp;lang=xx=1 b""#), "the box keeps the query")
      #expect(page.raw.contains(#"href="/help/nl/search?q=a%26lang%3Dxx%3D1+b""#))
      #expect(page.raw.contains(#"href="/help/sv/search?q=a%26lang%3Dxx%3D1+b""#))
      #expect(!page.raw.contains("lang=xx=1+b\""), "no raw & or = in a link")
      // Following the switcher gives the same query in Dutch.
      let dutch = try await client.call(.get, "/help/nl/search?q=a%26lang%3Dxx%3D1+b", token: nil)
      #expect(dutch.status == .ok)
      #expect(dutch.raw.contains("<html lang=\"nl\">"))
      #expect(dutch.raw.contains(#"name="q" value="a&amp;lang=xx=1 b""#))
    }
  }

  /// `+` is a space and `%2B` a plus; `#`, `%` and non-ASCII letters go through the links
  /// percent-encoded and come back unchanged.
  @Test func searchQueryIsReadAndWrittenFormEncoded() async throws {
    try await ServiceFixture().test { client in
      let page = try await client.call(.get, "/help/nl/search?q=50%25+%231+s%C3%B6k%2B", token: nil)
      #expect(page.raw.contains(#"name="q" value="50% #1 sök+""#), "the box shows the decoded query")
      #expect(page.raw.contains(#"href="/help/en/search?q=50%25+%231+s%C3%B6k%2B""#))
    }
    #expect(FormEncoding.encode([("q", "a&b=c+d #e%f ö")]) == "q=a%26b%3Dc%2Bd+%23e%25f+%C3%B6")
    #expect(FormEncoding.value("q", in: "x=1&q=a+b%2Bc&q=second") == "a b+c")
    #expect(FormEncoding.value("q", in: "q=100%") == "100%", "a malformed escape is kept as written")
  }

  @Test func searchTextIsEscapedInTheHeadingAndTheBox() async throws {
    try await ServiceFixture().test { client in
      let page = try await client.call(.get, "/help/en/search?q=%3Cscript%3E%22x%22", token: nil)
      #expect(page.status == .ok)
      #expect(!page.raw.contains("<script>"))
      #expect(page.raw.contains(#"value="&lt;script&gt;&quot;x&quot;""#))
      #expect(page.raw.contains("<h1>Search: &lt;script&gt;&quot;x&quot;</h1>"))
    }
  }

  /// An address under /help that names no page gets an HTML page saying so, in the path's
  /// language (English when the path names none of ours), with status 404.
  @Test(arguments: [
    ("/help/nl/geen-artikel", "nl", "Pagina niet gevonden"),
    ("/help/sv/codes/FD9999", "sv", "Sidan hittades inte"),
    ("/help/en/codes/nothing", "en", "Page not found"),
    ("/help/xx/codes/FD1002", "en", "Page not found"),
    ("/help/xx", "en", "Page not found"),
  ])
  func unknownHelpPageIsALocalizedHTML404(_ path: String, _ language: String, _ heading: String) async throws
  {
    try await ServiceFixture().test { client in
      let page = try await client.call(.get, path, token: nil)
      #expect(page.status == .notFound)
      #expect(page.headers[.contentType] == "text/html; charset=utf-8")
      #expect(page.headers[HTTPField.Name("Content-Language")!] == language)
      #expect(page.headers[.vary] == "Accept-Language")
      #expect(page.raw.contains("<html lang=\"\(language)\">"))
      #expect(page.raw.contains("<h1>\(heading)</h1>"))
      #expect(page.raw.contains("href=\"/help/\(language)\""), "a way back to the help center")
    }
  }

  /// `/help/{lang}/codes` lists every code once, under its kind's localized name, in the
  /// registry's order of kinds; a retired code is marked.
  @Test func codesPageGroupsCodesByKind() async throws {
    let dutchKinds: [CodeKind: String] = [
      .refusal: "Weigeringen", .dropOut: "Uitval", .actionError: "Actiefouten", .skip: "Overgeslagen stappen",
      .reschedule: "Opnieuw geplande acties", .deliveryFailure: "Bezorgfouten",
    ]
    try await ServiceFixture().test { client in
      let page = try await client.call(.get, "/help/nl/codes", token: nil)
      #expect(page.status == .ok)
      #expect(page.headers[.contentType] == "text/html; charset=utf-8")
      #expect(page.raw.contains("<h1>Alle codes</h1>"))
      let sections = page.raw.components(separatedBy: "<section class=\"kind\"").dropFirst()
      #expect(sections.count == CodeKind.allCases.count)
      for (kind, section) in zip(CodeKind.allCases, sections) {
        #expect(section.contains("<h2>\(dutchKinds[kind]!)</h2>"), "\(kind)")
        let linked = section.matches(of: /href="\/help\/nl\/codes\/(FD\d{4})"/).map { String($0.output.1) }
        #expect(linked == FlowCode.allCases.filter { $0.kind == kind }.sorted().map(\.id), "\(kind)")
      }
      let lines = page.raw.split(separator: "\n")
      for code in FlowCode.allCases {
        let line = try #require(lines.first { $0.contains("codes/\(code.id)\"") })
        #expect(line.contains("<li class=\"retired\">") == code.definition.isRetired, "\(code.id) marked")
        if code.definition.isRetired {
          #expect(line.ranges(of: "uitgefaseerd").count == 1, "the word once: \(line)")
        }
      }
      let retired = try #require(FlowCode.allCases.first { $0.definition.isRetired })
      let retiredPage = try await client.call(.get, "/help/nl/codes/\(retired.id)", token: nil)
      #expect(retiredPage.raw.contains("<p class=\"retired\">Deze code is uitgefaseerd"))
      let activePage = try await client.call(.get, "/help/nl/codes/FD1002", token: nil)
      #expect(!activePage.raw.contains("<p class=\"retired\">"))
    }
  }
}
