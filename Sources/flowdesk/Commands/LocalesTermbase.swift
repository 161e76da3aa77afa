import ArgumentParser
import Foundation
import Localization

extension Locales {
  /// `flowdesk locales termbase`: the catalogs' status labels as a TBX termbase.
  struct Termbase: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write the status labels of every catalog as a TBX termbase, for CAT tools.",
      discussion: """
        One termEntry per status (flow.running, participant.droppedOut, ...), one langSet per
        language, each label marked preferredTerm-admn-sts. flowdesk docs check --termbase
        reads the same format.
        """)

    @Option(help: "A folder of XLIFF catalogs (default: ./locales, else locales/ beside the executable).")
    var locales: String?

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    func run() throws {
      let (localizer, errors) = Localizer.load(from: ContentLocation.locales(locales))
      for error in errors { printError("warning: \(error); its labels are left out") }
      let xml = TBX.write(Localization.Termbase.flowdesk(localizer), title: "Flowdesk status terms")
      if let output {
        try Data(xml.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
      } else {
        print(xml, terminator: "")
      }
    }
  }
}
