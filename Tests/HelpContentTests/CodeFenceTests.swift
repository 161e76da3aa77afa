import Foundation
import Testing

@testable import HelpContent

/// Fenced code as CommonMark reads it, and as it is handed to Ink.
@Suite("Code fences")
struct CodeFenceTests {
  @Test func aFenceIsThreeOrMoreBackticksOrTildesAtAnyIndentation() {
    #expect(
      CodeFence.opening("```go") == CodeFence(indent: 0, marker: UInt8(ascii: "`"), length: 3, info: "go"))
    #expect(CodeFence.opening("  ~~~~ yaml {file=x}")?.info == "yaml {file=x}")
    #expect(CodeFence.opening("\t```")?.indent == 1)
    #expect(CodeFence.opening("``") == nil)
    #expect(
      CodeFence.opening("```inline``` code") == nil, "a backtick in the info string makes it inline code")
    #expect(CodeFence.opening("~~~ a `b`") != nil, "a tilde fence's info string may have backticks")
    #expect(CodeFence.opening("text ```") == nil)
  }

  @Test func aBlockClosesWithTheSameMarkerAtLeastAsLong() {
    let fence = CodeFence.opening("````")!
    #expect(!fence.isClosed(by: "```"))
    #expect(!fence.isClosed(by: "~~~~"))
    #expect(!fence.isClosed(by: "```` more"))
    #expect(fence.isClosed(by: "   `````  "))
    #expect(fence.isClosed(by: "````\r"), "a CRLF file's closing fence")
  }

  @Test func codeLinesAreNotTextUntilTheBlockCloses() {
    let lines = ["# Title", "~~~", "```", "# code", "~~~", "# After", "````", "never closed"]
    #expect(ArticleParser.unfencedLines(lines) == [0, 5])
  }

  @Test func markdownInInksFormIsHandedOnUnchanged() {
    let markdown = "Text\n\n```swift\nlet x = 1\n```\n\nMore ~ and ` here.\n"
    #expect(MarkdownGuard.fencesInkCanRead(markdown) == markdown)
  }

  /// CommonMark closes a block only at a fence with nothing after it; Ink at any line that
  /// starts with as many backticks.
  @Test func aCodeLineThatInkWouldTakeForTheClosingFenceIsKeptInTheBlock() {
    let rewritten = MarkdownGuard.fencesInkCanRead("```\n``` not a fence\n```\n")
    #expect(rewritten == "````\n``` not a fence\n````\n")
  }

  /// CR LF is one character: a split by characters found one line in a CRLF file, and no
  /// fence in it.
  @Test func aCRLFFileHasItsIndentedBlocksClosedToo() throws {
    let markdown = "Term\r\n: See [it][r].\r\n\r\n  ```\r\n  code\r\n  ```\r\n\r\n[r]: https://r.example/\r\n"
    let (article, _) = ArticleParser.parse(
      text: markdown, url: URL(fileURLWithPath: "/docs/page.md"), path: "page.md", folderLanguage: nil,
      required: [])
    #expect(article?.links.map(\.target) == ["https://r.example/"])
  }

  @Test func indentedAndTildeBlocksAreRewrittenLineForLine() {
    let markdown = """
      Term
      : Text.

        ```go
        {{ .X }}
          nested
        ```

      ~~~
      ```
      ~~~
      """
    let rewritten = MarkdownGuard.fencesInkCanRead(markdown)
    #expect(
      rewritten.split(separator: "\n", omittingEmptySubsequences: false) == [
        "Term", ": Text.", "", "```go", "{{ .X }}", "  nested", "```", "", "````", "```", "````",
      ])
  }
}

/// CommonMark's autolinks, which Ink reads as an HTML tag that is never closed.
@Suite("Autolinks")
struct AutolinkTests {
  @Test func anAutolinkIsWrittenAsTheLinkItIsOnTheSameLine() {
    let markdown = """
      See <https://example.com/a_b(c)> or <team@example.com>.
      Not these: `<https://code.example>`, ``a ` <https://still.code>``, <not a link>, <div>, a < b > c.
      ```
      <https://fenced.example>
      ```
      """
    #expect(
      MarkdownGuard.autolinksInkCanRead(markdown).split(separator: "\n", omittingEmptySubsequences: false)
        == [
          #"See [https://example.com/a\_b(c)](https://example.com/a_b%28c%29) or [team@example.com](mailto:team@example.com)."#,
          "Not these: `<https://code.example>`, ``a ` <https://still.code>``, <not a link>, <div>, a < b > c.",
          "```", "<https://fenced.example>", "```",
        ])
  }

  @Test func theRestOfTheFileIsReadAfterAnAutolink() throws {
    let (article, problems) = ArticleParser.parse(
      text: "See <https://example.com>.\n\n## Next\n\nUse [it][ref].\n\n[ref]: https://r.example/\n",
      url: URL(fileURLWithPath: "/docs/page.md"), path: "page.md", folderLanguage: nil, required: [])
    #expect(problems.isEmpty)
    #expect(article?.links.map(\.target) == ["https://example.com", "https://r.example/"])
    #expect(
      article?.sections.map(\.heading).contains("Next") == true, "\(article?.sections.map(\.heading) ?? [])")
  }

  /// An autolink becomes a link, and so passes the sanitizer's URL rules like any other.
  @Test func aScriptAutolinkIsRemovedLikeAScriptLink() throws {
    let (article, _) = ArticleParser.parse(
      text: "Click <javascript:alert(1)> or <https://example.com>.\n",
      url: URL(fileURLWithPath: "/docs/page.md"), path: "page.md", folderLanguage: nil, required: [])
    let html = try #require(article?.sanitizedHTML)
    #expect(!html.lowercased().contains("href=\"javascript"), "\(html)")
    #expect(html.contains("href=\"https://example.com\""), "\(html)")
  }
}
