import Foundation
import Testing

/// `flowdesk locales status`, `review` and `export`, as a translator runs them, on a copy of
/// the catalogs.
@Suite("Locales command")
struct LocalesCommandTests {
  /// How many strings the bundled catalogs translate: every one the registry has.
  static let units: Int = {
    let text =
      (try? String(contentsOf: CLI.packageRoot.appendingPathComponent("locales/sv.xliff"), encoding: .utf8))
      ?? ""
    return text.components(separatedBy: "<trans-unit ").count - 1
  }()

  /// A copy of the bundled locales folder, removed by the caller.
  static func copyOfLocales() throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("flowdesk-locales-\(UUID())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let locales = root.appendingPathComponent("locales")
    try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("locales"), to: locales)
    return locales
  }

  static func replace(_ old: String, with new: String, in url: URL) throws {
    let text = try String(contentsOf: url, encoding: .utf8)
    try #require(text.contains(old), "\(old) is not in \(url.lastPathComponent)")
    try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: url)
  }

  /// The lines of one unit in a catalog, from its `<trans-unit>` to its `</trans-unit>`.
  static func unit(_ id: String, in url: URL) throws -> String {
    let text = try String(contentsOf: url, encoding: .utf8)
    let start = try #require(text.range(of: "<trans-unit id=\"\(id)\""))
    let end = try #require(text.range(of: "</trans-unit>", range: start.upperBound..<text.endIndex))
    return String(text[start.lowerBound..<end.upperBound])
  }

  @Test func statusOfTheBundledCatalogsHasNothingMissingAndExitsZero() async throws {
    let result = try await CLI.run(["locales", "status"])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("nl: "))
    #expect(result.stdout.contains("0 missing, 0 obsolete, 0 changed, 0 need review"))
  }

  @Test func statusReportsEachKindAndExitsNonZeroWhenAUnitIsMissing() async throws {
    let locales = try Self.copyOfLocales()
    defer { try? FileManager.default.removeItem(at: locales.deletingLastPathComponent()) }
    let nl = locales.appendingPathComponent("nl.xliff")
    // Missing: the unit's id is renamed, which also makes an obsolete unit.
    try Self.replace(
      "<trans-unit id=\"code.FD1002.title\"", with: "<trans-unit id=\"code.FD0002.title\"", in: nl)
    // Changed: the English the translation was made from is not the registry's.
    try Self.replace(
      "<source>Flow is already paused</source>", with: "<source>The flow is paused already</source>", in: nl)
    // Needs review.
    let message = try Self.unit("code.FD1001.message", in: nl)
    try Self.replace(
      message,
      with: message.replacingOccurrences(
        of: "state=\"translated\"", with: "state=\"needs-review-translation\""),
      in: nl)

    let result = try await CLI.run(["locales", "status", "--locales", locales.path])
    #expect(result.status == 1, "a missing unit did not fail: \(result.stdout)")
    let out = result.stdout
    #expect(out.contains("+code.FD1002.title  // missing: \"Reply-to address missing\""), "\(out)")
    #expect(out.contains("-code.FD0002.title  // obsolete"))
    #expect(
      out.contains(
        "~code.FD1104.title  // changed: the English of code.FD1104.title is now \"Flow is already paused\"; the translation was made from \"The flow is paused already\""
      ), "\(out)")
    #expect(out.contains("?code.FD1001.message  // needs review"))
    #expect(
      out.contains(
        "nl: \(Self.units) strings, \(Self.units - 3) translated (98%), 1 missing, 1 obsolete, 1 changed, 1 need review"
      ), "\(out)")
    #expect(out.contains("sv: \(Self.units) strings, \(Self.units) translated (100%), 0 missing"), "\(out)")

    // Only a changed unit, nothing missing: reported, exit 0.
    try Self.replace(
      "<trans-unit id=\"code.FD0002.title\"", with: "<trans-unit id=\"code.FD1002.title\"", in: nl)
    let json = try await CLI.run([
      "locales", "status", "--locales", locales.path, "--format", "json", "--lang", "nl",
    ])
    #expect(json.status == 0, "\(json.stdout)\(json.stderr)")
    let reports = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    #expect(reports.count == 1)
    #expect((reports.first?["changed"] as? [[String: Any]])?.first?["id"] as? String == "code.FD1104.title")
    #expect((reports.first?["missing"] as? [Any])?.isEmpty == true)
  }

  @Test func reviewMarksAStringDoneAndChangesNothingElse() async throws {
    let locales = try Self.copyOfLocales()
    defer { try? FileManager.default.removeItem(at: locales.deletingLastPathComponent()) }
    let nl = locales.appendingPathComponent("nl.xliff")
    let id = "code.FD1002.message"
    let unit = try Self.unit(id, in: nl)
    try Self.replace(
      unit,
      with: unit.replacingOccurrences(of: "state=\"translated\"", with: "state=\"needs-review-translation\""),
      in: nl)
    let before = try String(contentsOf: nl, encoding: .utf8)
    #expect(try await CLI.run(["locales", "status", "--locales", locales.path]).stdout.contains("?\(id)"))

    let result = try await CLI.run(["locales", "review", "nl", id, "--locales", locales.path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try Self.unit(id, in: nl) == unit, "the unit is not back to state translated")
    let after = try String(contentsOf: nl, encoding: .utf8)
    #expect(
      after.split(separator: "\n").count == before.split(separator: "\n").count
        && zip(after.split(separator: "\n"), before.split(separator: "\n")).filter { $0 != $1 }.count == 1,
      "review changed more than the one state")
    let status = try await CLI.run(["locales", "status", "--locales", locales.path])
    #expect(
      status.stdout.contains("nl: \(Self.units) strings, \(Self.units) translated (100%)"), "\(status.stdout)"
    )

    // A string with no translation cannot be marked reviewed; nothing is written.
    let title = try Self.unit("code.FD1003.title", in: nl)
    let emptied = title.replacingOccurrences(
      of: #"<target state="translated">[^<]*</target>"#, with: #"<target state="new"></target>"#,
      options: .regularExpression)
    try Self.replace(title, with: emptied, in: nl)
    let refused = try await CLI.run([
      "locales", "review", "nl", "code.FD1003.title", "--locales", locales.path,
    ])
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("has no translation to review"))
    #expect(try Self.unit("code.FD1003.title", in: nl) == emptied)
  }

  @Test func exportSaysWhereTheEnglishLivesAndDescribesAChangeFromOldToNew() async throws {
    let locales = try Self.copyOfLocales()
    defer { try? FileManager.default.removeItem(at: locales.deletingLastPathComponent()) }
    // The catalog's translation was made from other English than the registry has now.
    try Self.replace(
      "<source>Reply-to address missing</source>", with: "<source>Reply-to address is missing</source>",
      in: locales.appendingPathComponent("sv.xliff"))
    let result = try await CLI.run(["locales", "export", "--locales", locales.path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("Sources/FlowEngine/Codes/FlowCode+Definition.swift"))
    #expect(result.stdout.contains("Sources/Localization/SourceStrings.swift"))
    #expect(
      result.stdout.contains(
        "needs review: the English of code.FD1002.title is now \"Reply-to address missing\"; the translation was made from \"Reply-to address is missing\""
      ), "\(result.stdout)")
    #expect(!result.stdout.contains("changed from \"Reply-to address missing\""))
    #expect(
      result.stdout.contains("sv.xliff: \(Self.units - 1) kept, 0 new, 1 need review, 0 dropped"),
      "\(result.stdout)")
  }
}
