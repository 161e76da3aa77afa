import Logging

/// How a background loop (the scheduler, a delivery worker) lives through a store that
/// fails: it logs the failure once, then once a minute while it lasts, instead of every
/// try, and waits longer between tries (doubling from the loop's own interval, up to 5 s)
/// until a try succeeds.
struct FailureBackoff {
  private(set) var failures = 0

  /// A try worked: the loop goes back to its own pace.
  mutating func succeeded() { failures = 0 }

  /// A try failed: counts it, and logs it when it is the first or a minute's worth later.
  mutating func failed(_ message: Logger.Message, _ error: any Error, logger: Logger) {
    failures += 1
    if failures == 1 || failures.isMultiple(of: 60) {
      logger.error(message, metadata: ["error": "\(error)", "failures": "\(failures)"])
    }
  }

  /// How long to wait before the next try while failing, from the loop's own interval;
  /// nil when the last try worked.
  func delay(after interval: Duration) -> Duration? {
    failures == 0 ? nil : min(interval * (1 << min(failures, 5)), .seconds(5))
  }
}
