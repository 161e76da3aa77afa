import ArgumentParser
import FlowEngine
import Foundation
import HelpContent
import Localization

struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Explain a code: what it means and the steps to fix it, in a language.")

  @Argument(help: "The code, such as FD1002.")
  var code: String

  @Option(help: "The language of the answer: en, nl or sv (regional tags such as nl-BE work too).")
  var lang: String?

  @Option(help: "Output format: text or json.")
  var format: OutputFormat = .text

  @OptionGroup var source: ContentOptions

  func run() throws {
    guard let flowCode = FlowCode(lookup: code) else {
      printError("error: \(code) is not a Flowdesk code; `flowdesk codes` lists them all")
      throw ExitCode(2)
    }
    let language = try supportedLanguage(lang)
    let explanation = source.loadIndex().explain(flowCode, in: language)
    if let problem = explanation.catalogProblem {
      // Said on standard error in every format, so English is never passed off as the language asked for.
      printError("warning: \(problem)")
    }
    switch format {
    case .json:
      // The explanation as it is: code, kind, title, message, meaning, resolution,
      // article {uid, title, slug, anchor}, language, fallbacks, retired.
      // With `catalogProblem` {language, status, file, line, reason} when the language's
      // catalog was refused or is missing.
      try printJSON(explanation)
    case .text:
      print("\(explanation.code)  \(explanation.title)\(explanation.retired ? " (retired)" : "")")
      print(explanation.message)
      if !explanation.meaning.isEmpty {
        print("")
        print(explanation.meaning)
      }
      if !explanation.resolution.isEmpty {
        print("")
        for (number, step) in explanation.resolution.enumerated() { print("\(number + 1). \(step)") }
      }
      if let article = explanation.article {
        print("")
        print("\(article.title) (\(article.uid)#\(article.anchor))")
      }
      // A refused or missing catalog explains the title and message; anything else in
      // English is not yet translated.
      let untranslated = explanation.fallbacks.filter {
        explanation.catalogProblem == nil || !["title", "message"].contains($0)
      }
      if explanation.catalogProblem != nil || !untranslated.isEmpty { print("") }
      if let problem = explanation.catalogProblem { print("[\(problem)]") }
      if !untranslated.isEmpty {
        print("[not yet translated, shown in English: \(untranslated.joined(separator: ", "))]")
      }
    }
  }
}
