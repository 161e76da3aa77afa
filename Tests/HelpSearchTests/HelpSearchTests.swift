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
  func pastedReplyToMessageFindsFD1002WithASnippet(language: Language) throws {
    let pasted = message(.missingEmailReplyTo, ["setting": "emailReplyTo"], in: language)
    let top = try #require(try results(pasted).first)
    #expect(top.code == "FD1002", "\(language): \(pasted)")
    #expect(!top.snippet.isEmpty)
  }

  /// What a caller would see in a placeholder, by the placeholder's name: ids, addresses,
  /// setting names, times, as the engine and the service fill them.
  static let realisticValues: [String: String] = [
    "setting": "emailReplyTo", "status": "running", "step": "step-3", "branch": "branch-2",
    "contact": "ann-42", "flow": "flow-7", "email": "ann@example.com", "subscription": "newsletter",
    "action": "emailOpened", "property": "companyName", "from": "customer", "to": "lead",
    "date": "2025-03-01T09:00:00Z", "time": "2025-03-03T08:00:00Z", "field": "settings.emailFrom",
    "limit": "1048576", "path": "/v1/flow/7", "method": "PATCH", "tag": "n_l!", "code": "FD9999",
    "type": "text/plain", "line": "3", "column": "14", "expected": "application/merge-patch+json",
    "current": "\"2-paused\"", "requestId": "7fcfaa77-f227-43bb-b75b-a4ee4f948961", "retryAfter": "5",
    "reason": "start 18:00 is not before end 09:00", "count": "3", "file": "content/nl/flow-edit.md",
    "language": "nl", "message": "msg_Zmxvdy0xL2Fubi93ZWxjb21lL3YxLzE", "attempt": "2", "seconds": "10",
    "header": "webhook-timestamp", "tolerance": "300",
  ]

  /// Each active code's catalog message in a language, its placeholders filled with realistic
  /// values, pasted into search: the codes that do not come back first.
  func pastedMessageMisses(in language: Language) throws -> (misses: [String], total: Int) {
    var misses: [String] = []
    for code in FlowCode.active {
      let names = Placeholders.names(in: code.definition.message)
      var parameters: [String: String] = [:]
      for name in names {
        let value: String = try #require(Self.realisticValues[name], "no value for {\(name)}")
        parameters[name] = value
      }
      let pasted = message(code, parameters, in: language)
      #expect(!pasted.contains("{"), "\(code.id) \(language): a placeholder is left in \(pasted)")
      let hits = try results(pasted, language)
      if hits.first?.code != code.id {
        let rank = hits.firstIndex { $0.code == code.id }.map { "rank \($0 + 1)" } ?? "not found"
        misses.append("\(code.id) (\(rank), first \(hits.first?.code ?? "none")): \(pasted)")
      }
    }
    return (misses, FlowCode.active.count)
  }

  @Test(arguments: Language.allCases)
  func pastedMessageFindsItsCodeFirst(language: Language) throws {
    let (misses, total) = try pastedMessageMisses(in: language)
    let found = total - misses.count
    #expect(
      Double(found) >= 0.98 * Double(total),
      "\(language): \(found) of \(total) found first; misses:\n\(misses.joined(separator: "\n"))")
  }

  @Test(arguments: [
    "ann-42", "flow-7", "ann@example.com", "emailReplyTo", "settings.emailFrom", "09:00",
    "2025-03-01T09:00:00Z", "{contact}", "/v1/flows/7", "FD1304", "(ann-42),", "step_3",
  ])
  func identifierLikeTokensAreNotWords(token: String) {
    #expect(Stemmer.isIdentifierLike(Substring(token)))
    #expect(Stemmer.meaningfulWords("Contact \(token) is here").count == 3)
  }

  @Test(arguments: [
    "e-mailstap", "reply-to", "hard-bounced", "Flödet", "flow.", "(contact),", "SMS-avsändare",
  ])
  func wordsWithHyphensOrPunctuationAreWords(token: String) {
    #expect(!Stemmer.isIdentifierLike(Substring(token)))
  }

  @Test func identifierPiecesDoNotChooseTheQueryTerms() throws {
    // "ann" of ann-42 is rarer than any word of the message and used to be its only term.
    let search = try Self.search.get()
    let terms = search.selectTerms("Contactpersoon ann-42 is al deelnemer aan deze flow.")
    #expect(!terms.contains { "ann".hasPrefix($0) || $0.hasPrefix("ann") }, "\(terms)")
    #expect(
      !search.selectTerms("Step welcome sent no email: earlier email to ann@example.com hard-bounced.")
        .contains { $0.hasPrefix("exampl") || $0 == "com" })
  }

  /// Content written for a later Flowdesk (a section anchored on a code this build does not
  /// know, and its catalog entry) is searched as a plain section: the index does not trip
  /// over the code.
  @Test func aSectionForACodeThisBuildDoesNotKnowIsSearchedAsPlainText() throws {
    let copy = try Paths.copyOfContent()
    defer { try? FileManager.default.removeItem(at: copy.root) }
    let article = copy.content.appendingPathComponent("en/api-errors.md")
    var text = try String(contentsOf: article, encoding: .utf8)
    text += "\n### <a id=\"FD1599\"></a>FD1599 A code from the future\n\nWrittenahead of its release.\n"
    try Paths.write(text, to: article)
    let catalog = copy.locales.appendingPathComponent("nl.xliff")
    let units = try String(contentsOf: catalog, encoding: .utf8).replacingOccurrences(
      of: "      <trans-unit id=\"code.FD2000.title\">",
      with: """
              <trans-unit id="code.FD1599.title">
                <source>A code from the future</source>
                <target state="translated">Een code uit de toekomst</target>
              </trans-unit>
              <trans-unit id="code.FD2000.title">
        """)
    try Paths.write(units, to: catalog)
    let index = HelpIndex.load(content: copy.content, locales: copy.locales).index
    let found = try HelpSearch(index: index).search("Writtenahead")
    let section = try #require(found.first, "the section was not indexed")
    #expect(section.anchor == "FD1599")
    #expect(section.code == nil, "a code this build does not know is no code of its registry")
  }

  @Test func aQueryOfIdentifiersAloneIsStillSearched() throws {
    #expect(try results("FD1304", .en).first?.code == "FD1304")
    #expect(try results("emailReplyTo", .en).contains { $0.code == "FD1002" })
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
