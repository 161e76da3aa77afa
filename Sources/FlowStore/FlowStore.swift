import FlowEngine
import Foundation

/// One transaction on a store: the flows an engine starts from, the participants and
/// contacts its host hands it, and the commit of what it changed. Valid only inside the
/// store's `read` or `write` call that made it.
public protocol FlowStoreTransaction: ParticipantReads {
  /// Flows, companies, counters and, from `historySince` on, history (none when nil).
  /// `only`: just these flows (an operation on one flow need not read the others); nil, all.
  func loadFlows(historySince: Date?, only: [String]?) throws -> EngineSnapshot
  /// Writes what an operation changed, in this transaction.
  func commit(_ changes: EngineChanges) throws
  /// A page of a flow's participants in enrollment order (then contact id), after `cursor`.
  func participantPage(
    in flowId: String, filter: ParticipantFilter, after cursor: ParticipantCursor?, limit: Int
  ) throws -> [Participant]
  /// A page of a flow's history from `since` on, oldest first, after the event `after`.
  func historyPage(of flowId: String, since: Date, after: Int64?, limit: Int) throws
    -> [(id: Int64, event: HistoryEvent)]
  /// A page of the flows-with-errors list, in creation order, after the flow `after`.
  func flowsWithErrorsPage(errorSince: Date, historySince: Date, after: Int64?, limit: Int) throws
    -> [(rowid: Int64, flow: FlowWithErrors)]
  /// Records who did a lifecycle action or an edit, in this transaction.
  func recordAudit(_ entry: AuditEntry) throws
  /// A page of a flow's audit trail, oldest first, after the entry `after`.
  func auditPage(of flowId: String, after: Int64?, limit: Int) throws -> [AuditEntry]

  // MARK: Delivery

  /// Claims up to `limit` pending messages that are due at `now` and not leased to another
  /// worker (never claimed, or their lease expired): each is leased until `leaseUntil` and
  /// counts one more attempt. Shaped for a store with several writers: a PostgreSQL store
  /// selects the same rows `FOR UPDATE SKIP LOCKED`.
  func claimDeliveries(now: Date, leaseUntil: Date, limit: Int) throws -> [OutboxEntry]
  /// Records what an attempt came to, for a message that is still pending; false when it
  /// no longer is (delivered or dead already, or erased).
  @discardableResult
  func recordDelivery(_ idempotencyKey: String, _ outcome: DeliveryOutcome) throws -> Bool
  /// A page of the outbox in creation order (then key), after `cursor`, filtered.
  func outboxPage(status: DeliveryStatus?, flowId: String?, after cursor: OutboxCursor?, limit: Int) throws
    -> [OutboxEntry]
  /// One message with its delivery state.
  func outboxEntry(_ idempotencyKey: String) throws -> OutboxEntry?
  /// Makes a message pending again, due at `now`, with no attempts made.
  func requeue(_ idempotencyKey: String, at now: Date) throws
  /// How many messages are pending.
  func outboxBacklog() throws -> Int
  /// How many participants of all flows have each status, from the counts kept with each
  /// flow: no definition is decoded and no participant is read.
  func participantTotals() throws -> [ParticipantStatus: Int]

  // MARK: Statistics

  /// Keeps what a provider reported about a message, for the statistics: one record per
  /// message and kind of event, as it was first reported (a bounce without its kind is
  /// hard). False when this kind was already recorded for the message.
  /// The record goes with its message: erasing the message erases it.
  @discardableResult
  func recordDeliveryEvent(
    _ idempotencyKey: String, _ kind: DeliveryEvent.Kind, bounce: DeliveryEvent.Bounce?, at time: Date
  ) throws -> Bool
  /// A flow's figures, counted in the store: its participants by status (and, for those who
  /// dropped out, by reason code), at their current step or the step they left at; its
  /// messages by what became of them (`MessageFigures`), at the step that wrote them.
  /// `steps` holds only the steps that have figures, in no particular order; queued
  /// participants (no step yet) count only for the flow. All zero for an unknown flow.
  func flowStatistics(of flowId: String) throws -> FlowStatistics

  // MARK: Contacts

  /// A page of contacts in id order, after the contact `after`, filtered.
  func contactPage(after: String?, limit: Int, filter: ContactFilter) throws -> [Contact]
  /// Erases a contact's personal data and drops its pending messages; nil when there is no
  /// such contact. `placeholder` stands where an address was.
  func eraseContact(_ id: String, placeholder: String) throws -> ContactErasure?
}

/// Where a host keeps the engine's state. The SQLite store is the embedded default; another
/// backend implements the same calls. Everything an operation reads goes through a
/// transaction (`read`, `write`), never through the store itself.
public protocol FlowStore: Sendable {
  /// Runs `body` in one write transaction, with the write lock held from its start, and
  /// commits it when `body` returns; a thrown error rolls it back.
  func write<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R) async throws
    -> R

  /// Runs a scheduler batch in one write transaction. A store with several writers lets
  /// batches run at once: each claims the due participants it reads, and leaves those another
  /// batch claimed. The default is `write`.
  func writeBatch<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R)
    async throws -> R

  /// Runs `body` in one read transaction: every read sees the same committed state.
  func read<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R) async throws -> R

  /// Deletes history events older than `cutoff`; returns how many.
  @discardableResult
  func pruneHistory(before cutoff: Date) async throws -> Int
}

extension FlowStore {
  /// One writer at a time: a batch is a write like any other.
  public func writeBatch<R: Sendable>(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> R)
    async throws -> R
  {
    try await write(body)
  }
}
