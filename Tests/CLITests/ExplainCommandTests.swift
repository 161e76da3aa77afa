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

  @Test func explainGivesLocalizedTitleMeaningStepsAndArticle() throws {
    let result = try CLI.run(["explain", "fd1002", "--lang", "nl-BE", "--format", "json"])
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

  @Test func explainTextShowsNumberedSteps() throws {
    let result = try CLI.run(["explain", "FD1108", "--lang", "sv"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("FD1108"))
    #expect(result.stdout.contains("\n1. "))
  }

  @Test func unknownCodeExitsWithStatusTwo() throws {
    let result = try CLI.run(["explain", "FD9999"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("FD9999 is not a Flowdesk code"))
  }

  @Test func unknownLanguageExitsWithStatusTwo() throws {
    let unsupported = try CLI.run(["explain", "FD1002", "--lang", "fr"])
    #expect(unsupported.status == 2)
    #expect(unsupported.stderr.contains("use en, nl or sv"))
    let malformed = try CLI.run(["explain", "FD1002", "--lang", "n_l!"])
    #expect(malformed.status == 2)
  }

  @Test func statesListsEveryLabelInTheLanguage() throws {
    let result = try CLI.run(["states", "--lang", "sv", "--format", "json"])
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
