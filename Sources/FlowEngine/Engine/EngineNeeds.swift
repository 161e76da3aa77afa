import Foundation
import Synchronization

/// What a paging engine needs from the store and does not hold.
///
/// The engine does no I/O. A host builds a paging engine from the flows it read
/// (`init(clock:paging:)`); the engine then holds flows, companies, history and counts, and
/// only the participants and contacts the host handed it. When an operation reaches
/// something it was not handed, the engine notes a need and goes on as if it were absent.
/// The host reads what was needed from its store, hands it over (`supply...`) to the copy
/// of the engine from before the operation, and runs the operation again; an operation
/// that ends with no needs is the one whose result counts. Everything handed over is
/// remembered, absent things included, so each need is met once.
public enum EngineNeed: Hashable, Sendable {
  /// A contact, or the fact that there is none.
  case contact(String)
  /// A contact's participant of a flow, or the fact that there is none.
  case participant(flowId: String, contactId: String)
  /// Every participant of a flow: resume, end and edit look at all of them.
  case allParticipants(flowId: String)
  /// Up to `limit` active participants of a flow that are due now, with their contacts.
  case due(flowId: String, limit: Int)
  /// How many active participants of a flow are due now, counted up to `limit`.
  case dueCount(flowId: String, limit: Int)
  /// The earliest due time of an active participant of a flow.
  case nextDue(flowId: String)
  /// The active holder of an email address in a flow, or the fact that there is none.
  case holder(flowId: String, address: String)
}

/// The needs an operation noted; shared by the copies of one engine, read by the host.
final class EngineNeedLog: Sendable {
  private let needs = Mutex<Set<EngineNeed>>([])

  func note(_ need: EngineNeed) { _ = needs.withLock { $0.insert(need) } }

  func take() -> Set<EngineNeed> {
    needs.withLock { needs in
      defer { needs.removeAll() }
      return needs
    }
  }
}

extension FlowEngine {
  /// An engine that holds the flows, companies, history and counts of `snapshot`, and
  /// notes what else an operation needs (`takeNeeds()`) instead of reading it. Each flow's
  /// counts must come with it.
  public init(clock: any FlowClock, paging snapshot: EngineSnapshot) {
    self.init(clock: clock, snapshot: snapshot)
    isPaging = true
    let stored = Dictionary(
      snapshot.flows.map { ($0.id, $0.counts) }, uniquingKeysWith: { first, _ in first })
    for id in flowIds {
      flows[id]!.isComplete = false
      flows[id]!.counts = (stored[id] ?? nil) ?? [:]
    }
  }

  /// What the operations since the last call needed and did not find; empty when they had
  /// everything, so that their results stand.
  public func takeNeeds() -> Set<EngineNeed> { needLog.take() }

  // MARK: Handing over what was needed

  /// Contacts read for `asked`; an asked id that is not among them has no contact.
  public mutating func supply(contacts found: [Contact], asked: some Sequence<String>) {
    for contact in found where contacts[contact.id] == nil { contacts[contact.id] = contact }
    for id in asked where contacts[id] == nil { absentContacts.insert(id) }
  }

  /// Participants of a flow read for the contacts `asked`; the others have none stored.
  public mutating func supply(
    participants found: [Participant], asked: some Sequence<String>, in flowId: String
  ) {
    guard flows[flowId] != nil else { return }
    for participant in found where flows[flowId]!.participants[participant.contactId] == nil {
      flows[flowId]!.adopt(participant)
    }
    flows[flowId]!.knownParticipants.formUnion(asked)
  }

  /// Every stored participant of a flow: its indexes become whole.
  public mutating func supply(allParticipants found: [Participant], in flowId: String) {
    guard var flow = flows.removeValue(forKey: flowId) else { return }
    defer { flows[flowId] = flow }
    guard !flow.isComplete else { return }
    for participant in found where flow.participants[participant.contactId] == nil {
      flow.participants.restore(participant)
    }
    flow.rebuildIndexes()
    flow.isComplete = true
  }

  /// Due participants of a flow, each with its contact, read with `limit`. Returns the email
  /// addresses whose holders the batch will ask about (`supply(holders:asked:in:)`), so the
  /// host can read them in the same go.
  public mutating func supply(
    due: [(Participant, Contact?)], limit: Int, in flowId: String
  ) -> [String] {
    guard var flow = flows.removeValue(forKey: flowId) else { return [] }
    defer { flows[flowId] = flow }
    var adopted = 0
    var addresses: [String] = []
    // Only a participant with an email step still ahead can need to know an address's holder.
    let lastEmailStep = flow.definition.steps.lastIndex {
      if case .sendEmail = $0.action { true } else { false }
    }
    // Room for the whole batch up front, instead of growing (and rehashing) as it arrives.
    flow.reserveCapacity(adding: due.count)
    contacts.reserveCapacity(contacts.count + due.count)
    for (participant, contact) in due where flow.participants[participant.contactId] == nil {
      flow.adopt(participant)
      flow.knownParticipants.insert(participant.contactId)
      adopted += 1
      if let contact, contacts[contact.id] == nil { contacts[contact.id] = contact }
      guard let lastEmailStep, (participant.stepId.flatMap { flow.stepIndex[$0] } ?? 0) <= lastEmailStep
      else { continue }
      if let email = contacts[participant.contactId]?.email {
        let address = Self.normalized(email)
        if flow.emailClaims[address] == nil, !flow.knownClaims.contains(address) { addresses.append(address) }
      }
    }
    // Rows already in memory were handled there; only new ones hint at more in the store.
    flow.suppliedDue = (limit, due.count == limit && adopted > 0)
    return addresses
  }

  /// The stored active holders of the email addresses `asked` in a flow; an address not
  /// among them is free in the store.
  public mutating func supply(holders: [String: String], asked: some Sequence<String>, in flowId: String) {
    guard var flow = flows.removeValue(forKey: flowId) else { return }
    defer { flows[flowId] = flow }
    for address in asked where !flow.knownClaims.contains(address) {
      // A holder in memory is newer than its stored copy: its own claim, if it still has
      // one, is in the index already.
      if let holder = holders[address], flow.participants[holder] == nil, flow.emailClaims[address] == nil {
        flow.emailClaims[address] = holder
      }
      flow.knownClaims.insert(address)
    }
  }

  /// How many participants of a flow are due, counted up to `limit`.
  public mutating func supply(dueCount: Int, limit: Int, in flowId: String) {
    flows[flowId]?.suppliedDueCount = (limit, dueCount)
  }

  /// The earliest due time of a flow's stored active participants, if any.
  public mutating func supply(nextDue: Date?, in flowId: String) {
    flows[flowId]?.suppliedNextDue = .some(nextDue)
  }

  // MARK: Noting needs

  /// Notes that an operation is about to touch these contacts and their participants of a
  /// flow (a bulk enrollment), so that its first run asks for all of them at once, rather
  /// than a run for each when the operation stops at its first refusal.
  ///
  /// Returns whether it noted anything: then the run's results will not count, and the
  /// caller may stop there instead of doing work that is thrown away.
  @discardableResult
  public func prefetch(contacts ids: [String], in flowId: String) -> Bool {
    guard isPaging, var flow = flows[flowId], !flow.isComplete else { return false }
    var noted = false
    for id in ids {
      if contacts[id] == nil, !absentContacts.contains(id) {
        faultInContact(id)
        noted = true
      }
      if flow.participants[id] == nil, !flow.knownParticipants.contains(id) {
        faultIn(id, in: &flow)
        noted = true
      }
    }
    return noted
  }

  /// A contact, from memory; notes the need when it was not handed over.
  func faultInContact(_ id: String) {
    guard isPaging, contacts[id] == nil, !absentContacts.contains(id) else { return }
    needLog.note(.contact(id))
  }

  /// A contact's participant of a flow, from memory; notes the need when it was not handed over.
  func faultIn(_ contactId: String, in flow: inout FlowState) {
    guard isPaging, !flow.isComplete, flow.participants[contactId] == nil,
      !flow.knownParticipants.contains(contactId)
    else { return }
    needLog.note(.participant(flowId: flow.id, contactId: contactId))
  }

  /// Every participant of a flow, for an operation that needs its indexes whole.
  func faultInAll(_ flow: inout FlowState) {
    guard isPaging, !flow.isComplete else { return }
    needLog.note(.allParticipants(flowId: flow.id))
  }

  /// Up to `limit` due participants of a flow, and their contacts. Returns whether the
  /// store may hold more that are due.
  func faultInDue(_ flow: inout FlowState, now: Date, limit: Int) -> Bool {
    guard isPaging, !flow.isComplete, limit > 0 else { return false }
    if let supplied = flow.suppliedDue, supplied.limit >= limit { return supplied.more }
    needLog.note(.due(flowId: flow.id, limit: limit))
    return false
  }

  /// The active holder of an email address in a flow, from memory or handed over.
  func emailHolder(_ address: String, in flow: FlowState) -> String? {
    if let holder = flow.emailClaims[address] { return holder }
    if isPaging, !flow.isComplete, !flow.knownClaims.contains(address) {
      needLog.note(.holder(flowId: flow.id, address: address))
    }
    return nil
  }
}

extension FlowState {
  /// Makes room for `count` more participants in memory and in the indexes a batch fills.
  mutating func reserveCapacity(adding count: Int) {
    participants.reserveCapacity(adding: count)
    inFlow.reserveCapacity(inFlow.count + count)
    knownParticipants.reserveCapacity(knownParticipants.count + count)
  }

  /// Adds a participant read from the store to memory and to the indexes.
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
}
