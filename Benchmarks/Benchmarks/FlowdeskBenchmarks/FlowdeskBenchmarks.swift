import Benchmark
import BenchmarkSupport
import FlowEngine
import FlowStore
import Foundation
import GRDB
import HelpContent
import HelpSearch
import Ink
import Localization

/// Each figure runs next to its ceiling, in the same run: see BENCHMARKS.md.
let benchmarks: @Sendable () -> Void = {
  let quick = Benchmark.Configuration(
    metrics: [.wallClock, .mallocCountTotal, .throughput], warmupIterations: 10, maxDuration: .seconds(3),
    maxIterations: 1_000_000)
  let heavy = Benchmark.Configuration(
    metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], warmupIterations: 1,
    maxDuration: .seconds(20),
    maxIterations: 20)

  // MARK: 1. Help lookup

  let index = Fixtures.index
  let header = "nl-BE,nl;q=0.9,en;q=0.8"
  Benchmark("lookup: explain(code, Accept-Language)", configuration: quick) { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(index.explain(.missingEmailReplyTo, acceptLanguage: header))
    }
  }
  // Ceiling: one dictionary lookup of a ready explanation, with nothing to negotiate.
  let ready = ["nl/FD1002": index.explain(.missingEmailReplyTo, in: .nl)]
  let key = "nl/FD1002"
  Benchmark("lookup ceiling: dictionary lookup", configuration: quick) { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(ready[key])
    }
  }

  // MARK: 2. Content load

  Benchmark("load: bundled content and locales", configuration: heavy) { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(HelpIndex.load(content: Fixtures.content, locales: Fixtures.locales))
    }
  }
  let corpus = try! Fixtures.corpus(copies: 1000)
  Benchmark("load: 3,000-article corpus", configuration: heavy) { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(HelpIndex.load(content: corpus.folder, locales: Fixtures.locales))
    }
  }
  // Ceiling: Ink alone, rendering the same markdown bodies.
  Benchmark("load ceiling: Ink on the corpus bodies", configuration: heavy) { benchmark in
    let parser = MarkdownParser()
    for _ in benchmark.scaledIterations {
      for body in corpus.bodies { blackHole(parser.html(from: body)) }
    }
  }

  // MARK: 3. Engine

  let participants = 20_000
  Benchmark("engine: 20k participants x 5 steps, in memory", configuration: heavy) { benchmark in
    for _ in benchmark.scaledIterations {
      let clock = ManualClock()
      var engine = FlowEngine(clock: clock)
      try Workload.enroll(0..<participants, in: try Workload.startFlow(in: &engine), engine: &engine)
      benchmark.startMeasurement()
      engine.advance()
      clock.advance(by: 3600)
      engine.advance()
      benchmark.stopMeasurement()
      blackHole(engine.drainOutbox())
    }
  }
  Benchmark("engine: 20k participants x 5 steps, on SQLite", configuration: heavy) { benchmark in
    for _ in benchmark.scaledIterations {
      try await Workload.withTemporaryFolder { folder in
        let clock = ManualClock()
        let host = try FlowHost(
          store: try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path), clock: clock)
        try await host.perform { engine in
          try Workload.enroll(0..<participants, in: try Workload.startFlow(in: &engine), engine: &engine)
        }
        benchmark.startMeasurement()
        try await host.runDue(batchSize: 1000)
        clock.advance(by: 3600)
        try await host.runDue(batchSize: 1000)
        benchmark.stopMeasurement()
      }
    }
  }
  // The store's own SQL for the same advance, from a plain loop with no engine: the part of
  // the figure above that is SQLite's, with this schema and these statements.
  Benchmark("engine floor: the store's SQL for 20k x 5", configuration: heavy) { benchmark in
    for _ in benchmark.scaledIterations {
      try await Workload.withTemporaryFolder { folder in
        let path = folder.appendingPathComponent("db.sqlite").path
        let (flow, now) = try await StoreStatements.prepare(at: path, participants: participants)
        let pool = try StoreStatements.open(path)
        benchmark.startMeasurement()
        try await StoreStatements.advance(pool, flow: flow, from: now, batch: 1000)
        benchmark.stopMeasurement()
      }
    }
  }
  // Ceiling: a plain batched INSERT of the same number of rows (participants x 5 steps),
  // as durable as the store's own commits (WAL, `synchronous = NORMAL`).
  Benchmark("engine ceiling: batched SQLite INSERT of 100k rows", configuration: heavy) { benchmark in
    for _ in benchmark.scaledIterations {
      try await Workload.withTemporaryFolder { folder in
        let pool = try await StoreStatements.plainTable(
          at: folder.appendingPathComponent("plain.sqlite").path)
        benchmark.startMeasurement()
        try await StoreStatements.plainInsert(participants * 5, into: pool)
        benchmark.stopMeasurement()
      }
    }
  }

  // MARK: 4. Search

  let corpusIndex = HelpIndex.load(content: corpus.folder, locales: Fixtures.locales).index
  let search = try! HelpSearch(index: corpusIndex)
  let queries = [
    "De flow heeft een e-mailstap maar geen antwoordadres", "verwijderd", "Flödet är redan avslutat",
    "reply-to address missing", "hard bounce",
  ]
  // One benchmark per query, so each median is one query's own.
  for query in queries {
    Benchmark("search: \"\(query)\" on the 3,000-article corpus", configuration: quick) { benchmark in
      for _ in benchmark.scaledIterations {
        blackHole(try search.search(query, language: .nl))
      }
    }
  }
}
