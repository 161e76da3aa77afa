import Localization
import Testing

@Suite("Language negotiation")
struct NegotiationTests {
  @Test func explicitLanguageWins() throws {
    let result = try LanguageNegotiation.negotiate(explicit: "sv", acceptLanguage: "nl")
    #expect(result == NegotiatedLanguage(language: .sv, source: .explicit))
  }

  @Test func acceptLanguageIsOrderedByQuality() throws {
    let result = try LanguageNegotiation.negotiate(acceptLanguage: "fr;q=0.9, nl;q=0.5, sv;q=0.8")
    #expect(result == NegotiatedLanguage(language: .sv, source: .acceptLanguage))
  }

  @Test func tabsAroundParametersAreWhiteSpace() throws {
    #expect(try LanguageNegotiation.negotiate(acceptLanguage: "nl\t;q=0.5, sv;q=0.4").language == .nl)
    #expect(try LanguageNegotiation.negotiate(acceptLanguage: "sv;q=0.9\t, nl;q=0.1").language == .sv)
    #expect(try LanguageNegotiation.negotiate(acceptLanguage: "en;\tq=0.1,\tnl;q=0.9").language == .nl)
  }

  @Test func regionalTagFallsBackToItsLanguage() throws {
    #expect(try LanguageNegotiation.negotiate(acceptLanguage: "nl-BE").language == .nl)
    #expect(try LanguageNegotiation.negotiate(acceptLanguage: "sv-FI").language == .sv)
    #expect(try LanguageNegotiation.negotiate(explicit: "nl-BE").language == .nl)
  }

  @Test func unsupportedLanguageFallsBackToEnglish() throws {
    #expect(
      try LanguageNegotiation.negotiate(acceptLanguage: "fr")
        == NegotiatedLanguage(language: .en, source: .fallback))
    #expect(try LanguageNegotiation.negotiate(explicit: "fr").language == .en)
    #expect(try LanguageNegotiation.negotiate().language == .en)
  }

  @Test func qualityZeroRefusesALanguage() throws {
    #expect(try LanguageNegotiation.negotiate(acceptLanguage: "nl;q=0, *;q=0.5").language == .en)
    #expect(try LanguageNegotiation.negotiate(acceptLanguage: "en;q=0, nl;q=0, *").language == .sv)
  }

  @Test func malformedAcceptLanguageEntriesAreIgnored() throws {
    #expect(try LanguageNegotiation.negotiate(acceptLanguage: "!!, nl;q=abc, sv;q=0.3").language == .sv)
  }

  @Test func acceptLanguageParsingHandlesCaseSpacesAndDecimals() {
    #expect(LanguageNegotiation.bestMatch(acceptLanguage: "  NL-be ; q=0.875 , sv;q=0.874") == .nl)
    #expect(
      LanguageNegotiation.bestMatch(acceptLanguage: "sv;q=1.0, nl") == .sv, "ties keep the header's order")
    #expect(
      LanguageNegotiation.bestMatch(acceptLanguage: "nl;q=1.5, sv;q=0.1") == .sv, "q above 1 is malformed")
    #expect(
      LanguageNegotiation.bestMatch(acceptLanguage: "nl;q=0.1234, sv;q=0.1") == .sv,
      "more than three decimals")
    #expect(LanguageNegotiation.bestMatch(acceptLanguage: "") == nil)
    #expect(LanguageNegotiation.bestMatch(acceptLanguage: ",,;;") == nil)
    #expect(LanguageNegotiation.bestMatch(acceptLanguage: "de-DE, fr;q=0.8") == nil)
    #expect(LanguageNegotiation.bestMatch(acceptLanguage: "en;level=1;q=0.4, sv;q=0.3") == .en)
  }

  @Test func invalidExplicitTagIsAnError() {
    #expect(throws: InvalidLanguageTag.self) { try LanguageNegotiation.negotiate(explicit: "not a tag!") }
  }

  @Test func languageTagsAreCheckedForShape() {
    #expect(LanguageTag("zh-Hant-TW")?.language == "zh")
    #expect(LanguageTag("NL-be")?.supported == .nl)
    #expect(LanguageTag("n") == nil)
    #expect(LanguageTag("nl--BE") == nil)
    #expect(LanguageTag("nl_BE") == nil)
  }
}
