import FlowEngine
import FlowStore
import Foundation
import Logging
import ServiceLifecycle

/// Advances due participants inside the service, a batch per transaction, and applies the
/// 90-day history retention once an hour. On graceful shutdown (SIGTERM) it finishes the batch
/// in progress and stops.
struct SchedulerService: Service {
  let host: FlowHost
  let metrics: FlowdeskMetrics
  let logger: Logger
  var interval: Duration = .milliseconds(250)
  var batchSize = 500

  func run() async throws {
    var lastPrune = ContinuousClock.now - .seconds(3600)
    var failures = 0
    while !Task.isShuttingDownGracefully, !Task.isCancelled {
      do {
        try await tick()
        if ContinuousClock.now - lastPrune >= .seconds(3600) {
          let removed = try await host.pruneHistory()
          if removed > 0 { logger.info("applied history retention", metadata: ["removed": "\(removed)"]) }
          lastPrune = .now
        }
        failures = 0
      } catch {
        failures += 1
        // Once per failure, then once a minute while it lasts: a store that is gone for a
        // while is not a flood of the same line.
        if failures == 1 || failures.isMultiple(of: 60) {
          logger.error("scheduler batch failed", metadata: ["error": "\(error)", "failures": "\(failures)"])
        }
      }
      // Backs off while the store fails (up to 5 s between tries), and carries on when it works.
      try? await Task.sleep(
        for: failures == 0 ? interval : min(interval * (1 << min(failures, 5)), .seconds(5)))
    }
    logger.info("scheduler stopped")
  }

  /// One pass: every due participant, a batch per transaction, with the metrics after each.
  func tick() async throws {
    let now = host.clock.now
    let lag = await host.nextDue.map { max(0, now.timeIntervalSince($0)) } ?? 0
    metrics.schedulerLag.set(lag)
    // One batch at a time, so a shutdown waits for at most one batch.
    while !Task.isShuttingDownGracefully {
      let report = try await host.runDue(batchSize: batchSize, maxBatches: 1)
      if report.participantsAdvanced > 0 {
        metrics.schedulerBatches.increment()
        metrics.participantsAdvanced.increment(by: Int64(report.participantsAdvanced))
        // The gauges follow every batch, not only the next lifecycle action.
        await FlowdeskMetrics.refreshParticipants(metrics, from: host)
      }
      if !report.moreDue { break }
    }
  }
}
