import FlowEngine
import Foundation
import HelpContent
import TestSupport
import Testing

/// The docs regression suite: the project's own content passes every rule, and each rule
/// fires, alone, on a copy of the content with one thing broken.
@Suite("Docs check")
struct DocsCheckTests {
  /// Runs every rule on the bundled content, or on a copy changed by `mutate`.
  func findings(_ mutate: ((URL, URL) throws -> Void)? = nil) throws -> [DocsFinding] {
    guard let mutate else { return DocsChecker.load(content: Paths.content, locales: Paths.locales).check() }
    let copy = try Paths.copyOfContent()
    defer { try? FileManager.default.removeItem(at: copy.root) }
    try mutate(copy.content, copy.locales)
    return DocsChecker.load(content: copy.content, locales: copy.locales).check()
  }

  /// The 1-based line of the first line containing `needle` in a file of the bundled content.
  func line(of needle: String, in relativePath: String, root: URL = Paths.packageRoot) throws -> Int {
    let text = try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let index = try #require(lines.firstIndex { $0.contains(needle) }, "\(needle) is in \(relativePath)")
    return index + 1
  }

  @Test func projectContentPassesEveryRule() throws {
    let all = try findings()
    #expect(all.isEmpty, "\(all.map(\.description).joined(separator: "\n"))")
  }

  @Test func coverageFiresWhenARetiredCodeIsNotDocumentedAsRetired() throws {
    let file = "content/nl/flow-participants.md"
    let result = try findings { content, _ in
      try Paths.replace(
        "FD2000 Geen toestemming of abonnement (uitgefaseerd)", with: "FD2000 Geen toestemming of abonnement",
        in: content.appendingPathComponent("nl/flow-participants.md"))
      let url = content.appendingPathComponent("nl/flow-participants.md")
      let text = try String(contentsOf: url, encoding: .utf8)
      try Data(text.replacingOccurrences(of: "uitgefaseerd", with: "oud").utf8).write(to: url)
    }
    let expectedLine = try line(of: "id=\"FD2000\"", in: file)
    #expect(result.map(\.rule) == ["coverage"], "\(result.map(\.description))")
    #expect(result.first?.file == file)
    #expect(result.first?.line == expectedLine)
    #expect(result.first?.message.contains("retired") == true)
  }

  @Test func coverageFiresWhenFrontMatterCodesDifferFromSections() throws {
    let result = try findings { content, _ in
      try Paths.replace("FD1002, ", with: "", in: content.appendingPathComponent("sv/flow-run-pause-end.md"))
    }
    #expect(result.map(\.rule) == ["coverage"], "\(result.map(\.description))")
    #expect(result.first?.file == "content/sv/flow-run-pause-end.md")
    #expect(result.first?.line == (try line(of: "codes:", in: "content/sv/flow-run-pause-end.md")))
  }

  @Test func catalogsFireOnAChangedEnglishSource() throws {
    let result = try findings { _, locales in
      try Paths.replace(
        "<source>Reply-to address missing</source>", with: "<source>Reply-to missing</source>",
        in: locales.appendingPathComponent("sv.xliff"))
    }
    #expect(result.map(\.rule) == ["catalogs"], "\(result.map(\.description))")
    #expect(result.first?.file == "locales/sv.xliff")
    #expect(result.first?.line == (try line(of: "code.FD1002.title", in: "locales/sv.xliff")))
    #expect(result.first?.message.hasPrefix("stale translation") == true)
  }

  @Test func catalogsFireOnMissingAndObsoleteTranslations() throws {
    let result = try findings { _, locales in
      let url = locales.appendingPathComponent("nl.xliff")
      try Paths.replace(
        "<trans-unit id=\"code.FD1002.title\"", with: "<trans-unit id=\"code.FD0000.title\"", in: url)
    }
    #expect(Set(result.map(\.rule)) == ["catalogs"], "\(result.map(\.description))")
    #expect(result.contains { $0.message.hasPrefix("missing translation: code.FD1002.title") })
    #expect(result.contains { $0.message.hasPrefix("obsolete translation: code.FD0000.title") })
  }

  /// A translator's editor takes an approval back (`approved="no"`) or marks a string fuzzy
  /// (a `needs-` state): either way the translation waits for review.
  @Test func catalogsFireOnATranslationAnEditorMarkedForReview() throws {
    let result = try findings { _, locales in
      let url = locales.appendingPathComponent("sv.xliff")
      try Paths.replace(
        "<trans-unit id=\"code.FD1002.title\" approved=\"yes\"",
        with: "<trans-unit id=\"code.FD1002.title\" approved=\"no\"", in: url)
      try Paths.replace(
        "<target state=\"translated\">Svarsadress saknas</target>",
        with: "<target state=\"needs-translation\">Svarsadress saknas</target>", in: url)
    }
    #expect(result.map(\.rule) == ["catalogs"], "\(result.map(\.description))")
    #expect(result.first?.line == (try line(of: "code.FD1002.title", in: "locales/sv.xliff")))
    #expect(result.first?.message == "stale translation: code.FD1002.title is marked needs-translation")
  }

  @Test func catalogsFireOnALostPlaceholder() throws {
    let result = try findings { _, locales in
      try Paths.replace(
        "stel {setting} in", with: "stel het in", in: locales.appendingPathComponent("nl.xliff"))
    }
    #expect(result.map(\.rule) == ["catalogs"], "\(result.map(\.description))")
    #expect(result.first?.message.contains("placeholders") == true)
  }

  @Test func labelsFireOnAStatusListLabelThatIsNotTheCatalogs() throws {
    let file = "content/nl/flow-run-pause-end.md"
    let result = try findings { content, _ in
      try Paths.replace(
        "* **Gepauzeerd:**", with: "* **Gepauseerd:**",
        in: content.appendingPathComponent("nl/flow-run-pause-end.md"))
    }
    #expect(result.map(\.rule) == ["labels"], "\(result.map(\.description))")
    #expect(result.first?.file == file)
    #expect(result.first?.line == (try line(of: "* **Gepauzeerd:**", in: file)))
    #expect(result.first?.fix.contains("Gepauzeerd") == true)
  }

  @Test func parityFiresOnASwappedStatusWordInOneTranslation() throws {
    let file = "content/sv/flow-run-pause-end.md"
    let original = try String(contentsOf: Paths.packageRoot.appendingPathComponent(file), encoding: .utf8)
    let endSection = try #require(original.range(of: "<a id=\"end\"></a>"))
    let cancelled = try #require(
      original.range(of: "**Avbruten**", range: endSection.upperBound..<original.endIndex))
    let result = try findings { content, _ in
      let mutated = original.replacingCharacters(in: cancelled, with: "**Bortfall**")
      try Data(mutated.utf8).write(to: content.appendingPathComponent("sv/flow-run-pause-end.md"))
    }
    // Reported at the line of the wrong word, not at its section's heading, as an error that
    // names the source's term and the expected translation.
    let wordLine = original[..<cancelled.lowerBound].filter { $0 == "\n" }.count + 1
    #expect(result.map(\.rule) == ["parity"], "\(result.map(\.description))")
    #expect(result.first?.file == file)
    #expect(result.first?.line == wordLine)
    #expect(result.first?.level == .error)
    #expect(result.first?.message.contains("Bortfall") == true)
    #expect(result.first?.fix.contains("Avbruten") == true)
  }

  @Test func parityFiresOnADifferentNumberOfSteps() throws {
    let file = "content/nl/flow-run-pause-end.md"
    let original = try String(contentsOf: Paths.packageRoot.appendingPathComponent(file), encoding: .utf8)
    let section = try #require(original.range(of: "<a id=\"FD1002\"></a>"))
    let step = try #require(original.range(of: "\n1. ", range: section.upperBound..<original.endIndex))
    let result = try findings { content, _ in
      let mutated = original.replacingCharacters(in: step, with: "\n1. Extra stap.\n1. ")
      try Data(mutated.utf8).write(to: content.appendingPathComponent("nl/flow-run-pause-end.md"))
    }
    #expect(result.map(\.rule) == ["parity"], "\(result.map(\.description))")
    #expect(result.first?.line == (try line(of: "<a id=\"FD1002\"></a>", in: file)))
  }

  @Test func linksFireOnABrokenAnchor() throws {
    let file = "content/nl/flow-edit.md"
    let text = try String(contentsOf: Paths.packageRoot.appendingPathComponent(file), encoding: .utf8)
    let link = try #require(text.firstMatch(of: /\]\(([a-z-]+\.md)#([A-Za-z0-9-]+)\)/))
    let result = try findings { content, _ in
      try Paths.replace(
        String(link.0), with: "](\(link.1)#no-such-anchor)",
        in: content.appendingPathComponent("nl/flow-edit.md"))
    }
    #expect(result.map(\.rule) == ["links"], "\(result.map(\.description))")
    #expect(result.first?.file == file)
    #expect(result.first?.line == (try line(of: String(link.0), in: file)))
  }

  @Test func linksFireOnAMissingImage() throws {
    let result = try findings { content, _ in
      let url = content.appendingPathComponent("en/flows-with-errors.md")
      let text = try String(contentsOf: url, encoding: .utf8)
      try Data((text + "\n![Flows with errors](media/errors-tab.png)\n").utf8).write(to: url)
    }
    #expect(result.map(\.rule) == ["links"], "\(result.map(\.description))")
    #expect(result.first?.message.contains("media/errors-tab.png") == true)
  }

  @Test func frontMatterFiresOnATranslationOlderThanItsSource() throws {
    let file = "content/sv/flow-edit.md"
    let result = try findings { content, _ in
      try Paths.replace(
        "date: 11.25.2026", with: "date: 10.01.2026", in: content.appendingPathComponent("sv/flow-edit.md"))
    }
    #expect(result.map(\.rule) == ["front-matter"], "\(result.map(\.description))")
    #expect(result.first?.file == file)
    #expect(result.first?.line == (try line(of: "date:", in: file)))
    #expect(result.first?.message.hasPrefix("possibly stale") == true)
  }

  @Test func scenariosFireWhenAScenarioDisagreesWithTheEngine() throws {
    let file = "content/en/flow-run-pause-end.md"
    let text = try String(contentsOf: Paths.packageRoot.appendingPathComponent(file), encoding: .utf8)
    let section = try #require(text.range(of: "<a id=\"FD1002\"></a>"))
    let expectation = try #require(
      text.range(
        of: "FD1002",
        range: text.range(of: "<!-- scenario", range: section.upperBound..<text.endIndex)!
          .upperBound..<text.endIndex))
    let result = try findings { content, _ in
      let mutated = text.replacingCharacters(in: expectation, with: "FD1003")
      try Data(mutated.utf8).write(to: content.appendingPathComponent("en/flow-run-pause-end.md"))
    }
    #expect(Set(result.map(\.rule)) == ["scenarios"], "\(result.map(\.description))")
    #expect(result.contains { $0.message.contains("expected FD1003") && $0.file == file })
    #expect(result.contains { $0.message == "FD1002 has no scenario that reproduces it" })
  }

  @Test(.enabled(if: Paths.seedsPresent, "the seeds folder is not beside this clone"))
  func seedsAreCheckedAsTranslationsOfOneArticle() {
    let checker = DocsChecker.load(content: Paths.seeds, locales: Paths.locales, contentName: "seeds")
    let findings = checker.check(rules: [.parity, .links, .labels, .frontMatter])
    #expect(checker.library.articles.count == 2)
    // The Swedish seed calls cancelled participants "Bortfall" (dropped out).
    #expect(
      findings.contains {
        $0.rule == "parity" && $0.file == "seeds/001_67df4b8b06b4dc35.txt" && $0.message.contains("Bortfall")
      })
    #expect(
      findings.contains {
        $0.rule == "front-matter" && $0.file == "seeds/003_0de07bca3db19ec3.txt" && $0.line == 1
      })
    #expect(findings.contains { $0.rule == "links" && $0.message.contains("update.md") })
    #expect(!findings.contains { $0.rule == "labels" })
  }
}
