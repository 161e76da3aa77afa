import FlowEngine
import Foundation
import HelpContent
import HelpSearch
import Localization
import TestSupport
import Testing

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

  @Test func emptyOrPunctuationOnlyQueryFindsNothing() throws {
    #expect(try results("").isEmpty)
    #expect(try results("!!! ??? ...").isEmpty)
  }
}
