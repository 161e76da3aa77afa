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

  /// fuzz-article: Ink tries every `[` as a link and rewinds, so unclosed brackets nested in
  /// each other took exponential time (22 over a minute; 40 would never finish) and thousands
  /// overflowed the stack. The loader now escapes brackets nested too deep.
  @Test(.timeLimit(.minutes(1)))
  func nestedUnclosedBracketsLoadInBoundedTime() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.input("article", "nested-unclosed-brackets.md")
      .write(to: folder.appendingPathComponent("brackets.md"))
    let library = ContentLibrary.load(from: folder)
    let article = try #require(library.articles.first)
    #expect(article.html.contains(String(repeating: "[", count: 40)), "the brackets stay as text")
    #expect(article.links.map(\.target) == ["flow-edit.md"], "a link after them still works")
  }

  /// fuzz-article, after the first fix: the guard took everything after a backtick for a code
  /// span and left those brackets alone, but a backtick without a partner is text to Ink,
  /// which then tried the brackets after it (the run stopped on this input).
  @Test(.timeLimit(.minutes(1)))
  func bracketsAfterAnUnpairedBacktickLoadInBoundedTime() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.input("article", "unpaired-backtick-before-brackets.md")
      .write(to: folder.appendingPathComponent("backtick.md"))
    let library = ContentLibrary.load(from: folder)
    let article = try #require(library.articles.first)
    #expect(article.html.contains(String(repeating: "[", count: 30)))
  }

  /// fuzz-article: Ink ends a paragraph before `<p`; when no `>` follows, its HTML read fails,
  /// the paragraph it falls back to is empty, and it loops forever appending empty
  /// paragraphs (the run stopped when memory passed 2 GB). Such a `<` is now `&lt;`.
  @Test(.timeLimit(.minutes(1)))
  func aParagraphTagWithoutItsEndDoesNotLoop() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.input("article", "unclosed-p-tag-loops.md").write(to: folder.appendingPathComponent("p.md"))
    let library = ContentLibrary.load(from: folder)
    let article = try #require(library.articles.first)
    #expect(article.html.contains("&lt;P"), "the text stays: \(article.html)")
  }

  /// fuzz-article, after the backtick fix: the guard skipped what it took for fenced code, but
  /// Ink did not read those fences as a code block, and tried the brackets between them (the
  /// run stopped on this input). Brackets in code are no longer exempt.
  @Test(.timeLimit(.minutes(1)))
  func bracketsBetweenFencesInkDoesNotPairLoadInBoundedTime() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.input("article", "brackets-after-unclosed-fence.md")
      .write(to: folder.appendingPathComponent("fences.md"))
    let library = ContentLibrary.load(from: folder)
    #expect(library.articles.count == 1)
  }

  /// fuzz-article: a body that starts with a `---` line is Ink's own metadata block to Ink,
  /// whose reader ran off the end of the text when the block was not closed ("String index is
  /// out of bounds", a crash of the whole process). A leading `---` is now `***`.
  @Test func aBodyStartingWithThreeDashesDoesNotCrashInk() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.input("article", "ink-metadata-runs-off-the-end.md")
      .write(to: folder.appendingPathComponent("dashes.md"))
    let library = ContentLibrary.load(from: folder)
    let article = try #require(library.articles.first)
    #expect(article.html.hasPrefix("<hr"), "the leading rule stays a rule: \(article.html.prefix(40))")
  }

  /// fuzz-article: a list item, then a last line of only white space without a newline: Ink
  /// reads that line as the indentation of a nested list and runs off the end of the text
  /// ("String index is out of bounds", a crash of the whole process). The loader now removes
  /// white space at the end of the text and ends it with one newline.
  @Test func whiteSpaceOnTheLastLineAfterAListDoesNotCrashInk() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.input("article", "list-then-white-space-at-the-end.md")
      .write(to: folder.appendingPathComponent("list.md"))
    let library = ContentLibrary.load(from: folder)
    let article = try #require(library.articles.first)
    #expect(article.html.contains("<ol><li>Do this</li></ol>"), "the list stays: \(article.html)")
  }

  /// fuzz-article: a front-matter date of huge numbers (`204963823041217239.5.0`) overflowed
  /// `Int` when the loader turned it into a comparable day: a crash of the whole process, so
  /// one content file could stop the service at a reload. Such a date is now reported as not
  /// a date.
  @Test func aDateOfHugeNumbersIsReportedNotACrash() throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.input("article", "date-overflows.md").write(to: folder.appendingPathComponent("date.md"))
    let library = ContentLibrary.load(from: folder)
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
