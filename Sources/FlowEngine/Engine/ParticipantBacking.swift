import Foundation

/// Where an engine finds the participants and contacts it does not hold in memory: a store
/// with the committed copy of them. The engine only reads through it; the host writes.
///
/// Reads do not throw: a backing that fails to read answers nil or empty and reports the
/// failure to its host, which throws the operation's result away and fails it.
public protocol ParticipantBacking: Sendable {
  /// The stored participant of a contact in a flow.
  func participant(_ contactId: String, in flowId: String) -> Participant?
  /// Every stored participant of a flow.
  func participants(in flowId: String) -> [Participant]
  /// One page of a flow's stored participants in enrollment order (then contact id).
  func participants(in flowId: String, limit: Int, offset: Int) -> [Participant]
  /// Active participants due at `now` or earlier, in schedule order (due time, then token),
  /// at most `limit`, each with its contact.
  func dueParticipants(in flowId: String, at now: Date, limit: Int) -> [(Participant, Contact?)]
  /// How many active participants of a flow are due at `now` or earlier, counted up to `limit`.
  func dueCount(in flowId: String, at now: Date, limit: Int) -> Int
  /// The earliest due time of an active participant of a flow.
  func nextDue(in flowId: String) -> Date?
  /// The active holders of email addresses in a flow, by address; free addresses are left out.
  func holders(of addresses: [String], in flowId: String) -> [String: String]
  /// How many stored participants of a flow have each status.
  func participantCounts(in flowId: String) -> [ParticipantStatus: Int]
  /// Stored contacts, by id; unknown ids are left out.
  func contacts(_ ids: [String]) -> [Contact]
}

/// Paging: with a backing, a flow's participants are held in memory only while an operation
/// needs them. `evictCommitted()` lets them go once they are stored; the next operation reads
/// back the few it touches, and operations that need a whole flow (resume, end, edit) read
/// all of it first.
extension FlowEngine {
  /// Rebuilds an engine that holds flows, companies, history and counts, and reads
  /// participants and contacts through `backing` as it needs them.
  public init(clock: any FlowClock, paging snapshot: EngineSnapshot, backing: any ParticipantBacking) {
    self.init(clock: clock, snapshot: snapshot)
    self.backing = backing
    for id in flowIds {
      flows[id]!.isComplete = false
      flows[id]!.counts = backing.participantCounts(in: id)
    }
  }

  /// Drops every participant and contact from memory, keeping flows, counts and history.
  /// Only for a host that has just committed: nothing changed may be pending.
  public mutating func evictCommitted() {
    guard backing != nil else { return }
    precondition(changedFlows.isEmpty && changedContacts.isEmpty, "evicting uncommitted changes")
    for id in flows.keys {
      flows[id]!.evictParticipants()
    }
    contacts.removeAll(keepingCapacity: true)
  }

  /// Whether memory holds only part of what is stored.
  public var isPaging: Bool { backing != nil }

  /// How many participants and contacts memory holds now.
  public var residentCounts: (participants: Int, contacts: Int) {
    (flows.values.reduce(0) { $0 + $1.participants.count }, contacts.count)
  }

  /// Makes sure a contact is in memory, if it exists.
  mutating func faultInContact(_ id: String) {
    guard let backing, contacts[id] == nil else { return }
    if let contact = backing.contacts([id]).first { contacts[id] = contact }
  }

  /// Makes sure a contact's participant of a flow is in memory, if it exists.
  func faultIn(_ contactId: String, in flow: inout FlowState) {
    guard let backing, !flow.isComplete, flow.participants[contactId] == nil,
      let participant = backing.participant(contactId, in: flow.id)
    else { return }
    flow.adopt(participant)
  }

  /// Reads every participant of a flow into memory, so its indexes are whole.
  func faultInAll(_ flow: inout FlowState) {
    guard let backing, !flow.isComplete else { return }
    for participant in backing.participants(in: flow.id) where flow.participants[participant.contactId] == nil
    {
      flow.participants.restore(participant)
    }
    flow.rebuildIndexes()
    flow.isComplete = true
  }

  /// Reads up to `limit` due participants of a flow, and their contacts, into memory.
  /// Returns whether the backing may hold more that are due.
  mutating func faultInDue(_ flow: inout FlowState, now: Date, limit: Int) -> Bool {
    guard let backing, !flow.isComplete, limit > 0 else { return false }
    let due = backing.dueParticipants(in: flow.id, at: now, limit: limit)
    var adopted = 0
    var addresses: [String] = []
    // Only a participant with an email step still ahead can need to know an address's holder.
    let lastEmailStep = flow.definition.steps.lastIndex {
      if case .sendEmail = $0.action { true } else { false }
    }
    for (participant, contact) in due where flow.participants[participant.contactId] == nil {
      flow.adopt(participant)
      adopted += 1
      if let contact, contacts[contact.id] == nil { contacts[contact.id] = contact }
      guard let lastEmailStep, (participant.stepId.flatMap { flow.stepIndex[$0] } ?? 0) <= lastEmailStep
      else { continue }
      if let email = contacts[participant.contactId]?.email {
        let address = Self.normalized(email)
        if flow.emailClaims[address] == nil { addresses.append(address) }
      }
    }
    // Who holds the batch's addresses, asked once instead of at each email step.
    let holders = backing.holders(of: addresses, in: flow.id)
    for address in addresses {
      if let holder = holders[address], flow.participants[holder] == nil {
        flow.emailClaims[address] = holder
      }
      flow.knownClaims.insert(address)
    }
    // Rows already in memory were handled there; only new ones hint at more in the store.
    return due.count == limit && adopted > 0
  }

  /// The active holder of an email address in a flow, in memory or stored.
  func emailHolder(_ address: String, in flow: FlowState) -> String? {
    if let holder = flow.emailClaims[address] { return holder }
    guard let backing, !flow.isComplete, !flow.knownClaims.contains(address),
      let holder = backing.holders(of: [address], in: flow.id)[address]
    else { return nil }
    // A holder in memory is newer than its stored copy: it may have let the address go.
    if let resident = flow.participants[holder] { return resident.emailClaim == address ? holder : nil }
    return holder
  }
}

extension FlowState {
  /// Adds a participant read from the backing to memory and to the indexes.
  mutating func adopt(_ participant: Participant) {
    participants.restore(participant)
    addToIndexes(participant)
  }

  /// Adds one participant to the indexes: in-flow, occupants, branches, email claims, the
  /// schedule, and the queue of a paused flow.
  mutating func addToIndexes(_ participant: Participant) {
    let id = participant.contactId
    if participant.status.isInFlow { inFlow.insert(id) }
    if participant.status == .queued { queue.append(id) }
    guard participant.status == .active else { return }
    if let step = participant.stepId { occupants[step, default: []].insert(id) }
    for (split, branch) in participant.branches {
      branchOccupants[BranchKey(stepId: split, branchId: branch), default: []].insert(id)
    }
    if let address = participant.emailClaim { emailClaims[address] = id }
    if let due = participant.due {
      schedule.insert(ScheduleEntry(due: due, token: participant.scheduleToken, contactId: id))
    }
  }

  /// Rebuilds every index from the participants in memory. The queue keeps enrollment order.
  mutating func rebuildIndexes() {
    inFlow.removeAll(keepingCapacity: true)
    occupants.removeAll(keepingCapacity: true)
    branchOccupants.removeAll(keepingCapacity: true)
    emailClaims.removeAll(keepingCapacity: true)
    knownClaims.removeAll(keepingCapacity: true)
    schedule = .init()
    queue.removeAll(keepingCapacity: true)
    for participant in participants.values { addToIndexes(participant) }
    queue.sort { participants[$0]!.queueOrder < participants[$1]!.queueOrder }
  }

  /// Forgets the participants in memory and their indexes; counts stay.
  mutating func evictParticipants() {
    participants.evictAll()
    rebuildIndexes()
    isComplete = false
  }
}
