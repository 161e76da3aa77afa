import Foundation

/// The persistent state of a flow (its participants, history and schedule aside).
public struct FlowRecord: Sendable, Hashable, Codable {
  public var id: String
  public var version: Int
  public var status: FlowStatus
  public var definition: FlowDefinition
  public var lastErrorAt: Date?
  /// How many participants have each status, when the store keeps them (nil: count them).
  public var counts: [ParticipantStatus: Int]?

  public init(
    id: String, version: Int, status: FlowStatus, definition: FlowDefinition, lastErrorAt: Date?,
    counts: [ParticipantStatus: Int]? = nil
  ) {
    self.id = id
    self.version = version
    self.status = status
    self.definition = definition
    self.lastErrorAt = lastErrorAt
    self.counts = counts
  }
}

/// A participant with the flow it belongs to.
public struct ParticipantRecord: Sendable, Hashable, Codable {
  public var flowId: String
  public var participant: Participant

  public init(flowId: String, participant: Participant) {
    self.flowId = flowId
    self.participant = participant
  }
}

/// Counters that must survive a restart so ids and schedule order are never reused.
public struct EngineCounters: Sendable, Hashable, Codable {
  public var nextFlowNumber: Int
  public var nextToken: UInt64

  public init(nextFlowNumber: Int, nextToken: UInt64) {
    self.nextFlowNumber = nextFlowNumber
    self.nextToken = nextToken
  }
}

/// Everything an operation changed, for a host to persist in one transaction.
public struct EngineChanges: Sendable {
  /// Flows whose status, version or error time changed, with their current state.
  public var flows: [FlowRecord] = []
  /// The ids of flows in `flows` whose definition is a new version.
  public var newDefinitions: Set<String> = []
  public var deletedFlows: [String] = []
  public var participants: [ParticipantRecord] = []
  public var contacts: [Contact] = []
  public var companies: [String: [String: String]] = [:]
  public var history: [HistoryEvent] = []
  public var outbox: [OutboxMessage] = []
  public var counters: EngineCounters

  public init(counters: EngineCounters) { self.counters = counters }

  public var isEmpty: Bool {
    flows.isEmpty && deletedFlows.isEmpty && participants.isEmpty && contacts.isEmpty && companies.isEmpty
      && history.isEmpty && outbox.isEmpty
  }
}

/// The whole persistent state, as a store loads it.
public struct EngineSnapshot: Sendable {
  public var flows: [FlowRecord]
  public var participants: [ParticipantRecord]
  public var contacts: [Contact]
  public var companies: [String: [String: String]]
  /// History events younger than the retention period, oldest first.
  public var history: [HistoryEvent]
  public var counters: EngineCounters

  public init(
    flows: [FlowRecord], participants: [ParticipantRecord], contacts: [Contact],
    companies: [String: [String: String]], history: [HistoryEvent], counters: EngineCounters
  ) {
    self.flows = flows
    self.participants = participants
    self.contacts = contacts
    self.companies = companies
    self.history = history
    self.counters = counters
  }
}

extension FlowEngine {
  /// Takes everything changed since the last call. Messages leave the outbox with it: once
  /// the host commits them, they are the store's to send.
  public mutating func takeChanges() -> EngineChanges {
    var changes = EngineChanges(
      counters: EngineCounters(nextFlowNumber: nextFlowNumber, nextToken: nextToken))
    for id in changedFlows.sorted() {
      guard var flow = flows.removeValue(forKey: id) else { continue }
      changes.flows.append(flow.record)
      if flow.definitionChanged {
        changes.newDefinitions.insert(id)
        flow.definitionChanged = false
      }
      for contactId in flow.participants.takeChanged().sorted() {
        if let participant = flow.participants[contactId] {
          changes.participants.append(ParticipantRecord(flowId: id, participant: participant))
        }
      }
      flows[id] = flow
    }
    changedFlows.removeAll(keepingCapacity: true)
    changes.deletedFlows = deletedFlows.sorted()
    deletedFlows.removeAll()
    changes.contacts = changedContacts.sorted().compactMap { contacts[$0] }
    changedContacts.removeAll(keepingCapacity: true)
    for id in changedCompanies { changes.companies[id] = companies[id] ?? [:] }
    changedCompanies.removeAll()
    changes.history = pendingHistory
    pendingHistory.removeAll(keepingCapacity: true)
    changes.outbox = drainOutbox()
    return changes
  }

  /// Rebuilds an engine from what a store loaded: every index and the schedule.
  public init(clock: any FlowClock, snapshot: EngineSnapshot) {
    self.init(clock: clock)
    nextFlowNumber = snapshot.counters.nextFlowNumber
    nextToken = snapshot.counters.nextToken
    for contact in snapshot.contacts { contacts[contact.id] = contact }
    companies = snapshot.companies
    for record in snapshot.flows {
      var flow = FlowState(id: record.id, definition: record.definition)
      flow.version = record.version
      flow.status = record.status
      flow.lastErrorAt = record.lastErrorAt
      flow.definitionChanged = false
      flows[record.id] = flow
    }
    for event in snapshot.history { flows[event.flowId]?.history.append(event) }
    let byFlow = Dictionary(grouping: snapshot.participants, by: \.flowId)
    for (id, records) in byFlow {
      guard var flow = flows.removeValue(forKey: id) else { continue }
      // Keep the order the schedule had: by due time, then by the old token.
      let ordered = records.map(\.participant).sorted {
        ($0.due ?? .distantFuture, $0.scheduleToken) < ($1.due ?? .distantFuture, $1.scheduleToken)
      }
      var queued: [Participant] = []
      for var participant in ordered {
        flow.counts[participant.status, default: 0] += 1
        if participant.status.isInFlow { flow.inFlow.insert(participant.contactId) }
        if participant.status == .queued { queued.append(participant) }
        if participant.status == .active {
          if let step = participant.stepId { flow.occupants[step, default: []].insert(participant.contactId) }
          for (split, branch) in participant.branches {
            flow.branchOccupants[BranchKey(stepId: split, branchId: branch), default: []].insert(
              participant.contactId)
          }
          if let address = participant.emailClaim { flow.emailClaims[address] = participant.contactId }
          if let due = participant.due {
            participant.scheduleToken = nextToken
            nextToken += 1
            flow.schedule.insert(
              ScheduleEntry(due: due, token: participant.scheduleToken, contactId: participant.contactId))
          }
        }
        flow.participants.restore(participant)
      }
      flow.queue = queued.sorted { $0.queueOrder < $1.queueOrder }.map(\.contactId)
      flows[id] = flow
    }
  }
}
