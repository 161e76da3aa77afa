import ArgumentParser

struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Run the Flowdesk HTTP service.")

  func run() throws {
    throw ValidationError("the HTTP service is not built yet; see the open issue for the service")
  }
}
