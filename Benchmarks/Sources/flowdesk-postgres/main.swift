// The engine on PostgreSQL, for BENCHMARKS.md. Against a database URL (an empty database):
//   flowdesk-postgres ratio URL [participants]     engine vs a plain batched INSERT, one run
//   flowdesk-postgres scale URL N NODES [batch]     N participants x 5 steps, NODES processes
// `scale` enrolls in this process, then starts NODES processes of itself (`node URL batch`),
// each a host with its own scheduler loop on the shared database, and times them to the end.
import BenchmarkSupport
import FlowEngine
import FlowStore
import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
  import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
  FileHandle.standardError.write(Data("usage: flowdesk-postgres ratio|scale|node URL ...\n".utf8))
  exit(2)
}
let mode = arguments[1]
let url = arguments[2]
var quiet = Logger(label: "bench")
quiet.logLevel = .error

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Advances every due participant: two passes, an hour apart on this process's clock.
func advanceAll(_ host: FlowHost, clock: ManualClock, batch: Int) async throws {
  try await host.runDue(batchSize: batch)
  clock.advance(by: 3600)
  try await host.runDue(batchSize: batch)
}

func enroll(_ host: FlowHost, count: Int, batch: Int) async throws -> String {
  let id = try await host.perform { try Workload.startFlow(in: &$0) }
  for start in stride(from: 0, to: count, by: batch) {
    let range = start..<min(start + batch, count)
    let flowId = id
    try await host.perform { try Workload.enroll(range, in: flowId, engine: &$0) }
  }
  return id
}

switch mode {
case "ratio":
  let count = arguments.count > 3 ? Int(arguments[3]) ?? 20_000 : 20_000
  let clock = ManualClock()
  let store = try await PostgresFlowStore(url: url, logger: quiet)
  let host = try FlowHost(store: store, clock: clock, logger: quiet)
  _ = try await enroll(host, count: count, batch: 1_000)
  let engineStart = ContinuousClock.now
  try await advanceAll(host, clock: clock, batch: 1_000)
  let engine = ContinuousClock.now - engineStart

  // The ceiling: the same number of participant rows (five per participant, one per step
  // taken), inserted in batches of 1,000 with multi-row INSERTs, a transaction per batch.
  let connection = try await PostgresConnection.connect(
    configuration: try PostgresFlowStore.connectionConfiguration(url: url), id: 1, logger: quiet)
  try await connection.query(
    """
    CREATE TABLE plain_rows (flow_id text, contact_id text, status text, step_id text, due double precision,
      enrolled_at double precision, attempt integer, waiting boolean, email_claim text, schedule_token bigint,
      PRIMARY KEY (flow_id, contact_id))
    """, logger: quiet)
  let rows = count * 5
  let plainStart = ContinuousClock.now
  for start in stride(from: 0, to: rows, by: 1_000) {
    var bindings = PostgresBindings(capacity: 10_000)
    var values: [String] = []
    for n in start..<min(start + 1_000, rows) {
      let base = bindings.count
      values.append("(" + (1...10).map { "$\(base + $0)" }.joined(separator: ",") + ")")
      bindings.append("flow-1")
      bindings.append("c\(n)")
      bindings.append("active")
      bindings.append("mail")
      bindings.append(Double(n))
      bindings.append(Double(n))
      bindings.append(1)
      bindings.append(false)
      bindings.append("c\(n)@example.com")
      bindings.append(Int64(n))
    }
    try await connection.query("BEGIN", logger: quiet)
    try await connection.query(
      PostgresQuery(
        unsafeSQL: "INSERT INTO plain_rows VALUES " + values.joined(separator: ","), binds: bindings),
      logger: quiet)
    try await connection.query("COMMIT", logger: quiet)
  }
  let plain = ContinuousClock.now - plainStart
  try await connection.close() as Void
  let engineRate = Double(count * 5) / seconds(engine)
  let plainRate = Double(rows) / seconds(plain)
  print(
    "engine: \(count) x 5 in \(engine) = \(Int(engineRate)) participant-steps/s; "
      + "plain INSERT: \(rows) rows in \(plain) = \(Int(plainRate)) rows/s; "
      + "ratio \(String(format: "%.0f", 100 * engineRate / plainRate))%")

case "scale":
  let count = Int(arguments[3]) ?? 100_000
  let nodes = Int(arguments[4]) ?? 1
  let batch = arguments.count > 5 ? Int(arguments[5]) ?? 5_000 : 5_000
  let clock = ManualClock()
  let host = try FlowHost(
    store: try await PostgresFlowStore(url: url, logger: quiet), clock: clock, logger: quiet)
  let enrollStart = ContinuousClock.now
  let id = try await enroll(host, count: count, batch: batch)
  let enrolled = ContinuousClock.now - enrollStart
  let advanceStart = ContinuousClock.now
  let processes = try (0..<nodes).map { _ in
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["node", url, String(batch)]
    try process.run()
    return process
  }
  for process in processes { process.waitUntilExit() }
  let advanced = ContinuousClock.now - advanceStart
  let finished = try await host.read { (try? $0.participantCounts(in: id)[.finished]) ?? 0 }
  print(
    "participants=\(count) nodes=\(nodes) finished=\(finished) enroll=\(enrolled) advance=\(advanced) "
      + "participant-steps/s=\(Int(Double(count * 5) / seconds(advanced)))")

case "node":
  let batch = Int(arguments[3]) ?? 5_000
  let clock = ManualClock()
  let host = try FlowHost(
    store: try await PostgresFlowStore(url: url, logger: quiet), clock: clock, logger: quiet)
  try await advanceAll(host, clock: clock, batch: batch)

default:
  FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
  exit(2)
}
