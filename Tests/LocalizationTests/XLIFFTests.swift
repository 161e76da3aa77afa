import Foundation
import Localization
import Testing

@Suite("XLIFF catalogs")
struct XLIFFTests {
  func xliff(_ units: String, language: String = "nl", prologue: String = "") -> Data {
    Data(
      """
      <?xml version="1.0" encoding="UTF-8"?>
      \(prologue)<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
        <file original="flowdesk" source-language="en" target-language="\(language)" datatype="plaintext">
          <body>
      \(units)
          </body>
        </file>
      </xliff>
      """.utf8)
  }

  @Test func catalogUnitsAreRead() throws {
    let catalog = try XLIFF.parse(
      xliff(
        """
            <trans-unit id="flowStatus.paused">
              <source>Paused</source>
              <target state="translated">Gepauzeerd</target>
            </trans-unit>
        """), displayName: "nl.xliff")
    #expect(catalog.language == .nl)
    #expect(catalog.unit("flowStatus.paused")?.translation == "Gepauzeerd")
    #expect(catalog.unit("flowStatus.paused")?.line == 5)
  }

  @Test func externalEntityDoctypeIsRefused() {
    let evil = xliff("", prologue: "<!DOCTYPE x SYSTEM \"file:///etc/passwd\">\n")
    #expect {
      try XLIFF.parse(evil, displayName: "evil.xliff")
    } throws: { error in
      let error = error as? CatalogError
      return error?.line == 2 && error?.reason.contains("DOCTYPE") == true
    }
  }

  @Test func entityExpansionBombIsRefusedQuickly() {
    var entities = "<!ENTITY lol \"lol\">\n"
    for level in 1...9 {
      let previous = level == 1 ? "lol" : "lol\(level - 1)"
      entities += "<!ENTITY lol\(level) \"\(String(repeating: "&\(previous);", count: 10))\">\n"
    }
    let bomb = xliff(
      "<trans-unit id=\"x\"><source>&lol9;</source></trans-unit>",
      prologue: "<!DOCTYPE xliff [\n\(entities)]>\n")
    #expect(throws: CatalogError.self) { try XLIFF.parse(bomb, displayName: "bomb.xliff") }
  }

  @Test func malformedCatalogNamesFileAndLine() {
    let broken = xliff("      <trans-unit id=\"a\"><source>Open</target></trans-unit>")
    #expect {
      try XLIFF.parse(broken, displayName: "nl.xliff")
    } throws: { error in
      let error = error as? CatalogError
      return error?.file == "nl.xliff" && error?.line == 5
        && error?.reason.contains("not well-formed") == true
    }
  }

  @Test func exportKeepsTranslationsAndMarksChangedSourcesForReview() throws {
    let old = try XLIFF.parse(
      xliff(
        """
            <trans-unit id="a"><source>Open</source><target state="translated">Open (nl)</target></trans-unit>
            <trans-unit id="b"><source>Old text</source><target state="translated">Oude tekst</target></trans-unit>
            <trans-unit id="gone"><source>Gone</source><target state="translated">Weg</target></trans-unit>
        """), displayName: "nl.xliff")
    let (xml, report) = XLIFF.export(
      language: .nl, existing: old, sources: [("a", "Open"), ("b", "New text"), ("c", "Added & new")])
    let regenerated = try XLIFF.parse(Data(xml.utf8), displayName: "nl.xliff")
    #expect(regenerated.unit("a")?.translation == "Open (nl)")
    #expect(regenerated.unit("a")?.state == "translated")
    #expect(regenerated.unit("b")?.translation == "Oude tekst")
    #expect(regenerated.unit("b")?.source == "New text")
    #expect(regenerated.unit("b")?.state == "needs-review-translation")
    #expect(regenerated.unit("c")?.source == "Added & new")
    #expect(regenerated.unit("c")?.state == "new")
    #expect(regenerated.unit("gone") == nil)
    #expect(
      report.kept == 1 && report.needsReview == ["b"] && report.added == ["c"] && report.dropped == ["gone"])
  }

  @Test func missingTranslationFallsBackToEnglishForThatStringOnly() throws {
    let catalog = try XLIFF.parse(
      xliff(
        """
            <trans-unit id="flowStatus.paused"><source>Paused</source><target state="translated">Gepauzeerd</target></trans-unit>
        """), displayName: "nl.xliff")
    let localizer = Localizer(catalogs: [catalog])
    #expect(
      localizer.label(.paused, in: .nl)
        == LocalizedString(text: "Gepauzeerd", language: .nl, isFallback: false))
    #expect(
      localizer.label(.running, in: .nl) == LocalizedString(text: "Running", language: .en, isFallback: true))
  }

  @Test func bundledCatalogsTranslateEveryString() throws {
    let locales = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("locales")
    let (localizer, errors) = Localizer.load(from: locales)
    #expect(errors.isEmpty, "\(errors)")
    for language in [Language.nl, .sv] {
      for (id, _) in SourceStrings.all {
        let string = localizer.string(id, in: language)
        #expect(string?.isFallback == false, "\(id) has no \(language) translation")
      }
    }
  }
}
