import FlowEngine
import FlowStore
import FlowdeskServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// The SQLite store, whose transactions fail with a store error while `failing` is set.
final class FailingStore: FlowStore, @unchecked Sendable {
  let base: SQLiteFlowStore
  private let lock = NSLock()
  private var failing = false

  init(_ base: SQLiteFlowStore) { self.base = base }

  func fail(_ value: Bool) { lock.withLock { failing = value } }

  private func check() throws {
    if lock.withLock({ failing }) { throw StoreError(.io, path: base.path, reason: "disk I/O error") }
  }

  func write<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R) async throws
    -> R
  {
    try await base.write { transaction in
      let result = try body(transaction)
      // Fails after the body ran, as a commit that cannot be written would.
      try self.check()
      return result
    }
  }
  func read<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R) async throws -> R
  {
    try check()
    return try await base.read(body)
  }
  func load(historySince: Date) throws -> EngineSnapshot { try base.load(historySince: historySince) }
  func commit(_ changes: EngineChanges) throws { try base.commit(changes) }
  func pruneHistory(before cutoff: Date) throws -> Int { try base.pruneHistory(before: cutoff) }
  func pendingOutbox(limit: Int) throws -> [OutboxMessage] { try base.pendingOutbox(limit: limit) }
  func markSent(_ idempotencyKeys: [String], at time: Date) throws {
    try base.markSent(idempotencyKeys, at: time)
  }
  func outboxCount() throws -> Int { try base.outboxCount() }
}

@Suite("Storage failures")
struct StorageTests {
  /// A store that fails: 503 with its code and Retry-After, nothing half-written, and the
  /// next request works once the store does.
  @Test func anUnavailableStoreIsA503AndNothingIsWritten() async throws {
    let folder = try Paths.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = FailingStore(try SQLiteFlowStore(path: folder.appendingPathComponent("db.sqlite").path))
    let parts = ServiceParts(
      host: try FlowHost(store: store, clock: ManualClock()), help: try ServiceFixture.help.get(),
      tokens: AccessTokens(administrator: ServiceFixture.adminToken, reader: ServiceFixture.readerToken))
    let app = Application(router: FlowdeskApplication.router(parts, logRequests: false))
    try await app.test(.router) { client in
      store.fail(true)
      let refused = try await client.call(.post, "/v1/flows", json: Bodies.flow(), language: "nl")
      #expect(refused.status == .serviceUnavailable)
      #expect(refused.headers[.contentType] == "application/problem+json")
      #expect(refused.body["code"] as? String == "FD1520")
      #expect(refused.headers[.retryAfter] == "5")
      #expect((refused.body["detail"] as? String)?.contains("5 seconden") == true, "\(refused.raw)")
      #expect(!refused.raw.contains(folder.path), "the store's path stays in the log")
      let read = try await client.call(.get, "/v1/flows")
      #expect(read.status == .serviceUnavailable)
      store.fail(false)
      let flows = try await client.call(.get, "/v1/flows").body["flows"] as? [Any]
      #expect(flows?.isEmpty == true, "the refused create left nothing behind")
      #expect(try await client.call(.post, "/v1/flows", json: Bodies.flow()).status == .created)
      #expect(try store.base.outboxCount() == 0)
    }
  }
}
