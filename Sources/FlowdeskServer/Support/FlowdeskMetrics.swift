import FlowEngine
import FlowStore
import Foundation
import Prometheus

/// The service's own metrics, in a Prometheus registry served at `/metrics`. Request counts
/// and latencies come from Hummingbird's metrics middleware through the same registry when
/// `flowdesk serve` bootstraps the metrics system with it.
public final class FlowdeskMetrics: Sendable {
  public let registry: PrometheusCollectorRegistry
  let schedulerLag: Gauge
  let schedulerBatches: Counter
  let participantsAdvanced: Counter
  let deliveriesDelivered: Counter
  let deliveriesRetried: Counter
  let deliveriesDead: Counter
  let deliveryLatency: DurationHistogram
  let outboxBacklog: Gauge

  public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
    self.registry = registry
    schedulerLag = registry.makeGauge(
      descriptor: Self.name(
        "scheduler_lag", unit: "seconds", help: "How far behind its due time the earliest due participant is."
      ))
    schedulerBatches = registry.makeCounter(
      descriptor: Self.name(
        "scheduler_batches", unit: "total", help: "Scheduler batches that advanced participants."))
    participantsAdvanced = registry.makeCounter(
      descriptor: Self.name(
        "participants_advanced", unit: "total", help: "Participants advanced by the scheduler."))
    deliveriesDelivered = registry.makeCounter(
      descriptor: Self.name(
        "deliveries_delivered", unit: "total", help: "Messages the webhook receiver accepted (2xx)."))
    deliveriesRetried = registry.makeCounter(
      descriptor: Self.name(
        "deliveries_retried", unit: "total", help: "Delivery attempts that failed and will be retried."))
    deliveriesDead = registry.makeCounter(
      descriptor: Self.name(
        "deliveries_dead", unit: "total", help: "Messages that will not be sent again on their own."))
    deliveryLatency = registry.makeDurationHistogram(
      descriptor: Self.name(
        "delivery_latency", unit: "seconds", help: "Time from sending a message to its recorded delivery."),
      buckets: [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
      ])
    outboxBacklog = registry.makeGauge(
      descriptor: Self.name(
        "outbox_backlog", unit: "", help: "Messages in the outbox waiting to be delivered."))
  }

  static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(namespace: "flowdesk", metricName: metric, unitName: unit, helpText: help)
  }

  func lifecycleAction(_ action: String, outcome: String) {
    registry.makeCounter(
      descriptor: Self.name(
        "lifecycle_actions", unit: "total", help: "Lifecycle actions by action and outcome."),
      labels: [("action", action), ("outcome", outcome)]
    ).increment()
  }

  func participants(_ counts: [ParticipantStatus: Int]) {
    for status in ParticipantStatus.allCases {
      registry.makeGauge(
        descriptor: Self.name("participants", unit: "", help: "Participants by status, over every flow."),
        labels: [("status", status.rawValue)]
      ).set(Double(counts[status] ?? 0))
    }
  }

  /// Sets the participant gauges from the host's counts, which it keeps in memory, so this
  /// read never reaches the store. Called after every lifecycle action and scheduler batch.
  static func refreshParticipants(_ metrics: FlowdeskMetrics, from host: FlowHost) async {
    // From the counts stored with each flow: this runs after every scheduler batch.
    guard let counts = try? await host.store.read({ try $0.participantTotals() }) else { return }
    metrics.participants(counts)
  }

  /// The registry in Prometheus' text format.
  func exposition() -> String {
    var buffer: [UInt8] = []
    registry.emit(into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
  }
}
