import FlowEngine
import Foundation
import Localization
import TestSupport
import Testing

@testable import HelpContent

@Suite("Article loader")
struct LoaderTests {
  let article = """
    ---
    uid: help-en-sample
    title: Sample
    description: A sample.
    keywords: [a, b]
    language: en
    date: 11.25.2026
    version: 1.0
    content_type: howto
    topic: flows
    codes: [FD1002]
    ---

    # Sample

    ## <a id="status"></a>Status

    * **Running:** Going.
    * **Paused:** Stopped for now.

    ### <a id="FD1002"></a>FD1002 Reply-to address missing

    It means the reply-to address is missing.

    1. Set it.
    1. Start again.
    """

  func load(_ files: [String: String]) throws -> ContentLibrary {
    let root = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: root) }
    for (path, text) in files { try Paths.write(text, to: root.appendingPathComponent(path)) }
    return ContentLibrary.load(from: root, displayRoot: "content")
  }

  @Test func articleStructureIsReadFromRenderedMarkdown() throws {
    let library = try load(["en/sample.md": article])
    #expect(library.problems.isEmpty, "\(library.problems)")
    let sample = try #require(library.articles.first)
    let status = try #require(sample.sections.first { $0.anchor == "status" })
    #expect(status.statusLists == [["Running", "Paused"]])
    #expect(status.line == 16)
    let code = try #require(sample.section(for: .missingEmailReplyTo))
    #expect(code.heading == "FD1002 Reply-to address missing")
    #expect(code.meaning == ["It means the reply-to address is missing."])
    #expect(code.resolution == ["Set it.", "Start again."])
    #expect(code.line == 21)
  }

  @Test func malformedYAMLIsReportedWithItsLine() throws {
    let broken = article.replacingOccurrences(of: "title: Sample", with: "title: [Sample")
    let library = try load(["en/sample.md": broken])
    let problem = try #require(library.problems.first)
    #expect(problem.file == "content/en/sample.md")
    #expect(problem.rule == "front-matter")
    #expect(problem.message.contains("not valid YAML"))
    #expect(problem.line != nil)
    #expect(library.articles.isEmpty)
  }

  /// A date is a day of the calendar, written as the seeds write it, as ISO 8601 and YAML
  /// write it (a time may follow), or with slashes as react.dev writes it. `2021-02-30` was
  /// taken for a date, and `2021/06/08` and `2021-06-08T10:00:00Z` were refused, leaving
  /// react.dev's blog posts unread.
  @Test func aDateIsADayOfTheCalendarInTheFormsSiteGeneratorsWrite() {
    let days: [(String, Int?)] = [
      ("11.25.2026", 2026_11_25), ("2026-11-25", 2026_11_25), ("2021/06/08", 2021_06_08),
      ("2021-06-08T10:00:00Z", 2021_06_08), ("2021-06-08 10:00:00 +02:00", 2021_06_08),
      ("2024-02-29", 2024_02_29), ("2023-02-29", nil), ("2021-02-30", nil), ("2021-13-45", nil),
      ("13.45.2021", nil), ("+2021-06-08", nil), ("2021-06-08X", nil), ("2021-6-8", 2021_06_08),
      ("204963823041217239.5.0", nil), ("someday", nil), ("", nil),
    ]
    for (text, expected) in days {
      #expect(FrontMatter.day(from: text) == expected, "\(text)")
    }
  }

  @Test func missingRequiredKeyIsReported() throws {
    let library = try load(["en/sample.md": article.replacingOccurrences(of: "topic: flows\n", with: "")])
    #expect(library.problems.map(\.message) == ["the required key topic is missing"])
  }

  @Test func languageMustMatchItsFolder() throws {
    let library = try load([
      "nl/sample.md": article.replacingOccurrences(of: "help-en-sample", with: "help-nl-sample")
    ])
    let problem = try #require(library.problems.first)
    #expect(problem.message == "language en does not match the folder nl")
    #expect(problem.line == 6)
  }

  @Test func duplicateUIDsAreReported() throws {
    let library = try load(["en/a.md": article, "en/b.md": article])
    #expect(library.problems.map(\.message) == ["uid help-en-sample is already used by content/en/a.md"])
    #expect(library.problems.first?.file == "content/en/b.md")
  }

  @Test func anchorWithUnknownCodeIsReported() throws {
    let library = try load([
      "en/sample.md": article.replacingOccurrences(of: "id=\"FD1002\"", with: "id=\"FD1999\"")
    ])
    let problem = try #require(library.problems.first)
    #expect(problem.message.contains("FD1999"))
    #expect(problem.line == 21)
  }

  @Test func oneBadFileDoesNotHideTheOthers() throws {
    let library = try load([
      "en/a.md": article.replacingOccurrences(of: "title: Sample", with: "title: [Sample"),
      "en/b.md": "no front matter here",
      "en/c.md": article.replacingOccurrences(of: "help-en-sample", with: "help-en-c"),
    ])
    #expect(Set(library.problems.map(\.file)) == ["content/en/a.md", "content/en/b.md"])
    #expect(library.articles.map(\.uid) == ["help-en-c"])
  }

  @Test(.enabled(if: Paths.seedsPresent, "the seeds folder is not beside this clone"))
  func seedArticlesLoadAndTheirStatusSectionsYieldThreeLabels() throws {
    let library = ContentLibrary.load(from: Paths.seeds, displayRoot: "seeds")
    let byLanguage = Dictionary(uniqueKeysWithValues: library.articles.map { ($0.language, $0) })
    let nl = try #require(byLanguage["nl"])
    let sv = try #require(byLanguage["sv"])
    #expect(
      nl.sections.first { $0.anchor == "status" }?.statusLists == [
        ["Wordt niet uitgevoerd", "Wordt uitgevoerd", "Gepauzeerd"]
      ])
    #expect(sv.sections.first { $0.anchor == "status" }?.statusLists == [["Inte igång", "Körs", "Pausad"]])
    #expect(nl.translationGroup == sv.translationGroup)
    #expect(nl.sections.first { $0.anchor == "delete" }?.resolution.count == 4)
    // Reference-style links and images are resolved by the markdown renderer.
    #expect(nl.links.map(\.target) == ["update.md"])
    #expect(nl.images.map(\.target) == ["../../../../media/loc/en/marketing/flow-status.png"])
    #expect(nl.html.contains("[!CAUTION]"))
  }

  @Test(.enabled(if: Paths.seedsPresent, "the seeds folder is not beside this clone"))
  func fileWithoutFrontMatterGetsAClearError() throws {
    let library = ContentLibrary.load(from: Paths.seeds, displayRoot: "seeds")
    let problem = try #require(library.problems.first { $0.file.hasSuffix("003_0de07bca3db19ec3.txt") })
    #expect(problem.message == "the file has no front matter")
    #expect(problem.line == 1)
    #expect(library.articles.count == 2)
  }
}
