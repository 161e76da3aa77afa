import ArgumentParser
import Foundation
import Localization

struct Locales: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Work with the XLIFF catalogs.", discussion: CatalogStatus.whereEnglishLives,
    subcommands: [Export.self, Status.self, Review.self, Termbase.self])

  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Regenerate nl.xliff and sv.xliff from the registry's English strings, keeping translations.",
      discussion: """
        A translation whose English source changed is kept and marked needs-review-translation;
        a new string gets an empty target with state new; strings no longer in the registry are dropped.
        A current translation that waits for no review is written approved="yes" (XLIFF's mark of a
        final translation, which translators' editors read).
        \(CatalogStatus.whereEnglishLives)
        """)

    @Option(help: "A folder of XLIFF catalogs (default: ./locales, else locales/ beside the executable).")
    var locales: String?

    func run() throws {
      let folder = ContentLocation.locales(locales)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      print(CatalogStatus.whereEnglishLives)
      for language in Language.allCases where language != .en {
        let file = folder.appendingPathComponent("\(language.rawValue).xliff")
        var existing: Catalog?
        if FileManager.default.fileExists(atPath: file.path) {
          do {
            existing = try XLIFF.read(file)
          } catch {
            printError("error: \(error); not overwriting it")
            throw ExitCode(2)
          }
        }
        let (xml, report) = XLIFF.export(language: language, existing: existing)
        try Data(xml.utf8).write(to: file, options: .atomic)
        print(
          "\(file.lastPathComponent): \(report.kept) kept, \(report.added.count) new, "
            + "\(report.needsReview.count) need review, \(report.dropped.count) dropped")
        for change in report.changes {
          print(
            "  needs review: "
              + CatalogStatus.changedMessage(
                change.id, english: change.english, translatedFrom: change.translatedFrom))
        }
        for id in report.added { print("  new: \(id)") }
        for id in report.dropped { print("  dropped: \(id)") }
      }
    }
  }

  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Report, per language, the strings missing, obsolete, changed or waiting for review.",
      discussion: """
        Exits 1 when a string is missing in some language (or a catalog is missing), 2 when a
        catalog cannot be read, and 0 otherwise: obsolete, changed and needs-review strings are
        reported but do not fail.
        """)

    @Option(help: "A folder of XLIFF catalogs (default: ./locales, else locales/ beside the executable).")
    var locales: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(
      name: .customLong("lang"), help: "Only this language (repeatable; default: every catalog language).")
    var languages: [String] = []

    func run() throws {
      let folder = ContentLocation.locales(locales)
      var selected = Language.allCases.filter { $0 != .en }
      if !languages.isEmpty {
        selected = try languages.map { try supportedLanguage($0) }.filter { $0 != .en }
      }
      var reports: [CatalogStatus] = []
      var unreadable = false
      for language in selected {
        let url = folder.appendingPathComponent("\(language.rawValue).xliff")
        let name = "locales/\(language.rawValue).xliff"
        var catalog: Catalog?
        if FileManager.default.fileExists(atPath: url.path) {
          do {
            catalog = try XLIFF.read(url, displayName: name)
          } catch {
            printError("error: \(error)")
            unreadable = true
            continue
          }
        }
        reports.append(CatalogStatus(language: language, catalog: catalog, file: name))
      }
      switch format {
      case .json:
        try printJSON(reports)
      case .text:
        for report in reports { print(Self.text(report)) }
      }
      if unreadable { throw ExitCode(2) }
      if reports.contains(where: { !$0.missing.isEmpty }) { throw ExitCode(1) }
    }

    /// compare-locales' layout: the file, then each string with `+` missing, `-` obsolete,
    /// `~` changed, `?` waiting for review, then the counts.
    static func text(_ report: CatalogStatus) -> String {
      var lines = [report.language.rawValue, "  \(report.file)"]
      func place(_ entry: CatalogStatus.Entry) -> String { entry.line.map { "  (line \($0))" } ?? "" }
      for entry in report.missing {
        lines.append("      +\(entry.id)  // missing: \"\(entry.english ?? "")\"\(place(entry))")
      }
      for entry in report.obsolete {
        lines.append("      -\(entry.id)  // obsolete: no longer in the registry\(place(entry))")
      }
      for entry in report.changed {
        lines.append(
          "      ~\(entry.id)  // changed: "
            + CatalogStatus.changedMessage(
              entry.id, english: entry.english ?? "", translatedFrom: entry.translatedFrom ?? "")
            + place(entry))
      }
      for entry in report.needsReview {
        lines.append("      ?\(entry.id)  // needs review\(place(entry))")
      }
      lines.append(
        "\(report.language.rawValue): \(report.total) strings, \(report.translated) translated "
          + "(\(report.percentTranslated)%), \(report.missing.count) missing, \(report.obsolete.count) obsolete, "
          + "\(report.changed.count) changed, \(report.needsReview.count) need review")
      return lines.joined(separator: "\n")
    }
  }

  struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Mark translated strings reviewed: state translated, approved, made from the English of now.",
      discussion: """
        For a string marked for review (by export, or fuzzy in an editor), or whose English changed: check the
        translation against the English (flowdesk locales status shows both), correct it in the catalog
        if needed, then mark it reviewed. A string without a translation, or whose translation lost a
        {placeholder} of the English, is refused. Example: flowdesk locales review nl code.FD1002.message
        """)

    @Argument(help: "The language of the catalog: nl or sv.")
    var language: String

    @Argument(help: "The ids of the strings reviewed (trans-unit ids such as code.FD1002.message).")
    var ids: [String]

    @Option(help: "A folder of XLIFF catalogs (default: ./locales, else locales/ beside the executable).")
    var locales: String?

    func validate() throws {
      if ids.isEmpty { throw ValidationError("name at least one string id, such as code.FD1002.message") }
    }

    func run() throws {
      let language = try supportedLanguage(language)
      guard language != .en else {
        printError("error: English is the source language; it has no catalog to review")
        throw ExitCode(2)
      }
      let url = ContentLocation.locales(locales).appendingPathComponent("\(language.rawValue).xliff")
      let catalog: Catalog
      do {
        catalog = try XLIFF.read(url)
      } catch {
        printError("error: \(error)")
        throw ExitCode(2)
      }
      let reviewed: Catalog
      do {
        reviewed = try XLIFF.markReviewed(ids, in: catalog)
      } catch {
        printError("error: \(error); nothing was changed")
        throw ExitCode(2)
      }
      try Data(XLIFF.serialize(reviewed).utf8).write(to: url, options: .atomic)
      for id in ids { print("\(url.lastPathComponent): \(id) reviewed") }
    }
  }
}
