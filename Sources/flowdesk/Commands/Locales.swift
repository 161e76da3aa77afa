import ArgumentParser
import Foundation
import Localization

struct Locales: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Work with the XLIFF catalogs.", subcommands: [Export.self, Termbase.self])

  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Regenerate nl.xliff and sv.xliff from the registry's English strings, keeping translations.",
      discussion: """
        A translation whose English source changed is kept and marked needs-review-translation;
        a new string gets an empty target with state new; strings no longer in the registry are dropped.
        """)

    @Option(help: "A folder of XLIFF catalogs (default: the bundled locales/).")
    var locales: String?

    func run() throws {
      let folder = ContentLocation.locales(locales)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
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
      }
    }
  }
}
