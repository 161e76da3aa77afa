import Foundation
import HelpContent
import TestSupport
import Testing

/// Inputs the fuzz targets (Fuzz/) found, kept in Fuzz/Regressions/<target>/.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
  static func input(_ target: String, _ name: String) throws -> Data {
    try Data(
      contentsOf: Paths.packageRoot.appendingPathComponent("Fuzz/Regressions/\(target)/\(name)"))
  }

  /// The library loaded from a folder of its own that holds only the article input `name`.
  static func library(ofArticle name: String) throws -> ContentLibrary {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try input("article", name).write(to: folder.appendingPathComponent(name))
    return ContentLibrary.load(from: folder)
  }

  /// fuzz-article: Ink tries every `[` as a link and rewinds, so unclosed brackets nested in
  /// each other took exponential time (22 over a minute; 40 would never finish) and thousands
  /// overflowed the stack. The loader now escapes brackets nested too deep.
  @Test(.timeLimit(.minutes(1)))
  func nestedUnclosedBracketsLoadInBoundedTime() throws {
    let library = try Self.library(ofArticle: "nested-unclosed-brackets.md")
    let article = try #require(library.articles.first)
    #expect(article.html.contains(String(repeating: "[", count: 40)), "the brackets stay as text")
    #expect(article.links.map(\.target) == ["flow-edit.md"], "a link after them still works")
  }

  /// fuzz-article, after the first fix: the guard took everything after a backtick for a code
  /// span and left those brackets alone, but a backtick without a partner is text to Ink,
  /// which then tried the brackets after it (the run stopped on this input).
  @Test(.timeLimit(.minutes(1)))
  func bracketsAfterAnUnpairedBacktickLoadInBoundedTime() throws {
    let library = try Self.library(ofArticle: "unpaired-backtick-before-brackets.md")
    let article = try #require(library.articles.first)
    #expect(article.html.contains(String(repeating: "[", count: 30)))
  }

  /// fuzz-article: Ink ends a paragraph before `<p`; when no `>` follows, its HTML read fails,
  /// the paragraph it falls back to is empty, and it loops forever appending empty
  /// paragraphs (the run stopped when memory passed 2 GB). Such a `<` is now `&lt;`.
  @Test(.timeLimit(.minutes(1)))
  func aParagraphTagWithoutItsEndDoesNotLoop() throws {
    let library = try Self.library(ofArticle: "unclosed-p-tag-loops.md")
    let article = try #require(library.articles.first)
    #expect(article.html.contains("&lt;P"), "the text stays: \(article.html)")
  }

  /// fuzz-article, after the backtick fix: the guard skipped what it took for fenced code, but
  /// Ink did not read those fences as a code block, and tried the brackets between them (the
  /// run stopped on this input). Brackets in code are no longer exempt.
  @Test(.timeLimit(.minutes(1)))
  func bracketsBetweenFencesInkDoesNotPairLoadInBoundedTime() throws {
    let library = try Self.library(ofArticle: "brackets-after-unclosed-fence.md")
    #expect(library.articles.count == 1)
  }

  /// fuzz-article: a body that starts with a `---` line is Ink's own metadata block to Ink,
  /// whose reader ran off the end of the text when the block was not closed ("String index is
  /// out of bounds", a crash of the whole process). A leading `---` is now `***`.
  @Test func aBodyStartingWithThreeDashesDoesNotCrashInk() throws {
    let library = try Self.library(ofArticle: "ink-metadata-runs-off-the-end.md")
    let article = try #require(library.articles.first)
    #expect(article.html.hasPrefix("<hr"), "the leading rule stays a rule: \(article.html.prefix(40))")
  }

  /// fuzz-article: a list item, then a last line of only white space without a newline: Ink
  /// reads that line as the indentation of a nested list and runs off the end of the text
  /// ("String index is out of bounds", a crash of the whole process). The loader now removes
  /// white space at the end of the text and ends it with one newline.
  @Test func whiteSpaceOnTheLastLineAfterAListDoesNotCrashInk() throws {
    let library = try Self.library(ofArticle: "list-then-white-space-at-the-end.md")
    let article = try #require(library.articles.first)
    #expect(article.html.contains("<ol><li>Do this</li></ol>"), "the list stays: \(article.html)")
  }

  /// fuzz-article: a front-matter date of huge numbers (`204963823041217239.5.0`) overflowed
  /// `Int` when the loader turned it into a comparable day: a crash of the whole process, so
  /// one content file could stop the service at a reload. Such a date is now reported as not
  /// a date.
  @Test func aDateOfHugeNumbersIsReportedNotACrash() throws {
    let library = try Self.library(ofArticle: "date-overflows.md")
    #expect(
      library.problems.contains { $0.message.contains("204963823041217239.5.0") }, "\(library.problems)")
  }

  /// fuzz-sanitizer: a combining mark after the colon (`java:\u{747}...`) made one character
  /// of the two, so the search for the colon by character missed it and the URL passed as
  /// relative; browsers read code points and see the scheme.
  @Test func aCombiningMarkAfterTheColonDoesNotHideTheScheme() throws {
    let html = String(decoding: try Self.input("sanitizer", "combining-mark-hides-colon.html"), as: UTF8.self)
    #expect(!HTMLSanitizer.sanitize(html).contains("href"))
    #expect(!HTMLSanitizer.isSafeURL("javascript:\u{301}alert(1)"))
    #expect(!HTMLSanitizer.isSafeURL("//\u{301}evil.example"))
    #expect(HTMLSanitizer.isSafeURL("flow-edit#caf\u{65}\u{301}"))
  }
}
