import ArgumentParser
import HelpContent
import HelpSearch

struct Search: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Search the help content: paste a message in English, Dutch or Swedish to find its code.")

  @Argument(help: "The text to search for, such as a message a customer received.")
  var text: String

  @Option(
    help: "The language of the answers: en, nl or sv. Without it, each hit is in the language it matched.")
  var lang: String?

  @Option(help: "Output format: text or json.")
  var format: OutputFormat = .text

  @Option(help: "How many results at most.")
  var limit: Int = 10

  @OptionGroup var source: ContentOptions

  struct Output: Encodable {
    let results: [SearchResult]
  }

  func run() throws {
    let language = try lang.map { try supportedLanguage($0) }
    let search = try HelpSearch(index: source.loadIndex())
    let results = try search.search(text, language: language, limit: max(1, limit))
    switch format {
    case .json: try printJSON(Output(results: results))
    case .text:
      if results.isEmpty { print("no results") }
      for result in results {
        print("\(result.code ?? "-")  \(result.title)  [\(result.language.rawValue), \(result.uid)]")
        print("    \(result.snippet)")
      }
    }
  }
}
