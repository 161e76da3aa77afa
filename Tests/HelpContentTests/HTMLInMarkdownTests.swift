import Foundation
import Testing

@testable import HelpContent

/// HTML in Markdown, read as CommonMark reads it: Ink takes raw HTML up to a tag's closing
/// tag however far away, and took the rest of a file after a `<br>`, a wrapper `<div>` or a
/// comment without a space (see `MarkdownGuard.htmlInkCanRead`).
@Suite("HTML in Markdown")
struct HTMLInMarkdownTests {
  static func parse(_ text: String) throws -> Article {
    let (article, problems) = ArticleParser.parse(
      text: text, url: URL(fileURLWithPath: "/docs/page.md"), path: "page.md", folderLanguage: nil,
      required: [])
    #expect(problems.isEmpty, "\(problems)")
    return try #require(article)
  }

  static func headings(_ article: Article) -> [String] {
    article.sections.filter { $0.level > 0 }.map(\.heading)
  }

  @Test func aVoidElementIsWrittenSelfClosingAndTheRestOfTheFileIsRead() throws {
    #expect(
      MarkdownGuard.htmlInkCanRead("A<br>b <BR > <img src=\"a>b.png\"> <hr/> <br /> </br>\n")
        == "A<br/>b <BR /> <img src=\"a>b.png\"/> <hr/> <br /> <!-- /br -->\n")
    let article = try Self.parse(
      """
      # Title

      Text <img src="a.png" alt="A"> and a break<br>here.

      | a | b |
      |---|---|
      | x<br>y | [t](table.md) |

      ## Next

      [n](next.md)
      """)
    #expect(Self.headings(article) == ["Title", "Next"])
    #expect(article.images.map(\.target) == ["a.png"])
    #expect(article.links.map(\.target) == ["table.md", "next.md"])
    #expect(article.links.map(\.line) == [7, 11])
  }

  @Test func aWrapperWhoseContentIsMarkdownIsReadAsCommonMarkReadsIt() throws {
    let article = try Self.parse(
      """
      # Title

      <div class="composition-api" id="wrapper">

      ## Inside {#inside}

      [bad](missing.md) and <Badge type="tip">

      </div>

      <details>
      <summary>More</summary>

      [more](more.md)

      </details>

      ## After
      """)
    #expect(Self.headings(article) == ["Title", "Inside {#inside}", "After"])
    #expect(article.links.map(\.target) == ["missing.md", "more.md"])
    #expect(article.links.map(\.line) == [7, 14])
    let anchors = DocsChecker.anchors(of: article)
    #expect(anchors.isSuperset(of: ["wrapper", "inside", "after"]), "\(anchors)")
    // The summary pairs within its line, and stays HTML.
    #expect(article.html.contains("<summary>More</summary>"), "\(article.html)")
  }

  @Test func tagsThatPairWithinARunOfLinesAreLeftAsTheyAre() throws {
    let markdown = """
      ### <a id="FD1001"></a>FD1001

      Some <span class="x">text
      over two lines</span>.

      <table>
      <tr><td>[not a link](raw.md)</td></tr>
      </table>

      """
    #expect(MarkdownGuard.htmlInkCanRead(markdown) == markdown)
    let article = try Self.parse(markdown)
    // In an HTML block, Markdown is text, to CommonMark as to Ink.
    #expect(article.links.isEmpty, "\(article.links)")
  }

  @Test func aCommentEndsAtItsCloseAndWhatFollowsIsRead() throws {
    let markdown = """
      <!--<div class="options-api">
      [hidden](hidden.md) -> more

      </div>-->

      ## After

      [z](shown.md) <!-- a > b -->
      """
    #expect(
      MarkdownGuard.htmlInkCanRead(markdown).split(separator: "\n", omittingEmptySubsequences: false) == [
        #"<!-- <div class="options-api"&gt;"#, "[hidden](hidden.md) -&gt; more", "", "</div&gt;-->", "",
        "## After", "", "[z](shown.md) <!-- a &gt; b -->",
      ])
    let article = try Self.parse(markdown)
    #expect(Self.headings(article) == ["After"])
    #expect(article.links.map(\.target) == ["shown.md"])
    #expect(article.links.map(\.line) == [8])
  }

  @Test func aComponentAroundMarkdownAndCodeLeavesBoth() throws {
    let article = try Self.parse(
      """
      <Intro>

      `<div>` text, and [a link](a.md).

      </Intro>

      <Sandpack>

      ```js
      <img src={getImageUrl(person)} />
      ```

      </Sandpack>

      ## Usage {/*usage*/}
      """)
    #expect(article.links.map(\.target) == ["a.md"])
    #expect(article.images.isEmpty, "code is not an image: \(article.images)")
    #expect(Self.headings(article).count == 1)
    #expect(DocsChecker.anchors(of: article).contains("usage"), "react.dev's heading id")
  }

  @Test func aLinkDestinationInAngleBracketsIsNeitherATagNorAnAutolink() throws {
    let markdown = """
      [LRU](<https://en.wikipedia.org/wiki/Cache#Least_recently_used_(LRU)>) and [page](<a b.md>)

      [ref]: <c d.md>
      Use [it][ref].
      """
    #expect(MarkdownGuard.htmlInkCanRead(MarkdownGuard.autolinksInkCanRead(markdown)) == markdown)
    let article = try Self.parse(markdown)
    #expect(
      article.links.map(\.target) == [
        "https://en.wikipedia.org/wiki/Cache#Least_recently_used_(LRU)", "a b.md", "c d.md",
      ])
    #expect(article.links.map(\.line) == [1, 1, 3])
  }

  /// `__VUE_OPTIONS_API__ {#VUE_OPTIONS_API}`: Markdown would read `_OPTIONS_` as emphasis.
  @Test func anIdAtTheEndOfAHeadingIsReadAsWrittenNotAsMarkdown() throws {
    let article = try Self.parse(
      "# T\n\n## `__VUE_OPTIONS_API__` {#VUE_OPTIONS_API}\n\n## X {#a_b_c}\n\n## Use {/* use_it */}\n")
    let anchors = DocsChecker.anchors(of: article)
    #expect(anchors.isSuperset(of: ["VUE_OPTIONS_API", "a_b_c", "use_it"]), "\(anchors)")
  }

  @Test func tagsInCodeAreNotTouched() {
    let markdown = "Use `<br>` and `<div>`.\n\n```html\n<div>\n<br>\n```\n\n    <div>\n"
    #expect(
      MarkdownGuard.htmlInkCanRead(markdown).hasPrefix("Use `<br>` and `<div>`.\n\n```html\n<div>\n<br>\n```")
    )
  }
}
