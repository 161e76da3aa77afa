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

  struct Output: Encodable {
    struct ArticleOutput: Encodable {
      let uid: String
      let title: String
      let anchor: String
    }
    let code: String
    let kind: String
    let title: String
    let message: String
    let meaning: String
    let resolution: [String]
    let article: ArticleOutput?
    let language: String
    let fallbacks: [String]
    let retired: Bool
  }

  func run() throws {
    guard let flowCode = FlowCode(lookup: code) else {
      printError("error: \(code) is not a Flowdesk code; `flowdesk codes` lists them all")
      throw ExitCode(2)
    }
    let language = try supportedLanguage(lang)
    let explanation = source.loadIndex().explain(flowCode, in: language)
    switch format {
    case .json:
      try printJSON(
        Output(
          code: explanation.code, kind: explanation.kind, title: explanation.title,
          message: explanation.message,
          meaning: explanation.meaning, resolution: explanation.resolution,
          article: explanation.article.map {
            Output.ArticleOutput(uid: $0.uid, title: $0.title, anchor: $0.anchor)
          },
          language: explanation.language.rawValue, fallbacks: explanation.fallbacks,
          retired: explanation.retired))
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
      if !explanation.fallbacks.isEmpty {
        print("")
        print("[not yet translated, shown in English: \(explanation.fallbacks.joined(separator: ", "))]")
      }
    }
  }
}
