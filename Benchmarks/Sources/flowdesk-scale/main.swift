// Runs N participants through the five-step flow on SQLite (or with `memory` after N and the
// batch size, in memory, without a store) and prints the time and the
// process's peak resident memory, for the scale figures of BENCHMARKS.md:
//   swift run -c release flowdesk-scale 1000000
import BenchmarkSupport
import FlowEngine
import FlowStore
import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#endif

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10_000 : 10_000
let batch = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 5_000 : 5_000
// `memory` as the third argument: the engine alone, every participant in memory, no store.
// `statements`: the store's own SQL for the same advance, from a plain loop, no engine;
// `ceiling`: a plain batched INSERT of N x 5 rows.
let mode = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "store"
let inMemory = mode == "memory"

func peakRSSMegabytes() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
}

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

if inMemory {
  let clock = ManualClock()
  var engine = FlowEngine(clock: clock)
  let enrollStart = ContinuousClock.now
  try Workload.enroll(0..<count, in: try Workload.startFlow(in: &engine), engine: &engine)
  let enrolled = ContinuousClock.now - enrollStart
  let advanceStart = ContinuousClock.now
  engine.advance()
  clock.advance(by: 3600)
  engine.advance()
  let advanced = ContinuousClock.now - advanceStart
  print(
    "in memory: participants=\(count) messages=\(engine.drainOutbox().count) enroll=\(enrolled) "
      + "advance=\(advanced) participant-steps/s=\(Int(Double(count * 5) / seconds(advanced))) "
      + "peakRSS=\(String(format: "%.0f", peakRSSMegabytes()))MB")
  exit(0)
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
  "flowdesk-scale-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }

if mode == "ceiling" {
  let pool = try await StoreStatements.plainTable(at: folder.appendingPathComponent("plain.sqlite").path)
  let start = ContinuousClock.now
  try await StoreStatements.plainInsert(count * 5, into: pool)
  print("ceiling: rows=\(count * 5) insert=\(ContinuousClock.now - start)")
  exit(0)
}

if mode == "statements" {
  let path = folder.appendingPathComponent("db.sqlite").path
  let enrollStart = ContinuousClock.now
  let (flow, now) = try await StoreStatements.prepare(at: path, participants: count)
  let enrolled = ContinuousClock.now - enrollStart
  let pool = try StoreStatements.open(path)
  let advanceStart = ContinuousClock.now
  try await StoreStatements.advance(pool, flow: flow, from: now, batch: batch)
  let advanced = ContinuousClock.now - advanceStart
  let finished = try pool.read {
    try Int.fetchOne($0, sql: "SELECT count(*) FROM participants WHERE status = 'finished'") ?? 0
  }
  print(
    "statements only: participants=\(count) finished=\(finished) enroll=\(enrolled) advance=\(advanced) "
      + "peakRSS=\(String(format: "%.0f", peakRSSMegabytes()))MB")
  exit(0)
}
let clock = ManualClock()
let host = try FlowHost(
  store: try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path), clock: clock)

let enrollStart = ContinuousClock.now
let id = try await host.perform { try Workload.startFlow(in: &$0) }
for start in stride(from: 0, to: count, by: batch) {
  // Values, not the top-level variables, go into the transaction's closure.
  let range = start..<min(start + batch, count)
  let flowId = id
  try await host.perform { try Workload.enroll(range, in: flowId, engine: &$0) }
}
let enrolled = ContinuousClock.now - enrollStart
let advanceStart = ContinuousClock.now
try await host.runDue(batchSize: batch)
clock.advance(by: 3600)
try await host.runDue(batchSize: batch)
let advanced = ContinuousClock.now - advanceStart
let finishedFlow = id
let finished = try await host.read { (try? $0.participantCounts(in: finishedFlow)[.finished]) ?? 0 }
print(
  "participants=\(count) finished=\(finished) enroll=\(enrolled) advance=\(advanced) "
    + "participant-steps/s=\(Int(Double(count * 5) / seconds(advanced))) peakRSS=\(String(format: "%.0f", peakRSSMegabytes()))MB"
)
