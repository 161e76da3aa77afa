import ArgumentParser
import HelpContent

struct States: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every flow and participant status with its label in a language.")

  @Option(help: "The language of the labels: en, nl or sv.")
  var lang: String?

  @Option(help: "Output format: text or json.")
  var format: OutputFormat = .text

  @OptionGroup var source: ContentOptions

  func run() throws {
    let language = try supportedLanguage(lang)
    let states = source.loadIndex().states(in: language)
    switch format {
    case .json: try printJSON(states)
    case .text:
      for state in states {
        let kind = state.kind.padding(toLength: 12, withPad: " ", startingAt: 0)
        let code = state.code.padding(toLength: 20, withPad: " ", startingAt: 0)
        print("\(kind)\(code)\(state.label)\(state.isFallback ? "  [English]" : "")")
      }
    }
  }
}
