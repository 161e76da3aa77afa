import Foundation
import HelpContent
import TestSupport
import Testing

@Suite("HTML sanitizer")
struct HTMLSanitizerTests {
  @Test func scriptsEventHandlersAndJavascriptURLsAreRemoved() {
    let dirty = """
      <p onclick="steal()">Hi <a href="javascript:alert(1)">x</a> <a href=" JaVaScRiPt:alert(2)">y</a>
      <a href="flow-edit#editing">ok</a></p><script>alert(3)</script><img src="x.png" onerror="alert(4)">
      <iframe src="https://example.com"></iframe><style>body{}</style><!-- scenario do: [start] -->
      """
    let clean = HTMLSanitizer.sanitize(dirty)
    #expect(!clean.lowercased().contains("script"))
    #expect(!clean.contains("onclick"))
    #expect(!clean.contains("onerror"))
    #expect(!clean.contains("iframe"))
    #expect(!clean.contains("<style"))
    #expect(!clean.contains("scenario"))
    #expect(clean.contains("<a href=\"flow-edit#editing\">ok</a>"))
    #expect(clean.contains("<img src=\"x.png\">"))
    #expect(clean.contains("<a>x</a>"))
  }

  @Test func anchorsIconsAndTextSurviveEscaped() {
    let clean = HTMLSanitizer.sanitize(
      #"<h2><a id="status"></a>A &amp; B &lt;tag&gt;</h2><i class="ph ph-dots" aria-label="Menu"></i>"#)
    #expect(
      clean
        == #"<h2><a id="status"></a>A &amp; B &lt;tag&gt;</h2><i class="ph ph-dots" aria-label="Menu"></i>"#)
  }

  /// Each of these names another host: browsers read `//host` as a host, and a backslash as a
  /// slash, also after white space or control characters that they drop.
  static let otherHostURLs = [
    "//evil.example", "\\\\evil.example", "/\\evil.example", "\\/evil.example", " //evil.example",
    "/\t/evil.example", "\\\\evil.example/help/en", "//evil.example/flow-edit.md#editing",
    // A combining mark makes one character of the second backslash and itself (found by
    // fuzz-sanitizer): a backslash is a slash however it is grouped.
    "\\\\\u{747}evil.example", "/\\\u{301}evil.example",
  ]

  @Test(arguments: otherHostURLs)
  func protocolRelativeAndBackslashURLsAreRemoved(_ url: String) {
    let html = #"<p><a href="\#(url)">link</a> <img src="\#(url)" alt="picture"></p>"#
    let clean = HTMLSanitizer.sanitize(html)
    #expect(clean == #"<p><a>link</a> <img alt="picture"></p>"#, "\(url) -> \(clean)")
    #expect(!HTMLSanitizer.isSafeURL(url))
  }

  @Test func linksOnThisSiteStay() {
    for url in [
      "/help/en/flow-edit", "flow-edit#editing", "#status", "https://example.com/a",
      "mailto:help@example.com",
    ] {
      #expect(HTMLSanitizer.isSafeURL(url), "\(url)")
      #expect(HTMLSanitizer.sanitize(#"<a href="\#(url)">x</a>"#) == #"<a href="\#(url)">x</a>"#)
    }
  }

  /// The URL is checked after `rewriteLink` too: a rewriting that makes `/evil.example` into
  /// `//evil.example`, or anything into `javascript:`, loses the link.
  @Test func aLinkThatBecomesDangerousAfterRewritingIsRemoved() {
    let rooted = HTMLSanitizer.sanitize(#"<a href="/evil.example">a</a><a href="flow-edit">b</a>"#) {
      "/" + $0
    }
    #expect(rooted == #"<a>a</a><a href="/flow-edit">b</a>"#)
    let scripted = HTMLSanitizer.sanitize(#"<a href="flow-edit">c</a>"#) { _ in "java\tscript:alert(1)" }
    #expect(scripted == "<a>c</a>")
  }

  /// CommonMark's `[text](<a file.md>)`: the angle brackets are how the destination was
  /// written, so the link goes to the file, and a script inside them is still a script.
  @Test func anAngleBracketedDestinationIsTheURLInside() {
    #expect(
      HTMLSanitizer.sanitize(
        #"<a href="<flow-edit.md#editing>">a</a>"#, rewriteLink: HTMLSanitizer.articlePageLink)
        == #"<a href="flow-edit#editing">a</a>"#)
    #expect(HTMLSanitizer.sanitize(#"<a href="<javascript:alert(1)>">b</a>"#) == "<a>b</a>")
    #expect(HTMLSanitizer.sanitize(#"<img src="<//evil.example/x.png>" alt="c">"#) == #"<img alt="c">"#)
  }

  @Test func articleLinksLoseOnlyAnEndingMarkdownExtension() {
    #expect(HTMLSanitizer.articlePageLink("flow-edit.md#editing") == "flow-edit#editing")
    #expect(HTMLSanitizer.articlePageLink("flow-edit.md") == "flow-edit")
    #expect(HTMLSanitizer.articlePageLink("/.md/evil.example") == "/.md/evil.example")
    #expect(HTMLSanitizer.articlePageLink("https://example.com/readme.md") == "https://example.com/readme.md")
    #expect(HTMLSanitizer.articlePageLink("notes.mdx") == "notes.mdx")
  }

  /// Content is sanitized when it is loaded, and the result is kept with the article.
  @Test func articlesKeepTheirSanitizedHTMLFromLoading() throws {
    let library = ContentLibrary.load(from: Paths.content)
    #expect(!library.articles.isEmpty)
    for article in library.articles {
      #expect(
        article.sanitizedHTML
          == HTMLSanitizer.sanitize(article.html, rewriteLink: HTMLSanitizer.articlePageLink),
        "\(article.path)")
      #expect(!article.sanitizedHTML.contains("<!--"), "\(article.path): comments (scenarios) removed")
      #expect(!article.sanitizedHTML.contains(".md#"), "\(article.path): links point at pages")
    }
  }

  @Test func aLoadedArticleWithDangerousLinksIsSanitizedAtLoad() throws {
    let root = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: root) }
    try """
    ---
    uid: help-en-sample
    title: Sample
    description: A sample.
    keywords: [a]
    language: en
    date: 11.25.2026
    version: 1.0
    content_type: howto
    topic: flows
    ---

    # Sample

    See [the other article](other.md#part), [away](//evil.example) and [back](\\\\evil.example).
    <script>alert(1)</script>
    """.write(to: root.appendingPathComponent("sample.md"), atomically: true, encoding: .utf8)
    let article = try #require(ContentLibrary.load(from: root).articles.first)
    #expect(article.html.contains("//evil.example"), "the rendered markdown still has it")
    #expect(article.sanitizedHTML.contains(#"<a href="other#part">the other article</a>"#))
    #expect(!article.sanitizedHTML.contains("evil.example"))
    #expect(!article.sanitizedHTML.contains("<script"))
  }
}
