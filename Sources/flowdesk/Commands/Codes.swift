import ArgumentParser
import FlowEngine
import Foundation

/// Output formats shared by the commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

struct Codes: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print every code in the engine's registry.")

  @Option(help: "Output format: text or json.")
  var format: OutputFormat = .text

  struct Entry: Encodable {
    let code: String
    let kind: String
    let title: String
    let message: String
    let parameters: [String]
    let retired: Bool
  }

  func run() throws {
    let entries = FlowCode.allCases.sorted().map { code in
      let definition = code.definition
      return Entry(
        code: code.id, kind: code.kind.rawValue, title: definition.title, message: definition.message,
        parameters: definition.parameters, retired: definition.isRetired)
    }
    switch format {
    case .json:
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(entries), as: UTF8.self))
    case .text:
      for entry in entries {
        let retired = entry.retired ? " (retired)" : ""
        print(
          "\(entry.code)  \(entry.kind.padding(toLength: 11, withPad: " ", startingAt: 0))  \(entry.title)\(retired)"
        )
        print("        \(entry.message)")
      }
    }
  }
}
