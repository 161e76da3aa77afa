import Foundation
import Synchronization

/// Where the engine reads the time. The engine never reads the system clock itself.
public protocol FlowClock: Sendable {
  var now: Date { get }
}

/// The wall clock, for hosts.
public struct SystemClock: FlowClock {
  public init() {}
  public var now: Date { Date() }
}

/// A clock that moves only when told to, for tests and scenarios.
public final class ManualClock: FlowClock {
  private let current: Mutex<Date>

  public init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
    current = Mutex(start)
  }

  public var now: Date { current.withLock { $0 } }

  /// Moves the clock forward (or to any moment) by `seconds`.
  public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
  public func set(_ date: Date) { current.withLock { $0 = date } }
}
