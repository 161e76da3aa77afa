import FlowEngine
import Foundation
import HelpContent
import Localization
import TestSupport
import Testing

@testable import HelpSearch

@Suite("Help search")
struct HelpSearchTests {
  static let index = HelpIndex.load(content: Paths.content, locales: Paths.locales).index
  static let search = Result { try HelpSearch(index: index) }

  func results(_ text: String, _ language: Language? = nil) throws -> [SearchResult] {
    try Self.search.get().search(text, language: language)
  }

  /// The catalog message of a code in a language, with its parameters filled as the engine would.
  func message(_ code: FlowCode, _ parameters: [String: String], in language: Language) -> String {
    Self.index.localizer.message(CodedMessage(code, parameters), in: language).text
  }

  @Test(arguments: Language.allCases)
  func pastedMessageFindsItsCodeFirst(language: Language) throws {
    let pasted = message(.missingEmailReplyTo, ["setting": "emailReplyTo"], in: language)
    let top = try #require(try results(pasted).first)
    #expect(top.code == "FD1002", "\(language): \(pasted)")
    #expect(!top.snippet.isEmpty)
  }

  @Test func pastedDropOutMessageFindsItsCode() throws {
    let pasted = message(.emailAddressBlocked, ["step": "welcome", "email": "ann@example.com"], in: .sv)
    #expect(try results(pasted).first?.code == "FD2007")
  }

  @Test func wordFormsDoNotDefeatSearch() throws {
    // "verwijderd" (deleted) finds the sections about "verwijderen" (to delete).
    let hits = try results("verwijderd", .nl)
    #expect(hits.contains { $0.anchor == "delete" })
    #expect(hits.contains { $0.code == "FD1108" })
  }

  @Test func diacriticsDoNotDefeatSearch() throws {
    #expect(try results("beeindigd", .nl).contains { $0.code == "FD1107" })
    #expect(try results("flodet ar redan avslutat", .sv).first?.code == "FD1107")
    #expect(try results("Flödet är redan avslutat").first?.code == "FD1107")
  }

  @Test func answersComeInTheRequestedLanguage() throws {
    let swedish = message(.missingEmailReplyTo, ["setting": "emailReplyTo"], in: .sv)
    let top = try #require(try results(swedish, .nl).first)
    #expect(top.code == "FD1002")
    #expect(top.language == .nl)
    #expect(top.uid == "help-nl-flow-run-pause-end")
    #expect(top.title.contains("Antwoordadres ontbreekt"))
  }

  @Test(arguments: [
    "De flow heeft een e-mailstap maar geen antwoordadres", "verwijderd", "Flödet är redan avslutat",
    "reply-to address missing", "hard bounce", "contact unsubscribed participant dropped",
  ])
  func rankingScoresEqualFTS5Bm25(query: String) throws {
    let (memory, fts5) = try Self.search.get().scoresBothWays(query)
    #expect(!fts5.isEmpty)
    #expect(Set(memory.keys) == Set(fts5.keys), "the same sections match")
    for (rowid, expected) in fts5 {
      let actual = try #require(memory[rowid])
      #expect(
        abs(actual - expected) <= 1e-9 * max(1, abs(expected)), "row \(rowid): \(actual) vs \(expected)")
    }
  }

  @Test func searchGivesEachCodeOnce() throws {
    let hits = try results("participant flow step email", .en)
    let codes = hits.compactMap(\.code)
    #expect(!hits.isEmpty)
    #expect(Set(codes).count == codes.count)
  }

  @Test func emptyOrPunctuationOnlyQueryFindsNothing() throws {
    #expect(try results("").isEmpty)
    #expect(try results("!!! ??? ...").isEmpty)
  }
}
