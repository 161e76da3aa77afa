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
    var backoff = FailureBackoff()
    while !Task.isShuttingDownGracefully, !Task.isCancelled {
      do {
        try await tick()
        if ContinuousClock.now - lastPrune >= .seconds(3600) {
          let removed = try await host.pruneHistory()
          if removed > 0 { logger.info("applied history retention", metadata: ["removed": "\(removed)"]) }
          lastPrune = .now
        }
        backoff.succeeded()
      } catch {
        backoff.failed("scheduler batch failed", error, logger: logger)
      }
      try? await Task.sleep(for: backoff.delay(after: interval) ?? interval)
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
