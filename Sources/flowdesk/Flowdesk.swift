import ArgumentParser

@main
struct Flowdesk: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flowdesk",
    abstract:
      "A marketing-automation flow engine whose every state and error is explained in English, Dutch and Swedish.",
    subcommands: [Serve.self, Codes.self, Explain.self, Search.self, States.self, Docs.self, Locales.self]
  )
}
