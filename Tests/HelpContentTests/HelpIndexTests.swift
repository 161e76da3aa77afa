import FlowEngine
import Foundation
import HelpContent
import Localization
import TestSupport
import Testing

@Suite("Help index")
struct HelpIndexTests {
  static let loaded = HelpIndex.load(content: Paths.content, locales: Paths.locales)
  var index: HelpIndex { Self.loaded.index }

  @Test func bundledContentLoadsWithoutProblems() {
    #expect(Self.loaded.problems.isEmpty, "\(Self.loaded.problems.map(\.description))")
  }

  @Test(arguments: Language.allCases)
  func everyRegistryCodeIsExplainedInEveryLanguage(language: Language) {
    for code in FlowCode.allCases {
      guard let (_, section) = index.section(for: code, in: language) else {
        Issue.record("\(code.id) has no section in \(language.rawValue)")
        continue
      }
      #expect(!section.meaning.isEmpty, "\(code.id) in \(language.rawValue) says what it means")
      #expect(section.resolution.count >= 1, "\(code.id) in \(language.rawValue) has steps to fix it")
    }
  }

  @Test func explainReturnsTheArticlesOrderedStepsInTheRequestedLanguage() throws {
    let explanation = index.explain(.missingEmailReplyTo, in: .nl)
    let (article, section) = try #require(index.section(for: .missingEmailReplyTo, in: .nl))
    #expect(explanation.language == .nl)
    #expect(explanation.resolution == section.resolution)
    #expect(explanation.resolution.count >= 2)
    #expect(explanation.article?.uid == article.uid)
    #expect(article.language == "nl")
    #expect(explanation.title == "Antwoordadres ontbreekt")
    #expect(explanation.fallbacks.isEmpty)
  }

  @Test func explainByAcceptLanguageNegotiatesTheLanguage() {
    #expect(
      index.explain(.missingEmailReplyTo, acceptLanguage: "nl-BE,nl;q=0.9")
        == index.explain(.missingEmailReplyTo, in: .nl))
    #expect(
      index.explain(.missingEmailReplyTo, acceptLanguage: "fr")
        == index.explain(.missingEmailReplyTo, in: .en))
  }

  @Test func engineResultIsExplainedWithItsParametersFilledIn() throws {
    var engine = FlowEngine(clock: ManualClock())
    let flow = try engine.createFlow(
      FlowDefinition(name: "x", steps: [Step(id: "mail", .sendEmail(SendEmail(subject: "Hi")))]))
    do {
      try engine.start(flow.id)
      Issue.record("start should be refused")
    } catch {
      let explanations = error.reasons.map { index.explain($0, in: .sv) }
      #expect(explanations.map(\.code) == ["FD1001", "FD1002", "FD1004"])
      #expect(explanations[1].message.contains("emailReplyTo"))
      #expect(!explanations[1].message.contains("{setting}"))
      #expect(explanations[1].language == .sv)
      #expect(explanations[1].helpPath == "/help/sv/flow-run-pause-end#FD1002")
    }
  }

  @Test func missingSectionFallsBackToEnglishAndSaysSo() throws {
    let copy = try Paths.copyOfContent()
    defer { try? FileManager.default.removeItem(at: copy.root) }
    let file = copy.content.appendingPathComponent("sv/flow-run-pause-end.md")
    try Paths.replace("id=\"FD1002\"", with: "id=\"not-a-code\"", in: file)
    let (index, _) = HelpIndex.load(content: copy.content, locales: copy.locales)
    let explanation = index.explain(.missingEmailReplyTo, in: .sv)
    #expect(explanation.fallbacks == ["meaning", "resolution"])
    #expect(explanation.title == "Svarsadress saknas")
    #expect(explanation.resolution == index.explain(.missingEmailReplyTo, in: .en).resolution)
  }

  @Test(arguments: Language.allCases)
  func everyStatusHasItsLabel(language: Language) {
    let states = index.states(in: language)
    #expect(states.count == FlowStatus.allCases.count + ParticipantStatus.allCases.count)
    #expect(states.allSatisfy { !$0.isFallback && !$0.label.isEmpty })
  }
}
