import Foundation

/// Enrollment through the trigger, manual re-enrollment, and actions performed by contacts.
extension FlowEngine {
  /// Enrolls a contact through the flow's trigger.
  ///
  /// The filter is checked once, here. While the flow is paused the participant is queued.
  /// A contact that already meets the success criterion is added and counted as a success.
  @discardableResult
  public mutating func enroll(_ contactId: String, in flowId: String) throws(Refusal) -> Participant {
    let now = clock.now
    faultInContact(contactId)
    guard let contact = contacts[contactId] else { throw Refusal(.contactNotFound, ["contact": contactId]) }
    return try modify(flowId) { (engine, flow) throws(Refusal) in
      guard flow.status != .notRunning else { throw Refusal(.enrollWhileNotRunning) }
      engine.faultIn(contactId, in: &flow)
      let parameters = ["contact": contactId]
      if let existing = flow.participants[contactId] {
        if existing.status.isInFlow { throw Refusal(.contactAlreadyInFlow, parameters) }
        if existing.status == .cancelled { throw Refusal(.participantWasCancelled, parameters) }
        if flow.definition.trigger.onlyOnce { throw Refusal(.contactAlreadyStartedFlow, parameters) }
      }
      let trigger = flow.definition.trigger
      if let filter = trigger.filter, !filter.isMet(by: contact) {
        throw Refusal(.contactDoesNotMatchFilter, parameters)
      }
      if trigger.exclusionList.contains(contactId) { throw Refusal(.contactExcluded, parameters) }
      return engine.admit(contact, to: &flow, now: now)
    }
  }

  /// Enrolls a participant again by hand, after the cause of its drop-out or error is fixed.
  /// The trigger's filter and only-once policy do not apply; cancelled participants stay cancelled.
  @discardableResult
  public mutating func reenroll(_ contactId: String, in flowId: String) throws(Refusal) -> Participant {
    let now = clock.now
    faultInContact(contactId)
    guard let contact = contacts[contactId] else { throw Refusal(.contactNotFound, ["contact": contactId]) }
    return try modify(flowId) { (engine, flow) throws(Refusal) in
      guard flow.status != .notRunning else { throw Refusal(.enrollWhileNotRunning) }
      engine.faultIn(contactId, in: &flow)
      guard let existing = flow.participants[contactId] else {
        throw Refusal(.participantNotFound, ["contact": contactId])
      }
      if existing.status.isInFlow { throw Refusal(.reenrollWhileInFlow, ["contact": contactId]) }
      if existing.status == .cancelled { throw Refusal(.participantWasCancelled, ["contact": contactId]) }
      return engine.admit(contact, to: &flow, now: now)
    }
  }

  /// Records that a contact performed an action (opened an email, clicked a link). A
  /// participant waiting for it moves on at the next `advance()`.
  public mutating func recordAction(_ action: String, by contactId: String) {
    let now = clock.now
    for id in flowIds {
      if isPaging, var flow = flows.removeValue(forKey: id) {
        faultIn(contactId, in: &flow)
        flows[id] = flow
      }
      guard flows[id]?.participants[contactId]?.status.isInFlow == true else { continue }
      try? modify(id) { (engine, flow) in
        guard var participant = flow.participants[contactId] else { return }
        participant.performedActions.insert(action)
        let isWaitingForIt: Bool
        if case .waitForAction(let wait) = flow.step(participant.stepId)?.action {
          isWaitingForIt = participant.isWaiting && wait.action == action
        } else {
          isWaitingForIt = false
        }
        flow.participants[contactId] = participant
        if isWaitingForIt { engine.schedule(contactId, in: &flow, at: now) }
      }
    }
  }

  /// Adds (or restarts) a participant: finished with success at once, queued, or active.
  mutating func admit(_ contact: Contact, to flow: inout FlowState, now: Date) -> Participant {
    let attempt = (flow.participants[contact.id]?.attempt ?? 0) + 1
    if let old = flow.participants[contact.id] { flow.counts[old.status, default: 0] -= 1 }
    var participant = Participant(contactId: contact.id, status: .queued, enrolledAt: now, attempt: attempt)
    if let criterion = flow.definition.successCriterion, criterion.isMet(by: contact) {
      participant.status = .finishedWithSuccess
      flow.participants[contact.id] = participant
      flow.counts[.finishedWithSuccess, default: 0] += 1
      return participant
    }
    flow.participants[contact.id] = participant
    flow.counts[.queued, default: 0] += 1
    flow.inFlow.insert(contact.id)
    if flow.status == .paused {
      // The token keeps the queue's order in the store: enrollments can share a moment.
      flow.participants[contact.id]!.scheduleToken = nextToken
      nextToken += 1
      flow.queue.append(contact.id)
    } else {
      activate(contact.id, in: &flow, now: now)
    }
    return flow.participants[contact.id]!
  }

  /// Places a queued participant on the first step, due now.
  mutating func activate(_ contactId: String, in flow: inout FlowState, now: Date) {
    guard var participant = flow.participants[contactId] else { return }
    flow.counts[participant.status, default: 0] -= 1
    flow.counts[.active, default: 0] += 1
    participant.status = .active
    flow.participants[contactId] = participant
    enter(contactId, step: flow.definition.steps.first?.id, in: &flow, now: now)
  }
}
