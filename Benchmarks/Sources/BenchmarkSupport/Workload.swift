import FlowEngine
import Foundation

/// The engine workload shared by the benchmarks and the scale runner, so their figures
/// measure the same flow.
public enum Workload {
  /// Email, wait one hour, split, update contact, finish.
  public static let fiveStepFlow = FlowDefinition(
    name: "Five steps",
    settings: FlowSettings(
      emailFrom: "a@example.com", emailReplyTo: "b@example.com", subscriptionType: "news"),
    steps: [
      Step(id: "mail", .sendEmail(SendEmail(subject: "Hello"))),
      Step(id: "wait", .waitTime(.duration(3600))),
      Step(
        id: "split",
        .split(Split(branches: [Branch(id: "nl", condition: .property("country", .equals("NL")))]))),
      Step(id: "mark", .updateContact(UpdateContact(property: "welcomed", operation: .set("yes")))),
      Step(id: "done", .finish(Finish())),
    ])

  /// Contact number `n`: reachable, half of them Dutch.
  public static func contact(_ n: Int) -> Contact {
    Contact(
      id: "c\(n)", email: "c\(n)@example.com", consent: true, subscriptions: ["news"],
      properties: ["country": n % 2 == 0 ? "NL" : "SE"])
  }

  /// Creates and starts the five-step flow; returns its id.
  public static func startFlow(in engine: inout FlowEngine) throws -> String {
    let id = try engine.createFlow(fiveStepFlow).id
    try engine.start(id)
    return id
  }

  /// Adds contacts number `range` and enrolls each in the flow.
  public static func enroll(_ range: Range<Int>, in id: String, engine: inout FlowEngine) throws {
    for n in range {
      engine.upsertContact(contact(n))
      try engine.enroll("c\(n)", in: id)
    }
  }

  /// Runs `body` with a new temporary folder, removed afterwards.
  public static func withTemporaryFolder<R>(_ body: (URL) async throws -> R) async throws -> R {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "flowdesk-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder)
  }
}
