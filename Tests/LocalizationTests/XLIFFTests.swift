import Foundation
import Localization
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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

  /// A text in one of the encodings XML allows, with or without its byte order mark.
  enum Encoded: CaseIterable, CustomStringConvertible {
    case utf16LE, utf16BE, utf32LE, utf32BE

    var description: String { "\(self == .utf16LE || self == .utf16BE ? "UTF-16" : "UTF-32")" }

    func bytes(_ text: String, mark: Bool) -> Data {
      var out: [UInt8] = []
      switch self {
      case .utf16LE, .utf16BE:
        let units = (mark ? [UInt16(0xFEFF)] : []) + Array(text.utf16)
        for unit in units {
          let (high, low) = (UInt8(unit >> 8), UInt8(unit & 0xFF))
          out += self == .utf16LE ? [low, high] : [high, low]
        }
      case .utf32LE, .utf32BE:
        let scalars = (mark ? [UInt32(0xFEFF)] : []) + text.unicodeScalars.map(\.value)
        for scalar in scalars {
          let big = [24, 16, 8, 0].map { UInt8((scalar >> UInt32($0)) & 0xFF) }
          out += self == .utf32LE ? big.reversed() : big
        }
      }
      return Data(out)
    }
  }

  func xliffText(_ units: String, encoding: String, prologue: String = "") -> String {
    String(
      decoding: xliff(units, prologue: prologue), as: UTF8.self
    ).replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"\(encoding)\"")
  }

  @Test(arguments: Encoded.allCases, [true, false])
  func doctypeInAUTF16OrUTF32CatalogIsRefusedByTheScan(encoding: Encoded, mark: Bool) {
    let text = xliffText(
      "", encoding: encoding.description, prologue: "<!DOCTYPE x SYSTEM \"http://example.invalid/x.dtd\">\n")
    #expect {
      try XLIFF.parse(encoding.bytes(text, mark: mark), displayName: "nl.xliff")
    } throws: { error in
      // The scan's refusal names the file, the line of the DOCTYPE and the encoding; libxml2's
      // own check, after parsing, could only say line 1.
      let error = error as? CatalogError
      return error?.file == "nl.xliff" && error?.line == 2
        && error?.reason.contains("external entities and entity expansion are refused") == true
        && error?.reason.contains(encoding.description) == true
    }
  }

  @Test(arguments: Encoded.allCases, [true, false])
  func entityInAUTF16OrUTF32CatalogIsRefusedByTheScan(encoding: Encoded, mark: Bool) {
    let text = xliffText(
      "<trans-unit id=\"x\"><source>&lol;</source></trans-unit>", encoding: encoding.description,
      prologue: "<!DOCTYPE xliff [\n<!ENTITY lol \"lol\">\n]>\n")
    #expect {
      try XLIFF.parse(encoding.bytes(text, mark: mark), displayName: "sv.xliff")
    } throws: { error in
      let error = error as? CatalogError
      return error?.file == "sv.xliff" && error?.line == 2
        && error?.reason.contains("external entities and entity expansion are refused") == true
    }
  }

  @Test(arguments: Encoded.allCases, [true, false])
  func utf16AndUTF32CatalogsAreRead(encoding: Encoded, mark: Bool) throws {
    let text = xliffText(
      """
          <trans-unit id="flowStatus.paused">
            <source>Paused</source>
            <target state="translated">Pausat – väntar</target>
          </trans-unit>
      """, encoding: encoding.description)
    let catalog = try XLIFF.parse(encoding.bytes(text, mark: mark), displayName: "sv.xliff")
    #expect(catalog.unit("flowStatus.paused")?.translation == "Pausat – väntar")
    #expect(catalog.unit("flowStatus.paused")?.line == 5)
  }

  @Test func catalogInAnEncodingThatIsNotReadIsRefused() {
    // UTF-7 would spell `<!DOCTYPE` as `+ADw-!DOCTYPE`, past any byte scan.
    let text = xliffText(
      "", encoding: "UTF-7", prologue: "+ADw-!DOCTYPE x SYSTEM \"http://example.invalid/x.dtd\"+AD4-\n")
    #expect {
      try XLIFF.parse(Data(text.utf8), displayName: "nl.xliff")
    } throws: { error in
      let error = error as? CatalogError
      return error?.file == "nl.xliff" && error?.reason.contains("UTF-7") == true
    }
  }

  /// Runs `body` with standard error (file descriptor 2) sent to a pipe, and returns what was
  /// written there.
  func capturingStandardError(_ body: () -> Void) throws -> String {
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    let saved = dup(2)
    fflush(nil)
    dup2(ends[1], 2)
    body()
    fflush(nil)
    dup2(saved, 2)
    close(saved)
    close(ends[1])
    let captured = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true).readDataToEndOfFile()
    return String(decoding: captured, as: UTF8.self)
  }

  @Test func libxml2MessagesGoToTheCatalogErrorNotStandardError() throws {
    // A file name no other test uses: whatever else writes to standard error meanwhile, only
    // libxml2's report on this parse would name it.
    let name = "probe-\(UUID().uuidString).xliff"
    let broken = xliff("      <trans-unit id=\"a\"><source>Open</target></trans-unit>")
    var caught: CatalogError?
    let written = try capturingStandardError {
      do throws(CatalogError) { _ = try XLIFF.parse(broken, displayName: name) } catch { caught = error }
    }
    #expect(!written.contains(name), "libxml2 wrote to standard error: \(written)")
    let error = try #require(caught)
    #expect(error.file == name && error.line == 5)
    #expect(error.reason.contains("Opening and ending tag mismatch"), "\(error.reason)")
  }

  @Test func refusedCatalogIsRecordedForItsLanguage() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "flowdesk-xliff-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try xliff("", prologue: "<!DOCTYPE x SYSTEM \"http://example.invalid/x.dtd\">\n").write(
      to: folder.appendingPathComponent("nl.xliff"))
    try xliff("", language: "sv").write(to: folder.appendingPathComponent("sv.xliff"))
    let (localizer, errors) = Localizer.load(from: folder)
    #expect(errors.map(\.file) == ["locales/nl.xliff"])
    #expect(localizer.catalogUnavailable(for: .nl)?.file == "locales/nl.xliff")
    #expect(localizer.catalogUnavailable(for: .nl)?.reason.contains("DOCTYPE") == true)
    #expect(localizer.catalogUnavailable(for: .sv) == nil)
    #expect(localizer.catalogUnavailable(for: .en) == nil)
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

  /// XLIFF 1.2 marks a final translation `approved="yes"`; translate-toolkit, and the editors
  /// built on it, read a translation without it as fuzzy (`.ci/read-catalogs.py` checks the
  /// bundled catalogs with translate-toolkit itself).
  @Test func exportApprovesCurrentTranslationsAndNotThoseWaitingForReview() throws {
    let old = try XLIFF.parse(
      xliff(
        """
            <trans-unit id="done"><source>Open</source><target state="translated">Open (nl)</target></trans-unit>
            <trans-unit id="changed" approved="yes"><source>Old</source><target state="translated">Oud</target></trans-unit>
            <trans-unit id="fuzzy" approved="no"><source>Shut</source><target state="needs-translation">Dicht</target></trans-unit>
            <trans-unit id="unapproved" approved="no"><source>Left</source><target state="translated">Links</target></trans-unit>
            <trans-unit id="empty"><source>Right</source><target state="new"></target></trans-unit>
        """), displayName: "nl.xliff")
    let (xml, report) = XLIFF.export(
      language: .nl, existing: old,
      sources: [
        ("done", "Open"), ("changed", "New"), ("fuzzy", "Shut"), ("unapproved", "Left"), ("empty", "Right"),
      ])
    let units = Dictionary(
      uniqueKeysWithValues: try XLIFF.parse(Data(xml.utf8), displayName: "nl.xliff").units.map { ($0.id, $0) }
    )
    #expect(units["done"]?.approved == true && units["done"]?.needsReview == false)
    #expect(units["changed"]?.approved == nil && units["changed"]?.state == "needs-review-translation")
    // An editor's fuzzy mark stays as it wrote it; `approved="no"` alone becomes a state.
    #expect(units["fuzzy"]?.approved == nil && units["fuzzy"]?.state == "needs-translation")
    #expect(units["unapproved"]?.approved == nil && units["unapproved"]?.state == "needs-review-translation")
    #expect(units["empty"]?.approved == nil && units["empty"]?.state == "new")
    #expect(report.kept == 4 && report.needsReview == ["changed"])
    #expect(xml.contains(#"<trans-unit id="done" approved="yes">"#))
  }

  @Test func anEditorsFuzzyMarkCountsAsWaitingForReviewUntilReviewed() throws {
    let catalog = try XLIFF.parse(
      xliff(
        """
            <trans-unit id="flowStatus.paused" approved="yes"><source>Paused</source><target state="translated">Gepauzeerd</target></trans-unit>
            <trans-unit id="flowStatus.running" approved="no"><source>Running</source><target state="needs-translation">Loopt</target></trans-unit>
            <trans-unit id="flowStatus.notRunning" approved="no"><source>Not running</source><target state="translated">Loopt niet</target></trans-unit>
        """), displayName: "nl.xliff")
    let sources = [
      ("flowStatus.paused", "Paused"), ("flowStatus.running", "Running"),
      ("flowStatus.notRunning", "Not running"),
    ]
    let status = CatalogStatus(language: .nl, catalog: catalog, file: "locales/nl.xliff", sources: sources)
    #expect(status.translated == 1)
    #expect(status.needsReview.map(\.id) == ["flowStatus.running", "flowStatus.notRunning"])
    // Written back as read: the approvals, yes or no, are kept.
    let written = try XLIFF.parse(Data(XLIFF.serialize(catalog).utf8), displayName: "nl.xliff")
    #expect(written.units.map(\.approved) == [true, false, false])
    #expect(written.units.map(\.state) == catalog.units.map(\.state))
    let reviewed = try XLIFF.markReviewed(["flowStatus.running", "flowStatus.notRunning"], in: catalog)
    let after = CatalogStatus(language: .nl, catalog: reviewed, file: "locales/nl.xliff", sources: sources)
    #expect(after.translated == 3 && after.needsReview.isEmpty)
    #expect(reviewed.units.allSatisfy { $0.approved == true && $0.state == "translated" })
  }

  @Test func aTranslatorsNotesSurviveExportAndReview() throws {
    let catalog = try XLIFF.parse(
      xliff(
        """
            <trans-unit id="flowStatus.paused" approved="no" xml:space="preserve">
              <source>Paused</source>
              <target state="needs-translation">Gepauzeerd</target>
              <note from="translator">Style guide: "gepauzeerd", not "onderbroken" &amp; never &lt;stopped&gt;.</note>
              <note>Second note, no author.</note>
            </trans-unit>
        """), displayName: "nl.xliff")
    let notes = [
      Catalog.Unit.Note(
        from: "translator", text: #"Style guide: "gepauzeerd", not "onderbroken" & never <stopped>."#),
      Catalog.Unit.Note(from: nil, text: "Second note, no author."),
    ]
    #expect(catalog.unit("flowStatus.paused")?.notes == notes)
    let exported = XLIFF.export(language: .nl, existing: catalog, sources: [("flowStatus.paused", "Paused")])
      .xml
    #expect(
      try XLIFF.parse(Data(exported.utf8), displayName: "nl.xliff").unit("flowStatus.paused")?.notes == notes)
    let reviewed = try XLIFF.markReviewed(["flowStatus.paused"], in: catalog)
    let written = try XLIFF.parse(Data(XLIFF.serialize(reviewed).utf8), displayName: "nl.xliff")
    #expect(written.unit("flowStatus.paused")?.notes == notes)
    #expect(written.unit("flowStatus.paused")?.approved == true)
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
