import ArgumentParser
import Foundation
import HelpContent
import Localization

/// Where content and catalogs come from; by default the working directory's, else the
/// release folder's (see `ContentLocation`).
struct ContentOptions: ParsableArguments {
  @Option(help: "A folder of help articles (default: ./content, else content/ beside the executable).")
  var content: String?

  @Option(help: "A folder of XLIFF catalogs (default: ./locales, else locales/ beside the executable).")
  var locales: String?

  var contentURL: URL { ContentLocation.content(content) }
  var localesURL: URL { ContentLocation.locales(locales) }

  /// Loads and indexes content; problems are noted on standard error, not fatal.
  func loadIndex() -> HelpIndex {
    let (index, problems) = HelpIndex.load(content: contentURL, locales: localesURL)
    if !problems.isEmpty {
      printError(
        "note: the help content has \(problems.count) problem(s); run `flowdesk docs check` for the list")
    }
    return index
  }
}

/// A language option: a BCP 47 tag whose language Flowdesk has content for.
func supportedLanguage(_ text: String?) throws -> Language {
  guard let text else { return .en }
  guard let tag = LanguageTag(text) else {
    printError("error: \"\(text)\" is not a language tag; use en, nl or sv")
    throw ExitCode(2)
  }
  guard let language = tag.supported else {
    printError("error: there is no content in \"\(text)\"; use en, nl or sv")
    throw ExitCode(2)
  }
  return language
}

func printJSON<T: Encodable>(_ value: T) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
