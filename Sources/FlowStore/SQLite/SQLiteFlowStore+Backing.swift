import FlowEngine
import Foundation
internal import GRDB

/// The engine's reads outside a transaction, for callers that use the store as a backing directly.
extension SQLiteFlowStore {
  // MARK: ParticipantBacking

  /// Runs a read outside a transaction, for tools and tests that read the store directly
  /// (hosts read through a transaction: `read` and `write`). A failure is kept for
  /// `takeReadFailure()`, and the caller gets `fallback`.
  private func backingRead<T>(_ fallback: T, _ body: (Database) throws -> T) -> T {
    do {
      return try pool.read(body)
    } catch {
      failureLock.withLock { if readFailure == nil { readFailure = Self.storeError(error, path: path) } }
      return fallback
    }
  }

  public func takeReadFailure() -> (any Error)? {
    failureLock.withLock {
      defer { readFailure = nil }
      return readFailure
    }
  }

  public func participant(_ contactId: String, in flowId: String) -> Participant? {
    backingRead(nil) { db in try Self.participant(db, contactId, in: flowId) }
  }

  public func participants(in flowId: String) -> [Participant] {
    backingRead([]) { db in try Self.participants(db, in: flowId) }
  }

  public func participants(in flowId: String, limit: Int, offset: Int) -> [Participant] {
    backingRead([]) { db in try Self.participants(db, in: flowId, limit: limit, offset: offset) }
  }

  public func dueParticipants(in flowId: String, at now: Date, limit: Int) -> [(Participant, Contact?)] {
    backingRead([]) { db in try Self.dueParticipants(db, in: flowId, at: now, limit: limit) }
  }

  public func holders(of addresses: [String], in flowId: String) -> [String: String] {
    backingRead([:]) { db in try Self.holders(db, of: addresses, in: flowId) }
  }

  public func dueCount(in flowId: String, at now: Date, limit: Int) -> Int {
    backingRead(0) { db in try Self.dueCount(db, in: flowId, at: now, limit: limit) }
  }

  public func participants(_ contactIds: [String], in flowId: String) -> [Participant] {
    backingRead([]) { db in try Self.participants(db, contactIds, in: flowId) }
  }

  public func nextDue(in flowId: String) -> Date? {
    backingRead(nil) { db in try Self.nextDue(db, in: flowId) }
  }

  public func participantCounts(in flowId: String) -> [ParticipantStatus: Int] {
    backingRead([:]) { db in try Self.participantCounts(db, in: flowId) }
  }

  public func contacts(_ ids: [String]) -> [Contact] {
    backingRead([]) { db in try Self.contacts(db, ids) }
  }
}
