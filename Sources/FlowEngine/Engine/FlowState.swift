import Foundation
import HeapModule

/// An entry in a flow's schedule: who is due when. Entries whose token no longer matches
/// the participant's are stale and skipped, so rescheduling never searches the heap.
struct ScheduleEntry: Comparable, Sendable {
  var due: Date
  var token: UInt64
  var contactId: String

  static func < (lhs: Self, rhs: Self) -> Bool {
    lhs.due != rhs.due ? lhs.due < rhs.due : lhs.token < rhs.token
  }
}

/// A key for a split branch, used to count who is inside it.
struct BranchKey: Hashable, Sendable {
  var stepId: String
  var branchId: String
}

/// Participants by contact id, remembering which ones changed since the host last
/// persisted them.
///
/// A participant is found by one hash of its contact id; marking it changed costs no
/// second one, as a set of changed ids did. A step touches its participant several times.
struct ParticipantTable: Sendable {
  /// Where each contact's participant is in `entries`.
  private var slots: [String: Int] = [:]
  /// The participants; nil where one was removed.
  private var entries: [Participant?] = []
  /// Whether the entry at the same place changed since `takeChanged()`.
  private var isChanged: [Bool] = []
  /// The places of the changed entries, each once, in the order they first changed.
  private var changedSlots: [Int] = []

  subscript(contactId: String) -> Participant? {
    get {
      guard let slot = slots[contactId] else { return nil }
      return entries[slot]
    }
    set {
      let slot = self.slot(contactId)
      markChanged(slot)
      entries[slot] = newValue
    }
    _modify {
      let slot = self.slot(contactId)
      markChanged(slot)
      yield &entries[slot]
    }
  }

  var values: some Sequence<Participant> {
    entries.lazy.compactMap { $0 }
  }

  /// The contact ids of the participants changed since the last call, in no set order.
  mutating func takeChanged() -> [String] {
    defer {
      for slot in changedSlots { isChanged[slot] = false }
      changedSlots.removeAll(keepingCapacity: true)
    }
    return changedSlots.compactMap { entries[$0]?.contactId }
  }

  /// Forgets every participant, keeping the storage for the next batch. Nothing may be changed.
  mutating func evictAll() {
    slots.removeAll(keepingCapacity: true)
    entries.removeAll(keepingCapacity: true)
    isChanged.removeAll(keepingCapacity: true)
    changedSlots.removeAll(keepingCapacity: true)
  }

  /// Makes room for `count` more participants.
  mutating func reserveCapacity(adding count: Int) {
    slots.reserveCapacity(slots.count + count)
    entries.reserveCapacity(entries.count + count)
    isChanged.reserveCapacity(isChanged.count + count)
  }

  /// Loads a participant without marking it changed.
  mutating func restore(_ participant: Participant) {
    entries[slot(participant.contactId)] = participant
  }

  /// The place of `contactId`'s entry, made (empty) when it has none.
  private mutating func slot(_ contactId: String) -> Int {
    if let slot = slots[contactId] { return slot }
    let slot = entries.count
    slots[contactId] = slot
    entries.append(nil)
    isChanged.append(false)
    return slot
  }

  private mutating func markChanged(_ slot: Int) {
    guard !isChanged[slot] else { return }
    isChanged[slot] = true
    changedSlots.append(slot)
  }
}

/// Everything the engine keeps about one flow.
struct FlowState: Sendable {
  var id: String
  var version: Int
  var status: FlowStatus
  var definition: FlowDefinition {
    didSet { stepIndex = Self.index(definition.steps) }
  }
  private(set) var stepIndex: [String: Int]

  var participants = ParticipantTable()
  /// Whether every participant of the flow is in memory (always, unless paging).
  var isComplete = true
  /// Queued participants in enrollment order, released on resume.
  var queue: [String] = []
  /// Contact ids of queued and active participants, for end.
  var inFlow: Set<String> = []
  /// Active participants by the step they are at, for the edit guards.
  var occupants: [String: Set<String>] = [:]
  /// Active participants by the split branch they took.
  var branchOccupants: [BranchKey: Set<String>] = [:]
  /// Email addresses held by active participants.
  var emailClaims: [String: String] = [:]
  /// While paging: addresses whose holder, if any, is already in `emailClaims`.
  var knownClaims: Set<String> = []
  /// While paging: contacts whose stored participant, if any, is already in memory.
  var knownParticipants: Set<String> = []
  var schedule = Heap<ScheduleEntry>()
  /// While paging: the due participants handed over, read with `limit`, and whether the
  /// store may hold more.
  var suppliedDue: (limit: Int, more: Bool)?
  /// While paging: how many were due, counted up to `limit`, as the store counted them.
  var suppliedDueCount: (limit: Int, count: Int)?
  /// While paging: the store's earliest due time, once handed over (the inner nil: none).
  var suppliedNextDue: Date??

  var history: [HistoryEvent] = []
  var lastErrorAt: Date?
  /// Whether the definition changed since the host last persisted the flow.
  var definitionChanged = true
  var counts: [ParticipantStatus: Int] = [:]

  init(id: String, definition: FlowDefinition) {
    self.id = id
    self.version = 1
    self.status = .notRunning
    self.definition = definition
    self.stepIndex = Self.index(definition.steps)
  }

  /// The persistent part of the flow.
  var record: FlowRecord {
    FlowRecord(
      id: id, version: version, status: status, definition: definition, lastErrorAt: lastErrorAt,
      counts: counts.filter { $0.value != 0 })
  }

  static func index(_ steps: [Step]) -> [String: Int] {
    var index: [String: Int] = [:]
    for (offset, step) in steps.enumerated() where index[step.id] == nil { index[step.id] = offset }
    return index
  }

  func step(_ id: String?) -> Step? {
    guard let id, let offset = stepIndex[id] else { return nil }
    return definition.steps[offset]
  }

  /// The step after `id`, or nil at the end of the flow.
  func step(after id: String) -> Step? {
    guard let offset = stepIndex[id], offset + 1 < definition.steps.count else { return nil }
    return definition.steps[offset + 1]
  }

  var snapshot: FlowSnapshot {
    FlowSnapshot(id: id, version: version, status: status, definition: definition)
  }
}
