import Foundation

/// Runs blocking work (waiting for a process, a socket or a sleep) on a thread of its own.
///
/// Swift's cooperative pool has one thread per core, two on the CI machine, and the
/// in-process servers that other tests start answer on those threads. A test that blocks one
/// of them for seconds starves every server in the run: a request that should take
/// milliseconds then waits for a time-out, and an unrelated test fails.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    Thread { continuation.resume(with: Result { try work() }) }.start()
  }
}
