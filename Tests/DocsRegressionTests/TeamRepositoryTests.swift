import Foundation
import TestSupport
import Testing

@testable import HelpContent

/// A documentation team's own repository, laid out and written the way static site generators
/// (Hugo, MkDocs, DocFX) expect, not the way Flowdesk's content is: front matter with other
/// keys or none, headings known by their slugs, short link targets.
@Suite("A team's own repository")
struct TeamRepositoryTests {
  /// Writes `files` (path below the content root: text) into a new folder and checks it.
  func check(
    _ files: [String: String], configuration: String? = nil, rules: Set<DocsRule> = [.frontMatter, .links]
  ) throws -> (findings: [DocsFinding], articles: Int, unread: Int) {
    let root = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: root) }
    let content = root.appendingPathComponent("docs")
    for (path, text) in files { try Paths.write(text, to: content.appendingPathComponent(path)) }
    var settings = DocsConfiguration()
    if let configuration {
      settings = try DocsConfiguration.parse(configuration, contentRoot: content)
    }
    settings.rules = rules
    let checker = DocsChecker.load(
      content: content, locales: Paths.locales, contentName: "docs", configuration: settings)
    return (checker.check(), checker.library.articles.count, checker.library.rejectedFiles.count)
  }

  /// The failure `parse` throws for a configuration, or nil when it reads it.
  func refusal(_ yaml: String) -> DocsConfiguration.Failure? {
    do {
      _ = try DocsConfiguration.parse(yaml, contentRoot: Paths.packageRoot)
      return nil
    } catch {
      return error
    }
  }

  static let guide = """
    ---
    title: Getting started
    weight: 10
    ---

    ## Install the tool

    See [the glossary](g) and [settings](#settings-yaml), then [install](#install-the-tool).

    ### Settings {#settings-yaml}

    ## FAQ

    ## FAQ

    Read the [first FAQ](#faq), the [second](#faq-1), and [a missing one](#faq-2).
    Also [the glossary](g) again, and [the tour](tour.md).
    """

  static let tour = """
    # A tour without front matter

    Back to [the guide](guide.md#install-the-tool).
    """

  @Test func withFlowdesksSchemaAForeignRepositoryIsReportedUnreadNotPassed() throws {
    let result = try check(["en/guide.md": Self.guide, "en/tour.md": Self.tour], rules: [.links])
    #expect(result.articles == 0 && result.unread == 2)
    let report = DocsReport(
      findings: result.findings, articles: result.articles, unread: result.unread, rules: [.links])
    #expect(report.summary.contains("2 file(s) not read as articles, so not checked"), "\(report.summary)")
    #expect(report.summary.contains("required_keys"))
  }

  @Test func requiredKeysLetATeamCheckArticlesWithItsOwnFrontMatter() throws {
    let result = try check(
      ["en/guide.md": Self.guide, "en/tour.md": Self.tour], configuration: "required_keys: [title]")
    // The tour has no front matter, so no title: reported, and not read.
    #expect(result.articles == 1 && result.unread == 1)
    let messages = result.findings.map { "\($0.file):\($0.line ?? 0): \($0.message)" }
    #expect(messages.contains("docs/en/tour.md:1: the file has no front matter"), "\(messages)")
    // Links: `g` twice (each on its own line, not in the first word holding a g), a heading
    // slug, an explicit {#id}, a repeated heading's -1; the missing one is reported.
    #expect(
      messages.filter { $0.hasPrefix("docs/en/guide.md") }.sorted() == [
        "docs/en/guide.md:16: the link #faq-2 names an anchor #faq-2 that docs/en/guide.md does not have",
        "docs/en/guide.md:17: the link g points to a file that does not exist",
        "docs/en/guide.md:8: the link g points to a file that does not exist",
      ], "\(messages)")
  }

  @Test func withNothingRequiredAFileWithoutFrontMatterIsAnArticleKnownByItsPath() throws {
    let result = try check(
      ["en/guide.md": Self.guide, "en/tour.md": Self.tour], configuration: "required_keys: []")
    #expect(result.articles == 2 && result.unread == 0)
    // The tour's link into the guide resolves, anchor included.
    #expect(!result.findings.contains { $0.file == "docs/en/tour.md" }, "\(result.findings)")
    // A key that is there is still checked.
    let dated = try check(
      ["en/a.md": "---\ndate: someday\n---\n\nText.\n"], configuration: "required_keys: []")
    #expect(
      dated.findings.map(\.message) == [
        "date someday is not a day of the calendar as MM.DD.YYYY, YYYY-MM-DD or YYYY/MM/DD"
      ])
  }

  /// The line is the key's own (it was one too many for every key of the configuration).
  @Test func requiredKeysNamesOnlyKeysTheCheckerReads() {
    let weight = refusal("rules: [links]\nrequired_keys: [title, weight]")
    #expect(
      weight?.line == 2 && weight?.reason.contains("required_keys names weight") == true
        && weight?.reason.contains("content_type") == true, "\(String(describing: weight))")
    // An empty value is not taken for "none": that is written [].
    #expect(
      refusal("required_keys:")?.reason
        == "required_keys has an empty value; list the keys, or write [] to require none")
  }

  /// Hugo's glossary links and shortcodes are the site generator's, not paths: a team says
  /// which targets are not to be checked, and every other link still is.
  @Test func ignoreLinksLeavesASiteGeneratorsOwnTargetsUnchecked() throws {
    let shortcodes = """
      ---
      title: Shortcodes
      ---

      See [the guide]({{< ref "guide.md" >}}), ![a chart]({{% asset "chart.png" %}}),
      [the glossary](g) and [a page that is gone](gone.md).
      """
    let files = ["en/guide.md": Self.guide, "en/tour.md": Self.tour, "en/shortcodes.md": shortcodes]
    let unchecked = try check(files, configuration: "required_keys: []")
    #expect(unchecked.findings.filter { $0.message.contains("{{") }.count == 2, "\(unchecked.findings)")
    let result = try check(files, configuration: #"required_keys: []\#nignore_links: ['^g$', '^\{\{']"#)
    let messages = result.findings.map { "\($0.file):\($0.line ?? 0): \($0.message)" }.sorted()
    #expect(
      messages == [
        "docs/en/guide.md:16: the link #faq-2 names an anchor #faq-2 that docs/en/guide.md does not have",
        "docs/en/shortcodes.md:6: the link gone.md points to a file that does not exist",
      ], "\(messages)")
  }

  @Test func ignoreLinksRefusesAPatternThatIsNotARegularExpression() {
    let unclosed = refusal("rules: [links]\nignore_links: ['(unclosed']")
    #expect(
      unclosed?.line == 2
        && unclosed?.reason.hasPrefix("ignore_links has (unclosed, which is not a regular expression")
          == true,
      "\(String(describing: unclosed))")
    // An empty pattern would match every link, and silence the rule.
    #expect(
      refusal("ignore_links: ['']")?.reason
        == "ignore_links has an empty pattern, which would match every link; remove it")
  }

  /// A site generator's include fragments have no title of their own; the team leaves them
  /// out. They are not read and not counted unread, and a link to one still lands.
  @Test func excludedFilesAreNotReadButLinksToThemLand() throws {
    let files = [
      "en/page.md":
        "---\ntitle: Page\n---\n\nSee [the intro](_common/intro.md#steps) and [gone](_common/gone.md).\n",
      "en/_common/intro.md": "No front matter, [a broken link](nowhere.md).\n",
      "en/_common/_index.md": "---\nheadless: true\n---\n",
    ]
    let plain = try check(files, configuration: "required_keys: [title]")
    #expect(
      plain.findings.map { "\($0.file): \($0.message)" }.sorted() == [
        "docs/en/_common/_index.md: the required key title is missing",
        "docs/en/_common/intro.md: the file has no front matter",
        "docs/en/page.md: the link _common/gone.md points to a file that does not exist",
      ], "\(plain.findings)")
    #expect(plain.unread == 2)
    let excluding = try check(files, configuration: "required_keys: [title]\nexclude: ['^en/_common/']")
    #expect(
      excluding.findings.map { "\($0.file):\($0.line ?? 0): \($0.message)" } == [
        "docs/en/page.md:5: the link _common/gone.md points to a file that does not exist"
      ], "\(excluding.findings)")
    #expect(excluding.articles == 1 && excluding.unread == 0)
    #expect(
      refusal("exclude: ['[']")?.reason.hasPrefix("exclude has [, which is not a regular expression") == true)
    #expect(
      refusal("exclude: ['']")?.reason
        == "exclude has an empty pattern, which would match every file; remove it")
  }

  /// `api` is a BCP 47 tag (Apiaká) and the name of many a docs folder. Vue's Chinese docs
  /// have `api/`, `guide/` and `tutorial/`: `api` was taken for the only language and the rest
  /// was never read, with nothing said. Folders named like languages are the languages only
  /// when they hold every article; `languages:` names them; and a check that read nothing
  /// fails.
  @Test func aFolderNamedLikeALanguageIsOneOnlyWhenItHoldsEveryArticle() throws {
    let files = [
      "api/a.md": "# API\n",
      "guide/b.md": "# 指南\n\n[坏](./missing.md)\n",
      "index.md": "# 首页\n\n[坏](./missing.md)\n",
    ]
    let automatic = try check(files, configuration: "required_keys: []")
    #expect(automatic.articles == 3)
    #expect(
      automatic.findings.map { "\($0.file):\($0.line ?? 0)" } == ["docs/guide/b.md:3", "docs/index.md:3"],
      "\(automatic.findings)")
    // A file beside the language folders does not make them folders of articles: it is
    // counted, not read.
    let beside = try check(
      ["en/a.md": "# A\n\n[x](nope.md)\n", "LICENSE.md": "MIT\n"], configuration: "required_keys: []")
    #expect(beside.articles == 1)
    #expect(beside.findings.map(\.file) == ["docs/en/a.md"], "\(beside.findings)")
    // Named, the languages are what is read; the rest is counted, not read.
    let named = try check(
      ["en/a.md": "# A\n", "zh/b.md": "# B\n\n[x](nope.md)\n", "snippets/c.md": "# C\n"],
      configuration: "required_keys: []\nlanguages: [en, zh]")
    #expect(named.articles == 2)
    #expect(named.findings.map(\.file) == ["docs/zh/b.md"], "\(named.findings)")
    // Nothing read: an error, whatever the rules.
    let nothing = try check(files, configuration: "required_keys: []\nlanguages: [zh]", rules: [.links])
    #expect(nothing.articles == 0)
    #expect(
      nothing.findings.map(\.message) == [
        "no article was read: 0 file(s) excluded, 3 outside the language folders",
        "languages names zh, but the content folder has no folder zh",
      ], "\(nothing.findings)")
    let empty = try check(["media/logo.png": "png"], configuration: "required_keys: []", rules: [.links])
    #expect(empty.findings.first?.message.contains("holds no article") == true, "\(empty.findings)")
    let missing = try check([:], configuration: "required_keys: []", rules: [.links])
    #expect(missing.findings.first?.message.hasSuffix("docs does not exist") == true, "\(missing.findings)")
    #expect(
      refusal("languages: [not a tag]")?.reason
        == "languages has not a tag, which is not a BCP 47 language tag")
    #expect(refusal("languages: []")?.reason == "languages must name at least one language folder")
  }

  /// VitePress, Docusaurus and MkDocs build a page per Markdown file and link to it without
  /// `.md`, or with `.html`, often from the site's root: 55 of 63 findings on Vue's Chinese
  /// docs were such links to files that are there. With `site_links` they land on the file;
  /// without, a link names a file, as on GitHub.
  @Test func siteLinksLandOnTheMarkdownFileOfTheirPage() throws {
    let files = [
      "guide/a.md": """
      # A

      [1](./b#api) [2](b.html#api) [3](/guide/b#api) [4](/guide/b.md) [5](../index)
      [6](./gone) [7](/guide/gone.html) [8](./b#nope) [9](https://example.com/x)
      """,
      "guide/b.md": "# B\n\n## API\n",
      "index.md": "# Home\n",
    ]
    let site = try check(files, configuration: "required_keys: []\nsite_links: true")
    #expect(
      site.findings.map { $0.message } == [
        "the link ./b#nope names an anchor #nope that docs/guide/b.md does not have",
        "the link ./gone points to a file that does not exist",
        "the link /guide/gone.html points to a file that does not exist",
      ], "\(site.findings)")
    // Without, 1, 2, 5, 6 and 8 name no file, and the links from the root are not checked.
    let plain = try check(files, configuration: "required_keys: []")
    #expect(plain.findings.count == 5, "\(plain.findings)")
    // A missing anchor's fix names the nearest one the page has, when one is near.
    let fixes = site.findings.map(\.fix)
    #expect(fixes.first == "link to an existing anchor", "#nope is near no anchor of b.md")
    let typo = try check(
      ["a.md": "# A\n\n[x](b.md#instal-the-tool)\n", "b.md": "# B\n\n## Install the tool\n"],
      configuration: "required_keys: []")
    #expect(typo.findings.map(\.fix) == ["link to #install-the-tool, or to another anchor it has"])
    #expect(refusal("site_links: sometimes")?.reason == "site_links must be true or false")
  }

  /// A link with a title, a query or a percent-encoded anchor lands where a browser takes it:
  /// `b.md "Title"` and `b.md?lang=zh` are the file `b.md`, and `#%E4%BB%80` is the id `什`.
  @Test func aLinksTitleQueryAndEncodedAnchorAreReadAsABrowserReadsThem() throws {
    let files = [
      "a.md": """
      # A

      [1](b.md "Title") [2](b.md 'Title') [3](b.md (Title)) [4](<b.md> "Title")
      [5](./b.md?lang=zh#什么是-vue) [6](b.md#%E4%BB%80%E4%B9%88%E6%98%AF-vue) [7](#%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82)
      [8](gone.md "Title") [9](b.md?x=1#nope)

      ## Привет
      """,
      "b.md": "# B\n\n## 什么是 Vue？\n",
    ]
    let result = try check(files, configuration: "required_keys: []")
    #expect(
      result.findings.map { "\($0.line ?? 0): \($0.message)" } == [
        "5: the link b.md?x=1#nope names an anchor #nope that docs/b.md does not have",
        "5: the link gone.md points to a file that does not exist",
      ], "\(result.findings)")
  }

  /// `[text](<a file.md>)` is CommonMark's way to write a destination, spaces and all: the
  /// link goes to the file inside the brackets.
  @Test func anAngleBracketedLinkGoesToTheFileInside() throws {
    let page = """
      # Brackets

      See [the tour](<tour.md>), [the plan](<release plan.md#dates>) and [a lost page](<lost.md>).
      """
    let result = try check(
      ["en/page.md": page, "en/tour.md": "# Tour\n", "en/release plan.md": "# Plan\n\n## Dates\n"],
      configuration: "required_keys: []")
    #expect(
      result.findings.map { "\($0.line ?? 0): \($0.message)" }
        == ["3: the link lost.md points to a file that does not exist"], "\(result.findings)")
  }

  /// A code block indented under a definition or a list item is closed by an indented fence.
  /// Ink closed only unindented fences, read the rest of the file as code and lost the link
  /// definitions at its end: `[details][freq]` pointed to a file `freq` (Hugo's docs, 10
  /// findings). `~~~` blocks are code too: what looks like a link or a heading in them is not.
  @Test func codeIndentedUnderADefinitionOrInTildesIsCodeAndTheRestOfTheFileIsNot() throws {
    let sitemap = """
      # Sitemap

      `ChangeFreq`
      : How often a page changes. See [details][freq].

        ```go-html-template
        {{ .Sitemap.ChangeFreq }}
        ```

      1. Build the site:

         ```sh
         hugo build
         ```

      `Priority`
      : How much a page matters. See [details][priority] and [the plan](plan.md).

      ~~~markdown
      # Not a heading
      See [an example](example.md).
      ~~~

      Back to [the top](#sitemap), not to [the code](#not-a-heading).

      [freq]: https://www.sitemaps.org/protocol.html#changefreqdef
      [priority]: lost.md
      """
    let result = try check(["en/sitemap.md": sitemap], configuration: "required_keys: []")
    #expect(
      result.findings.map { "\($0.line ?? 0): \($0.message)" }.sorted() == [
        "17: the link plan.md points to a file that does not exist",
        "24: the link #not-a-heading names an anchor #not-a-heading that docs/en/sitemap.md does not have",
        "27: the link lost.md points to a file that does not exist",
      ], "\(result.findings)")
  }

  /// Hugo gives each definition-list term an id made like a heading's (Goldmark's
  /// `autoDefinitionTermID`), and its docs link to them; a team that renders so says it.
  @Test func definitionTermAnchorsAreKnownWhenTheTeamsRendererMakesThem() throws {
    let settings = """
      # Settings

      `titleCaseStyle`
      : (`string`) How titles are written.

      **timeZone**
      : The zone of dates.

      ```yaml
      notATerm
      : inside a code block
      ```

      See [the style](#titlecasestyle), [the zone](#timezone), [the code](#notaterm) and [a gone one](#nope).
      """
    let files = ["en/settings.md": settings]
    let plain = try check(files, configuration: "required_keys: []")
    #expect(
      plain.findings.map(\.message).sorted() == [
        "the link #nope names an anchor #nope that docs/en/settings.md does not have",
        "the link #notaterm names an anchor #notaterm that docs/en/settings.md does not have",
        "the link #timezone names an anchor #timezone that docs/en/settings.md does not have",
        "the link #titlecasestyle names an anchor #titlecasestyle that docs/en/settings.md does not have",
      ], "\(plain.findings)")
    let hugo = try check(files, configuration: "required_keys: []\ndefinition_term_anchors: true")
    #expect(
      hugo.findings.map(\.message).sorted() == [
        "the link #nope names an anchor #nope that docs/en/settings.md does not have",
        "the link #notaterm names an anchor #notaterm that docs/en/settings.md does not have",
      ], "\(hugo.findings)")
    #expect(
      refusal("definition_term_anchors: sometimes")?.reason == "definition_term_anchors must be true or false"
    )
  }

  @Test func headingSlugsAreWrittenAsGitHubWritesThem() {
    #expect(DocsChecker.headingSlug("Install the tool") == "install-the-tool")
    #expect(DocsChecker.headingSlug("What's new in 2.0?") == "whats-new-in-20")
    #expect(DocsChecker.headingSlug("Flödet är pausat") == "flödet-är-pausat")
    #expect(DocsChecker.headingSlug("snake_case and kebab-case") == "snake_case-and-kebab-case")
  }
}
