import Foundation
import Testing

@Suite("flowdesk explain and states")
struct ExplainCommandTests {
  struct Explanation: Decodable {
    struct Article: Decodable {
      let uid: String
      let title: String
    }
    let code: String
    let kind: String
    let title: String
    let message: String
    let meaning: String
    let resolution: [String]
    let article: Article
    let language: String
  }

  @Test func explainGivesLocalizedTitleMeaningStepsAndArticle() async throws {
    let result = try await CLI.run(["explain", "fd1002", "--lang", "nl-BE", "--format", "json"])
    #expect(result.status == 0, "\(result.stderr)")
    let explanation = try JSONDecoder().decode(Explanation.self, from: Data(result.stdout.utf8))
    #expect(explanation.code == "FD1002")
    #expect(explanation.kind == "refusal")
    #expect(explanation.language == "nl")
    #expect(explanation.title == "Antwoordadres ontbreekt")
    #expect(explanation.article.uid == "help-nl-flow-run-pause-end")
    #expect(explanation.resolution.count >= 2)
    #expect(!explanation.meaning.isEmpty)
  }

  struct CatalogProblem: Decodable {
    let language: String
    let status: String
    let file: String
    let reason: String
  }

  struct FallbackExplanation: Decodable {
    let title: String
    let language: String
    let fallbacks: [String]
    let catalogProblem: CatalogProblem?
  }

  /// A locales folder whose nl catalog is `nl`, with the bundled sv catalog beside it.
  func locales(withDutchCatalog nl: Data) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "flowdesk-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try nl.write(to: folder.appendingPathComponent("nl.xliff"))
    try FileManager.default.copyItem(
      at: CLI.packageRoot.appendingPathComponent("locales/sv.xliff"),
      to: folder.appendingPathComponent("sv.xliff"))
    return folder
  }

  @Test func explainWithARefusedDutchCatalogSaysSoAndWhichFile() async throws {
    let nl = try String(
      contentsOf: CLI.packageRoot.appendingPathComponent("locales/nl.xliff"), encoding: .utf8
    )
    .replacingOccurrences(
      of: "<xliff ", with: "<!DOCTYPE xliff SYSTEM \"http://example.invalid/x.dtd\">\n<xliff ")
    let folder = try locales(withDutchCatalog: Data(nl.utf8))
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try await CLI.run([
      "explain", "FD1002", "--lang", "nl", "--format", "json", "--locales", folder.path,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("Dutch catalog locales/nl.xliff:2 was refused"), "\(result.stderr)")
    #expect(result.stderr.contains("in English"), "\(result.stderr)")
    let explanation = try JSONDecoder().decode(FallbackExplanation.self, from: Data(result.stdout.utf8))
    #expect(explanation.title == "Reply-to address missing")
    #expect(explanation.fallbacks.contains("title") && explanation.fallbacks.contains("message"))
    let problem = try #require(explanation.catalogProblem, "the JSON does not say the catalog was refused")
    #expect(problem.language == "nl" && problem.status == "refused" && problem.file == "locales/nl.xliff")
    #expect(problem.reason.contains("DOCTYPE"))
  }

  @Test func explainWithABrokenDutchCatalogPrintsNoRawLibxml2Messages() async throws {
    let folder = try locales(
      withDutchCatalog: Data("<?xml version=\"1.0\"?>\n<xliff version=\"1.2\"><file></xliff>\n".utf8))
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try await CLI.run(["explain", "FD1002", "--lang", "nl", "--locales", folder.path])
    #expect(result.status == 0, "\(result.stderr)")
    // libxml2 on its own writes "nl.xliff:2: parser error : ..." with a caret line.
    #expect(!result.stderr.contains("parser error"), "\(result.stderr)")
    #expect(result.stderr.contains("Dutch catalog locales/nl.xliff:2 was refused"), "\(result.stderr)")
    #expect(result.stderr.contains("Opening and ending tag mismatch"), "\(result.stderr)")
    #expect(result.stdout.contains("Dutch catalog locales/nl.xliff:2 was refused"))
  }

  @Test func explainTextShowsNumberedSteps() async throws {
    let result = try await CLI.run(["explain", "FD1108", "--lang", "sv"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("FD1108"))
    #expect(result.stdout.contains("\n1. "))
  }

  @Test func unknownCodeExitsWithStatusTwo() async throws {
    let result = try await CLI.run(["explain", "FD9999"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("FD9999 is not a Flowdesk code"))
  }

  @Test func unknownLanguageExitsWithStatusTwo() async throws {
    let unsupported = try await CLI.run(["explain", "FD1002", "--lang", "fr"])
    #expect(unsupported.status == 2)
    #expect(unsupported.stderr.contains("use en, nl or sv"))
    let malformed = try await CLI.run(["explain", "FD1002", "--lang", "n_l!"])
    #expect(malformed.status == 2)
  }

  @Test func statesListsEveryLabelInTheLanguage() async throws {
    let result = try await CLI.run(["states", "--lang", "sv", "--format", "json"])
    #expect(result.status == 0)
    struct State: Decodable {
      let kind: String
      let code: String
      let label: String
    }
    let states = try JSONDecoder().decode([State].self, from: Data(result.stdout.utf8))
    #expect(states.count == 9)
    #expect(states.first { $0.code == "cancelled" }?.label == "Avbruten")
  }
}
