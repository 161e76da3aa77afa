import Foundation

/// The flow engine: flows, contacts, participants, history and the outbox, in memory.
///
/// The engine is a value. Time comes from the injected clock, and `advance()` moves every
/// due participant, deterministically: in order of due time, then of scheduling. A host
/// persists it and sends what lands in the outbox. It does no I/O: a paging engine holds
/// only what its host handed it and notes what else an operation needs (see
/// `EngineNeeds.swift`).
public struct FlowEngine: Sendable {
  /// How long flow history keeps its events.
  public static let historyRetention: TimeInterval = 90 * 86_400
  /// How long a flow stays on the flows-with-errors list after its newest error.
  public static let errorListDuration: TimeInterval = 7 * 86_400

  public let clock: any FlowClock
  /// Whether memory holds only part of what is stored (`init(clock:paging:)`).
  public internal(set) var isPaging = false
  /// What operations of a paging engine needed and did not find.
  let needLog = EngineNeedLog()
  /// While paging: contacts the host looked for and did not find.
  var absentContacts: Set<String> = []
  var flows: [String: FlowState] = [:]
  var contacts: [String: Contact] = [:]
  var companies: [String: [String: String]] = [:]
  var outbox: [OutboxMessage] = []
  var nextFlowNumber = 1
  var nextToken: UInt64 = 1
  // What changed since the host last took the changes.
  var changedFlows: Set<String> = []
  var deletedFlows: Set<String> = []
  var changedContacts: Set<String> = []
  var changedCompanies: Set<String> = []
  var pendingHistory: [HistoryEvent] = []

  public init(clock: any FlowClock) {
    self.clock = clock
  }

  // MARK: Contacts

  /// Adds a contact, or replaces the one with the same id.
  public mutating func upsertContact(_ contact: Contact) {
    contacts[contact.id] = contact
    changedContacts.insert(contact.id)
  }

  public func contact(_ id: String) -> Contact? {
    faultInContact(id)
    return contacts[id]
  }

  /// The properties written to a company by update-contact steps.
  public func company(_ id: String) -> [String: String]? { companies[id] }

  // MARK: Reading flows

  /// Ids of every flow, in creation order.
  public var flowIds: [String] {
    flows.keys.sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }
  }

  public func flow(_ id: String) throws(Refusal) -> FlowSnapshot {
    try state(id).snapshot
  }

  /// Every participant of a flow, in enrollment order.
  public func participants(in flowId: String) throws(Refusal) -> [Participant] {
    var flow = try state(flowId)
    faultInAll(&flow)
    return flow.participants.values.sorted {
      $0.enrolledAt != $1.enrolledAt ? $0.enrolledAt < $1.enrolledAt : $0.contactId < $1.contactId
    }
  }

  /// One page of a flow's participants in enrollment order, and how many there are in all.
  /// A paging engine needs the whole flow for it; a host reads a page from its store instead.
  public func participants(
    in flowId: String, limit: Int, offset: Int
  ) throws(Refusal) -> (page: [Participant], total: Int) {
    let all = try participants(in: flowId)
    return (Array(all.dropFirst(offset).prefix(limit)), all.count)
  }

  public func participant(_ contactId: String, in flowId: String) throws(Refusal) -> Participant {
    var flow = try state(flowId)
    faultIn(contactId, in: &flow)
    guard let participant = flow.participants[contactId] else {
      throw Refusal(.participantNotFound, ["contact": contactId])
    }
    return participant
  }

  /// How many participants of a flow have each status.
  public func participantCounts(in flowId: String) throws(Refusal) -> [ParticipantStatus: Int] {
    try state(flowId).counts
  }

  /// A flow's history of the last 90 days, oldest first.
  public func history(of flowId: String) throws(Refusal) -> [HistoryEvent] {
    let cutoff = clock.now.addingTimeInterval(-Self.historyRetention)
    return try state(flowId).history.filter { $0.time >= cutoff }
  }

  /// Flows whose newest action error is less than seven days old. There is no way to
  /// take a flow off this list by hand: it leaves when seven days pass without a new error.
  public func flowsWithErrors() -> [FlowWithErrors] {
    let now = clock.now
    let historyCutoff = now.addingTimeInterval(-Self.historyRetention)
    return flowIds.compactMap { id in
      guard let flow = flows[id], let last = flow.lastErrorAt,
        now.timeIntervalSince(last) < Self.errorListDuration
      else { return nil }
      let errors = flow.history.filter { $0.kind == .actionError && $0.time >= historyCutoff }.count
      return FlowWithErrors(flowId: id, name: flow.definition.name, newestErrorAt: last, errorCount: errors)
    }
  }

  /// Removes history events older than 90 days. Reading history applies the same cut-off,
  /// so this only frees memory.
  public mutating func pruneHistory() {
    let cutoff = clock.now.addingTimeInterval(-Self.historyRetention)
    for id in flows.keys {
      // Events are appended in time order, so the old ones are a prefix.
      let old = flows[id]!.history.prefix { $0.time < cutoff }.count
      if old > 0 { flows[id]!.history.removeFirst(old) }
    }
  }

  // MARK: Outbox

  /// Messages written and not yet taken by the host.
  public var pendingOutbox: [OutboxMessage] { outbox }

  /// Takes every message from the outbox.
  public mutating func drainOutbox() -> [OutboxMessage] {
    defer { outbox.removeAll(keepingCapacity: true) }
    return outbox
  }

  // MARK: Internals

  func state(_ id: String) throws(Refusal) -> FlowState {
    guard let flow = flows[id] else { throw Refusal(.flowNotFound, ["flow": id]) }
    return flow
  }

  /// Takes a flow out of the table, lets `body` change it, and puts it back. Taking it out
  /// keeps its storage uniquely referenced, so changes happen in place.
  mutating func modify<R>(
    _ id: String, _ body: (inout FlowEngine, inout FlowState) throws(Refusal) -> R
  ) throws(Refusal) -> R {
    guard var flow = flows.removeValue(forKey: id) else { throw Refusal(.flowNotFound, ["flow": id]) }
    defer {
      flows[id] = flow
      changedFlows.insert(id)
    }
    return try body(&self, &flow)
  }
}

/// An entry of the flows-with-errors list.
public struct FlowWithErrors: Sendable, Hashable, Codable {
  public var flowId: String
  public var name: String
  public var newestErrorAt: Date
  /// Action errors in the flow's 90-day history.
  public var errorCount: Int

  public init(flowId: String, name: String, newestErrorAt: Date, errorCount: Int) {
    self.flowId = flowId
    self.name = name
    self.newestErrorAt = newestErrorAt
    self.errorCount = errorCount
  }
}
