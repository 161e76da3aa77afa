/// Asks `condition` every `interval` until it holds or `limit` has passed on the wall clock;
/// true when it held.
///
/// The limit is a bound on waiting, not a timing requirement: it is measured in time, not in
/// attempts, because under a full parallel run on two cores one attempt (a request to a
/// server that another process is loading) can take a second or more, and a count of
/// attempts then runs out before a slow but correct server has answered.
public func eventually(
  within limit: Duration, every interval: Duration = .milliseconds(100), _ condition: () async -> Bool
) async throws -> Bool {
  let deadline = ContinuousClock.now + limit
  while true {
    if await condition() { return true }
    if ContinuousClock.now >= deadline { return false }
    try await Task.sleep(for: interval)
  }
}
