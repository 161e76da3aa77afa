import FlowEngine
import Foundation
import Logging

/// Runs the engine over a store, and keeps nothing of its own.
///
/// Every operation starts from the store: in one transaction the host reads the flows and
/// builds a paging engine from them, runs the operation, hands the engine what the
/// operation needed and did not find (participants, contacts, address holders, due
/// participants), runs it again from where it started until it needs nothing more, writes
/// what changed and commits. The engine itself does no I/O (`EngineNeed`). The store
/// serializes operations from several hosts on one database, and each sees what the others
/// committed: a flow paused by one host is paused for all, and ids come from the store.
///
/// The scheduler advances due participants in batches, one transaction per batch
/// (`FlowStore.writeBatch`): a store with several writers runs batches of several hosts at
/// once, each on participants of its own.
public final class FlowHost: Sendable {
  public let store: any FlowStore
  public let clock: any FlowClock
  private let logger: Logger

  public init(store: any FlowStore, clock: any FlowClock, logger: Logger = Logger(label: "flowdesk.host"))
    throws
  {
    self.store = store
    self.clock = clock
    self.logger = logger
  }

  /// A paging engine over one transaction: flows, counts and counters from the store, with
  /// the 90-day history when asked for.
  static func engine(
    _ transaction: any FlowStoreTransaction, clock: any FlowClock, history: Bool, flow: String? = nil
  ) throws -> FlowEngine {
    var snapshot = try transaction.loadFlows(
      historySince: history ? clock.now.addingTimeInterval(-FlowEngine.historyRetention) : nil,
      only: flow.map { [$0] })
    // Counts the store keeps come with the flow; otherwise they are counted.
    for index in snapshot.flows.indices where snapshot.flows[index].counts == nil {
      snapshot.flows[index].counts = try transaction.participantCounts(in: snapshot.flows[index].id)
    }
    return FlowEngine(clock: clock, paging: snapshot)
  }

  /// Runs `body` on `engine` until it needs nothing more from the store, handing the engine
  /// what each run needed. Each run starts from the engine as it was before the first; only
  /// the last, complete run changes `engine`. An advance takes three runs (due counts, then
  /// due participants with their contacts and address holders, then the run that counts);
  /// a body that stops at its first refusal may take a run for each thing it reaches, unless
  /// it says up front what it will touch (`FlowEngine.prefetch`). A run that needs exactly
  /// what the run before it was handed is a need the host cannot meet: that fails the
  /// operation instead of looping.
  static func settle<R>(
    _ engine: inout FlowEngine, _ transaction: any FlowStoreTransaction,
    _ body: (inout FlowEngine) throws -> R
  ) throws -> Result<R, any Error> {
    var previous: Set<EngineNeed> = []
    while true {
      var attempt = engine
      let result = Result { try body(&attempt) }
      let needs = attempt.takeNeeds()
      if needs.isEmpty {
        engine = attempt
        return result
      }
      guard needs != previous else {
        throw StoreError(
          .io, path: "engine", reason: "an operation needed again what it was handed: \(needs.first!)")
      }
      try supply(needs, to: &engine, from: transaction)
      previous = needs
    }
  }

  /// Reads what an engine needed from a transaction and hands it over, with one query per
  /// kind of need and flow.
  static func supply(
    _ needs: Set<EngineNeed>, to engine: inout FlowEngine, from transaction: any FlowStoreTransaction
  ) throws {
    var contactIds: [String] = []
    var participants: [String: [String]] = [:]
    var whole: Set<String> = []
    var due: [String: Int] = [:]
    var dueCounts: [String: Int] = [:]
    var nextDue: Set<String> = []
    var holders: [String: [String]] = [:]
    for need in needs {
      switch need {
      case .contact(let id): contactIds.append(id)
      case .participant(let flow, let contact): participants[flow, default: []].append(contact)
      case .allParticipants(let flow): whole.insert(flow)
      case .due(let flow, let limit): due[flow] = max(due[flow] ?? 0, limit)
      case .dueCount(let flow, let limit): dueCounts[flow] = max(dueCounts[flow] ?? 0, limit)
      case .nextDue(let flow): nextDue.insert(flow)
      case .holder(let flow, let address): holders[flow, default: []].append(address)
      }
    }
    let now = engine.clock.now
    if !contactIds.isEmpty {
      contactIds.sort()
      engine.supply(contacts: try transaction.contacts(contactIds), asked: contactIds)
    }
    for (flow, ids) in participants.sorted(by: { $0.key < $1.key }) {
      engine.supply(participants: try transaction.participants(ids.sorted(), in: flow), asked: ids, in: flow)
    }
    for flow in whole.sorted() {
      engine.supply(allParticipants: try transaction.participants(in: flow), in: flow)
    }
    for (flow, limit) in dueCounts.sorted(by: { $0.key < $1.key }) {
      engine.supply(
        dueCount: try transaction.dueCount(in: flow, at: now, limit: limit), limit: limit, in: flow)
    }
    for (flow, limit) in due.sorted(by: { $0.key < $1.key }) {
      let addresses = engine.supply(
        due: try transaction.dueParticipants(in: flow, at: now, limit: limit), limit: limit, in: flow)
      // Who holds the batch's addresses, asked once instead of at each email step.
      if !addresses.isEmpty {
        engine.supply(holders: try transaction.holders(of: addresses, in: flow), asked: addresses, in: flow)
      }
    }
    for (flow, addresses) in holders.sorted(by: { $0.key < $1.key }) {
      engine.supply(holders: try transaction.holders(of: addresses, in: flow), asked: addresses, in: flow)
    }
    for flow in nextDue.sorted() {
      engine.supply(nextDue: try transaction.nextDue(in: flow), in: flow)
    }
  }

  /// Reads from an engine built from the store in one read transaction. `history` loads
  /// the flows' 90-day history, which only history and the flows-with-errors list need.
  /// `flow`: the engine holds only that flow (a read about one flow need not decode the
  /// others); the body must not look at any other.
  public func read<R: Sendable>(
    history: Bool = false, flow: String? = nil, _ body: @escaping @Sendable (FlowEngine) throws -> R
  ) async throws -> R {
    let clock = self.clock
    return try await store.read { transaction in
      var engine = try Self.engine(transaction, clock: clock, history: history, flow: flow)
      return try Self.settle(&engine, transaction) { try body($0) }.get()
    }
  }

  /// Changes an engine built from the store and commits what changed, all in one write
  /// transaction. A refusal (the engine's `Refusal`) changes nothing and is rethrown after
  /// the commit; a failed read or write rolls everything back.
  public func perform<R: Sendable>(_ body: @escaping @Sendable (inout FlowEngine) throws -> R) async throws
    -> R
  {
    try await perform(body, audit: nil)
  }

  /// Like `perform(_:audit:)` for an operation on one flow: the engine holds only that flow,
  /// so the operation costs the same however many flows there are. The body must not look
  /// at any other flow (it would find none).
  public func perform<R: Sendable>(
    on flow: String, audit: Audit<R>? = nil, _ body: @escaping @Sendable (inout FlowEngine) throws -> R
  ) async throws -> R {
    try await perform(body, audit: audit, flow: flow)
  }

  /// Who performs an audited operation: the caller's right and the token's name.
  public struct Actor: Sendable, Hashable {
    public var role: String
    public var name: String

    public init(role: String, name: String) {
      self.role = role
      self.name = name
    }
  }

  /// What to record in the audit trail when an operation succeeds: the action, who did it,
  /// and which flow, from the operation's result (a new flow's id is known only then).
  public struct Audit<R>: Sendable {
    public var action: String
    public var actor: Actor
    public var flow: @Sendable (R) -> String

    public init(_ action: String, by actor: Actor, flow: @escaping @Sendable (R) -> String) {
      self.action = action
      self.actor = actor
      self.flow = flow
    }
  }

  /// Like `perform(_:)`, and records `audit` in the same transaction when the operation is
  /// not refused: the audit trail has exactly the operations that took effect.
  public func perform<R: Sendable>(
    _ body: @escaping @Sendable (inout FlowEngine) throws -> R, audit: Audit<R>?, flow: String? = nil
  )
    async throws -> R
  {
    try await perform(body, audit: audit, flow: flow, batch: false)
  }

  /// `batch`: a scheduler batch, run with the store's `writeBatch`.
  private func perform<R: Sendable>(
    _ body: @escaping @Sendable (inout FlowEngine) throws -> R, audit: Audit<R>?, flow: String?, batch: Bool
  ) async throws -> R {
    let clock = self.clock
    let store = self.store
    func write(_ body: @escaping @Sendable (any FlowStoreTransaction) throws -> Result<R, any Error>)
      async throws -> Result<R, any Error>
    {
      batch ? try await store.writeBatch(body) : try await store.write(body)
    }
    do {
      let result: Result<R, any Error> = try await write { transaction in
        var engine = try Self.engine(transaction, clock: clock, history: false, flow: flow)
        let result = try Self.settle(&engine, transaction, body)
        try transaction.commit(engine.takeChanges())
        if let audit, case .success(let value) = result {
          let flowId = audit.flow(value)
          try transaction.recordAudit(
            AuditEntry(
              time: clock.now, flowId: flowId, action: audit.action, actorRole: audit.actor.role,
              actorName: audit.actor.name, version: try? engine.flow(flowId).version))
        }
        return result
      }
      return try result.get()
    } catch let error as StoreError {
      logger.error("store operation failed; nothing was written", metadata: ["error": "\(error)"])
      throw error
    }
  }

  // MARK: Pages, read from the store

  /// A page of a flow's participants in enrollment order, by offset, read from the store.
  public func participants(in flowId: String, limit: Int, offset: Int) async throws -> [Participant] {
    let clock = self.clock
    return try await store.read { transaction in
      _ = try Self.engine(transaction, clock: clock, history: false, flow: flowId).flow(flowId)
      return try transaction.participants(in: flowId, limit: limit, offset: offset)
    }
  }

  /// A page of a flow's participants, filtered, in enrollment order, after `cursor`.
  public func participants(
    in flowId: String, filter: ParticipantFilter = .init(), after cursor: ParticipantCursor?, limit: Int
  ) async throws -> [Participant] {
    let clock = self.clock
    return try await store.read { transaction in
      _ = try Self.engine(transaction, clock: clock, history: false, flow: flowId).flow(flowId)
      return try transaction.participantPage(in: flowId, filter: filter, after: cursor, limit: limit)
    }
  }

  /// A page of a flow's 90-day history, oldest first, after the event `after`.
  public func history(of flowId: String, after: Int64?, limit: Int) async throws
    -> [(id: Int64, event: HistoryEvent)]
  {
    let clock = self.clock
    return try await store.read { transaction in
      _ = try Self.engine(transaction, clock: clock, history: false, flow: flowId).flow(flowId)
      return try transaction.historyPage(
        of: flowId, since: clock.now.addingTimeInterval(-FlowEngine.historyRetention), after: after,
        limit: limit)
    }
  }

  /// A page of the flows-with-errors list: flows whose newest action error is less than
  /// seven days old, in creation order, after the flow `after`.
  public func flowsWithErrors(after: Int64?, limit: Int) async throws -> [(
    rowid: Int64, flow: FlowWithErrors
  )] {
    let now = clock.now
    return try await store.read { transaction in
      try transaction.flowsWithErrorsPage(
        errorSince: now.addingTimeInterval(-FlowEngine.errorListDuration),
        historySince: now.addingTimeInterval(-FlowEngine.historyRetention), after: after, limit: limit)
    }
  }

  /// A page of a flow's audit trail, oldest first. It outlives a deleted flow.
  public func audit(of flowId: String, after: Int64?, limit: Int) async throws -> [AuditEntry] {
    try await store.read { transaction in try transaction.auditPage(of: flowId, after: after, limit: limit) }
  }

  /// Advances due participants, `batchSize` at a time, each batch in its own transaction.
  /// Returns the total advanced. `maxBatches` bounds one call.
  @discardableResult
  public func runDue(batchSize: Int = 500, maxBatches: Int = .max) async throws -> AdvanceReport {
    var total = AdvanceReport()
    for _ in 0..<maxBatches {
      let report = try await advanceBatch(batchSize)
      total.participantsAdvanced += report.participantsAdvanced
      total.stepsTaken += report.stepsTaken
      total.moreDue = report.moreDue
      if !report.moreDue { break }
    }
    return total
  }

  /// One batch, which may run beside batches of other hosts (`FlowStore.writeBatch`). When
  /// the store refuses what the batch wrote (a conflict, which trying again would not
  /// change), the batch is run one participant at a time; the participant whose step cannot
  /// be stored is set aside with FD2011, and the others go on.
  private func advanceBatch(_ limit: Int) async throws -> AdvanceReport {
    do {
      return try await perform({ $0.advance(limit: limit) }, audit: nil, flow: nil, batch: true)
    } catch let error as StoreError where error.kind == .conflict {
      logger.warning(
        "a batch could not be stored; advancing one participant at a time", metadata: ["error": "\(error)"])
    }
    var total = AdvanceReport()
    for _ in 0..<limit {
      do {
        let report = try await perform { $0.advance(limit: 1) }
        total.participantsAdvanced += report.participantsAdvanced
        total.stepsTaken += report.stepsTaken
        total.moreDue = report.moreDue
        if !report.moreDue { return total }
      } catch let error as StoreError where error.kind == .conflict {
        let setAside = try await perform { $0.setAsideNextDue() }
        logger.error(
          "set a participant aside: its step could not be stored",
          metadata: [
            "flow": "\(setAside?.flowId ?? "-")", "contact": "\(setAside?.contactId ?? "-")",
            "code": "FD2011",
            "error": "\(error)",
          ])
        total.moreDue = true
        if setAside == nil { return total }
      }
    }
    return total
  }

  /// Applies the 90-day history retention in the store.
  @discardableResult
  public func pruneHistory() async throws -> Int {
    try await store.pruneHistory(before: clock.now.addingTimeInterval(-FlowEngine.historyRetention))
  }

  /// The earliest due time of a participant in a running flow.
  public var nextDue: Date? {
    get async { try? await read { $0.nextDue } }
  }
}
