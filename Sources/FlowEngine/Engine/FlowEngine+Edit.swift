import Foundation

/// Editing a flow: only while paused or not running, only by a flow administrator, and never
/// in a way that strands participants (the structural edit guards).
extension FlowEngine {
  /// Replaces a flow's definition with a new version.
  ///
  /// Participants keep their place: an edited step applies to those who have not passed it
  /// yet, and not to those who have.
  @discardableResult
  public mutating func edit(
    _ flowId: String, to definition: FlowDefinition, as right: ActorRight
  ) throws(Refusal) -> FlowSnapshot {
    let now = clock.now
    return try modify(flowId) { (engine, flow) throws(Refusal) in
      guard right == .flowAdministrator else { throw Refusal(.editNeedsAdministrator) }
      guard flow.status != .running else { throw Refusal(.editWhileRunning) }
      engine.faultInAll(&flow)
      var problems = DefinitionValidator.structuralProblems(of: definition)
      problems += Self.guardProblems(from: flow, to: definition)
      guard problems.isEmpty else { throw Refusal(problems) }
      let old = flow.definition
      flow.definition = definition
      flow.version += 1
      flow.definitionChanged = true
      engine.repositionParticipants(in: &flow, from: old, now: now)
      return flow.snapshot
    }
  }

  /// The structural edit guards.
  static func guardProblems(from flow: FlowState, to definition: FlowDefinition) -> [CodedMessage] {
    var problems: [CodedMessage] = []
    let newIndex = FlowState.index(definition.steps)
    let common = flow.definition.steps.map(\.id).filter { newIndex[$0] != nil }
    let newOrder = definition.steps.map(\.id).filter { flow.stepIndex[$0] != nil }
    let oldPosition = Dictionary(common.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let newPosition = Dictionary(newOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })

    for step in flow.definition.steps where step.isGuarded {
      let occupied: Bool
      if case .split(let split) = step.action {
        occupied = split.branches.contains {
          !(flow.branchOccupants[BranchKey(stepId: step.id, branchId: $0.id)] ?? []).isEmpty
        }
      } else {
        occupied = !(flow.occupants[step.id] ?? []).isEmpty
      }
      let replacement = newIndex[step.id].map { definition.steps[$0] }
      let removedOrMoved =
        replacement == nil || replacement?.action.typeName != step.action.typeName
        || oldPosition[step.id] != newPosition[step.id]
      if occupied, removedOrMoved {
        problems.append(CodedMessage(.stepHasActiveParticipants, ["step": step.id]))
        continue
      }
      guard case .split(let split) = step.action, case .split(let newSplit)? = replacement?.action else {
        continue
      }
      let kept = Set(newSplit.branches.map(\.id))
      for branch in split.branches where !kept.contains(branch.id) {
        if !(flow.branchOccupants[BranchKey(stepId: step.id, branchId: branch.id)] ?? []).isEmpty {
          problems.append(CodedMessage(.branchHasActiveParticipants, ["step": step.id, "branch": branch.id]))
        }
      }
    }
    return problems
  }

  /// After an edit: participants on a removed step go on at the next step that remains, and
  /// participants waiting in a changed wait get its new timing.
  private mutating func repositionParticipants(in flow: inout FlowState, from old: FlowDefinition, now: Date)
  {
    for (offset, step) in old.steps.enumerated() {
      guard let occupants = flow.occupants[step.id], !occupants.isEmpty else { continue }
      if let current = flow.step(step.id) {
        guard current != step else { continue }
        for contactId in occupants.sorted() {
          guard let participant = flow.participants[contactId], participant.isWaiting,
            let entered = participant.enteredStepAt
          else { continue }
          switch current.action {
          case .waitTime(.duration(let seconds)): schedule(contactId, in: &flow, at: entered + seconds)
          case .waitTime(.until(let date)): schedule(contactId, in: &flow, at: date)
          case .waitForAction(let wait): schedule(contactId, in: &flow, at: entered + wait.timeout)
          default: break
          }
        }
      } else {
        // The next step of the old order that the new version still has.
        let successor = old.steps[(offset + 1)...].first { flow.stepIndex[$0.id] != nil }?.id
        for contactId in occupants.sorted() { enter(contactId, step: successor, in: &flow, now: now) }
      }
    }
  }
}
