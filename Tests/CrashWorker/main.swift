// A worker for the crash test: sets up a flow with many participants in a data folder and
// advances them in small batches until all are done. The test kills it with SIGKILL at
// random moments and starts it again; each start resumes from what the store holds.
import FlowEngine
import FlowStore
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 3, let participants = Int(arguments[2]) else {
  FileHandle.standardError.write(Data("usage: flowdesk-crash-worker DATA-DIR PARTICIPANTS [BATCH]\n".utf8))
  exit(2)
}
let batch = arguments.count > 3 ? Int(arguments[3]) ?? 25 : 25

/// Email, email, update, email, finish: three messages per participant, no waits.
let flow = FlowDefinition(
  name: "Crash test",
  settings: FlowSettings(emailFrom: "a@example.com", emailReplyTo: "b@example.com", subscriptionType: "news"),
  steps: [
    Step(id: "first", .sendEmail(SendEmail(subject: "One"))),
    Step(id: "second", .sendEmail(SendEmail(subject: "Two"))),
    Step(id: "mark", .updateContact(UpdateContact(property: "seen", operation: .set("yes")))),
    Step(id: "third", .sendEmail(SendEmail(subject: "Three"))),
    Step(id: "done", .finish(Finish())),
  ])

do {
  let directory = try DataDirectory(path: arguments[1])
  let store = try SQLiteFlowStore(path: directory.databaseURL.path)
  let host = try FlowHost(store: store, clock: ManualClock(Date(timeIntervalSince1970: 1_767_258_000)))
  let flowId = try await host.perform { engine in
    if let id = engine.flowIds.first { return id }
    let id = try engine.createFlow(flow).id
    try engine.start(id)
    return id
  }
  // Enrollment is resumable too: enroll whoever is not a participant yet, 200 per transaction.
  var next = 0
  while next < participants {
    let range = next..<min(next + 200, participants)
    _ = try await host.perform { engine in
      for n in range where (try? engine.participant("c\(n)", in: flowId)) == nil {
        engine.upsertContact(
          Contact(id: "c\(n)", email: "c\(n)@example.com", consent: true, subscriptions: ["news"]))
        try engine.enroll("c\(n)", in: flowId)
      }
    }
    next = range.upperBound
  }
  while try await host.runDue(batchSize: batch, maxBatches: 1).moreDue {}
  print("done")
} catch {
  FileHandle.standardError.write(Data("crash worker: \(error)\n".utf8))
  exit(1)
}
