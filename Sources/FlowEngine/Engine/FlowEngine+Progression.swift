import Foundation

/// What one call to `advance()` did.
public struct AdvanceReport: Sendable, Hashable {
  /// Participants taken from the schedule and moved.
  public var participantsAdvanced = 0
  /// Steps entered, summed over participants.
  public var stepsTaken = 0
  /// Whether participants that are already due are left for the next call (a batch limit).
  public var moreDue = false

  public init() {}
}

/// Moving participants through the steps: the pre-step checks, the steps, and their outcomes.
extension FlowEngine {
  /// Advances every due participant of every running flow, up to `limit` participants.
  @discardableResult
  ///
  /// A batch is shared fairly between running flows: each gets an equal part first, and
  /// what one leaves unused goes to the others, so a backlog in one flow never holds up the
  /// participants of another.
  public mutating func advance(limit: Int = .max) -> AdvanceReport {
    let now = clock.now
    var report = AdvanceReport()
    let running = flowIds.filter { flows[$0]?.status == .running }
    guard !running.isEmpty, limit > 0 else { return report }
    // How many each flow has due (up to the whole batch), then the batch shared out: equal
    // parts, and what a flow cannot use goes to the others.
    let demand = running.map { id in flows[id].map { dueCount($0, now: now, limit: limit) } ?? 0 }
    var allocation = [Int](repeating: 0, count: running.count)
    var budget = limit
    var open = demand.indices.filter { demand[$0] > 0 }
    while budget > 0, !open.isEmpty {
      let share = max(1, budget / open.count)
      var stillOpen: [Int] = []
      for index in open where budget > 0 {
        let give = min(share, demand[index] - allocation[index], budget)
        allocation[index] += give
        budget -= give
        if allocation[index] < demand[index] { stillOpen.append(index) }
      }
      open = stillOpen
    }
    for (index, id) in running.enumerated() where allocation[index] > 0 {
      var part = AdvanceReport()
      try? modify(id) { (engine, flow) in
        engine.advance(&flow, now: now, limit: allocation[index], report: &part)
      }
      report.participantsAdvanced += part.participantsAdvanced
      report.stepsTaken += part.stepsTaken
      if part.moreDue || allocation[index] < demand[index] { report.moreDue = true }
    }
    return report
  }

  /// Sets aside the participant that `advance(limit: 1)` would move next: it drops out with
  /// `FD2011` at its step, without running it. A host calls this when that participant's
  /// step cannot be stored (the store refuses what the step wrote), so one participant
  /// never holds up the others and the scheduler never retries the same failure. Returns
  /// the flow and contact, or nil when nobody is due.
  @discardableResult
  public mutating func setAsideNextDue() -> (flowId: String, contactId: String)? {
    let now = clock.now
    for id in flowIds where flows[id]?.status == .running {
      let found: String? = try? modify(id) { (engine, flow) in
        _ = engine.faultInDue(&flow, now: now, limit: 1)
        while let top = flow.schedule.min, top.due <= now {
          let entry = flow.schedule.removeMin()
          guard let participant = flow.participants[entry.contactId],
            participant.scheduleToken == entry.token,
            participant.status == .active
          else { continue }
          engine.dropOut(
            entry.contactId, .setAsideAfterFailure, ["step": participant.stepId ?? "-"], in: &flow, now: now)
          return entry.contactId
        }
        return nil
      }
      if let found { return (id, found) }
    }
    return nil
  }

  /// Sets aside a participant by hand: the same as when its step cannot be stored.
  public mutating func setAside(_ contactId: String, in flowId: String) throws(Refusal) {
    let now = clock.now
    try modify(flowId) { (engine, flow) throws(Refusal) in
      engine.faultIn(contactId, in: &flow)
      guard let participant = flow.participants[contactId], participant.status == .active else {
        throw Refusal(.participantNotFound, ["contact": contactId])
      }
      engine.dropOut(
        contactId, .setAsideAfterFailure, ["step": participant.stepId ?? "-"], in: &flow, now: now)
    }
  }

  /// How many participants of a flow are due at `now`, counted up to `limit`.
  func dueCount(_ flow: FlowState, now: Date, limit: Int) -> Int {
    if isPaging, !flow.isComplete {
      if let supplied = flow.suppliedDueCount, supplied.limit >= limit { return min(supplied.count, limit) }
      needLog.note(.dueCount(flowId: flow.id, limit: limit))
      return 0
    }
    return min(limit, flow.schedule.unordered.lazy.filter { $0.due <= now }.count)
  }

  /// The earliest moment a participant of a running flow is due, if any.
  public var nextDue: Date? {
    flows.values.lazy.filter { $0.status == .running }.compactMap { flow -> Date? in
      let inMemory = flow.schedule.min?.due
      guard isPaging, !flow.isComplete else { return inMemory }
      guard let supplied = flow.suppliedNextDue else {
        needLog.note(.nextDue(flowId: flow.id))
        return inMemory
      }
      guard let stored = supplied else { return inMemory }
      return min(inMemory ?? stored, stored)
    }.min()
  }

  mutating func advance(_ flow: inout FlowState, now: Date, limit: Int, report: inout AdvanceReport) {
    let moreStored = faultInDue(&flow, now: now, limit: limit - report.participantsAdvanced)
    defer { if moreStored { report.moreDue = true } }
    while let top = flow.schedule.min, top.due <= now {
      if report.participantsAdvanced >= limit {
        report.moreDue = true
        return
      }
      let entry = flow.schedule.removeMin()
      guard let participant = flow.participants[entry.contactId], participant.scheduleToken == entry.token,
        participant.status == .active
      else { continue }
      report.participantsAdvanced += 1
      report.stepsTaken += run(entry.contactId, in: &flow, now: now)
    }
  }

  /// Runs one participant until it waits or leaves. Returns the number of steps entered.
  private mutating func run(_ contactId: String, in flow: inout FlowState, now: Date) -> Int {
    faultInContact(contactId)
    var steps = 0
    var windowChecked = false
    // Steps only jump forward, so a participant passes each step at most once per call.
    for _ in 0...(flow.definition.steps.count + 1) {
      guard let participant = flow.participants[contactId], participant.status == .active else { break }
      guard let step = flow.step(participant.stepId) else {
        leave(contactId, in: &flow, as: .finished, reason: nil, now: now)
        break
      }
      if participant.isWaiting {
        flow.participants[contactId]!.isWaiting = false
        switch step.action {
        case .waitTime:
          enter(contactId, step: flow.step(after: step.id)?.id, in: &flow, now: now)
          steps += 1
        case .waitForAction(let wait):
          if participant.performedActions.contains(wait.action) || !wait.exitOnTimeout {
            enter(contactId, step: flow.step(after: step.id)?.id, in: &flow, now: now)
            steps += 1
          } else {
            dropOut(
              contactId, .waitForActionTimedOut, ["step": step.id, "action": wait.action], in: &flow, now: now
            )
          }
        default:
          // A rescheduled action whose time has come: run it now, after the checks.
          windowChecked = true
        }
        continue
      }
      let contact: Contact
      switch preStepCheck(participant, before: step, in: &flow) {
      case .proceed(let checked): contact = checked
      case .succeeded:
        leave(contactId, in: &flow, as: .finishedWithSuccess, reason: nil, now: now)
        return steps
      case .dropOut(let reason):
        dropOut(contactId, reason, in: &flow, now: now)
        return steps
      }
      if step.isTimedAction, !windowChecked, let window = flow.definition.settings.timeWindow,
        !window.contains(now)
      {
        let next = window.nextAllowed(after: now)
        let time = Date.ISO8601FormatStyle(
          timeZoneSeparator: .colon, timeZone: TimeZone(identifier: window.timeZone) ?? .gmt
        ).format(next)
        record(
          CodedMessage(.rescheduledOutsideTimeWindow, ["step": step.id, "time": time]), for: contactId,
          at: step.id, in: &flow, now: now)
        flow.participants[contactId]!.isWaiting = true
        schedule(contactId, in: &flow, at: next)
        break
      }
      windowChecked = false
      switch perform(step, for: participant, contact, in: &flow, now: now) {
      case .next(let id):
        enter(contactId, step: id, in: &flow, now: now)
        steps += 1
      case .wait(let until):
        flow.participants[contactId]!.isWaiting = true
        schedule(contactId, in: &flow, at: until)
      case .left:
        break
      }
      if flow.participants[contactId]?.isWaiting == true { break }
    }
    return steps
  }

  private enum CheckResult {
    /// The step may run, for this contact.
    case proceed(Contact)
    case succeeded
    case dropOut(CodedMessage)
  }

  /// The checks made before every step, in the order of DESIGN.md: the success criterion,
  /// former employee, exclusion list, then the email or SMS checks of the step.
  private mutating func preStepCheck(
    _ participant: Participant, before step: Step, in flow: inout FlowState
  ) -> CheckResult {
    guard let contact = contacts[participant.contactId] else {
      return .dropOut(CodedMessage(.excludedBeforeStep, ["step": step.id]))
    }
    // The definition is read in place: a copy of it for every step costs a retain of each
    // of its parts.
    if let criterion = flow.definition.successCriterion,
      criterion.isMet(by: contact, performed: participant.performedActions)
    {
      return .succeeded
    }
    func at() -> [String: String] { ["step": step.id] }
    if contact.formerEmployee { return .dropOut(CodedMessage(.formerEmployee, at())) }
    if flow.definition.trigger.exclusionList.contains(contact.id) {
      return .dropOut(CodedMessage(.excludedBeforeStep, at()))
    }
    switch step.action {
    case .sendEmail:
      let dropsUnreachable = flow.definition.settings.unreachableEmail == .dropOut
      if !contact.consent { return .dropOut(CodedMessage(.consentMissing, at())) }
      if dropsUnreachable, let type = flow.definition.settings.subscriptionType,
        !contact.subscriptions.contains(type)
      {
        return .dropOut(CodedMessage(.notSubscribed, ["step": step.id, "subscription": type]))
      }
      guard contact.hasEmail, let email = contact.email else {
        return .dropOut(CodedMessage(.noEmailAddress, at()))
      }
      let address = Self.normalized(email)
      if let holder = emailHolder(address, in: flow), holder != contact.id,
        flow.participants[holder].map({ $0.status == .active }) ?? true
      {
        return .dropOut(CodedMessage(.emailAddressAlreadyActive, ["step": step.id, "email": email]))
      }
      if dropsUnreachable, contact.emailBounced {
        return .dropOut(CodedMessage(.emailAddressBlocked, ["step": step.id, "email": email]))
      }
      claim(address, for: contact.id, in: &flow)
    case .sendSMS:
      if !contact.hasMobile { return .dropOut(CodedMessage(.noMobileNumber, at())) }
    default: break
    }
    return .proceed(contact)
  }

  private enum StepOutcome {
    case next(String?)
    case wait(until: Date)
    case left
  }

  /// Runs one step's action for a participant that passed the checks before it.
  private mutating func perform(
    _ step: Step, for participant: Participant, _ contact: Contact, in flow: inout FlowState, now: Date
  ) -> StepOutcome {
    let contactId = participant.contactId
    let after = flow.step(after: step.id)?.id
    switch step.action {
    case .sendEmail(let email):
      let address = contact.email ?? ""
      let subscription = email.subscriptionType ?? flow.definition.settings.subscriptionType
      var error: CodedMessage?
      if !contact.marketingContact {
        error = CodedMessage(.nonMarketingContact, ["step": step.id])
      } else if let subscription, !contact.subscriptions.contains(subscription) {
        error = CodedMessage(.previouslyUnsubscribed, ["step": step.id, "subscription": subscription])
      } else if contact.emailBounced {
        error = CodedMessage(.previouslyHardBounced, ["step": step.id, "email": address])
      } else if flow.definition.settings.graymailSuppression, email.suppressUnengaged, contact.unengaged {
        error = CodedMessage(.graymailSuppressed, ["step": step.id])
      }
      if let error {
        record(error, for: contactId, at: step.id, in: &flow, now: now)
      } else {
        send(
          .email, to: address, email.base, variants: email.content, contact: contact, step: step.id,
          participant: participant, flow: flow, now: now)
      }
      return .next(after)
    case .sendSMS(let sms):
      send(
        .sms, to: contact.mobile ?? "", sms.base, variants: sms.content, contact: contact, step: step.id,
        participant: participant, flow: flow, now: now)
      return .next(after)
    case .waitTime(.duration(let seconds)):
      return .wait(until: (participant.enteredStepAt ?? now).addingTimeInterval(seconds))
    case .waitTime(.until(let date)):
      if date <= now {
        let text = Date.ISO8601FormatStyle().format(date)
        record(
          CodedMessage(.actionDatePassed, ["step": step.id, "date": text]), for: contactId, at: step.id,
          in: &flow, now: now)
        return .next(after)
      }
      return .wait(until: date)
    case .waitForAction(let wait):
      if participant.performedActions.contains(wait.action) { return .next(after) }
      return .wait(until: (participant.enteredStepAt ?? now).addingTimeInterval(wait.timeout))
    case .split(let split):
      for branch in split.branches
      where branch.condition.isMet(by: contact, performed: participant.performedActions) {
        flow.participants[contactId]!.branches[step.id] = branch.id
        flow.branchOccupants[BranchKey(stepId: step.id, branchId: branch.id), default: []].insert(contactId)
        return .next(branch.next ?? after)
      }
      let everyoneElse = split.everyoneElse ?? EveryoneElse()
      if everyoneElse.exit {
        dropOut(contactId, .exitedAtSplit, ["step": step.id], in: &flow, now: now)
        return .left
      }
      return .next(everyoneElse.next ?? after)
    case .updateContact(let update):
      if let error = apply(update, to: contactId, step: step.id) {
        record(error, for: contactId, at: step.id, in: &flow, now: now)
      }
      return .next(after)
    case .finish(let finish):
      leave(
        contactId, in: &flow, as: finish.success ? .finishedWithSuccess : .finished, reason: nil, now: now)
      return .left
    }
  }

  /// Applies an update-contact step. Returns the action error when it cannot.
  private mutating func apply(_ update: UpdateContact, to contactId: String, step: String) -> CodedMessage? {
    guard var contact = contacts[contactId] else { return nil }
    let value: String?
    switch update.operation {
    case .set(let text): value = text
    case .clear: value = nil
    case .copy(let source):
      if source.hasPrefix("company.") {
        guard let companyId = contact.companyId else {
          return CodedMessage(.contactHasNoCompany, ["step": step, "property": update.property])
        }
        value = companies[companyId]?[String(source.dropFirst("company.".count))]
      } else {
        value = contact.value(of: source).first
      }
    }
    switch update.target {
    case .company:
      guard let companyId = contact.companyId else {
        return CodedMessage(.noAssociatedRecord, ["step": step, "property": update.property])
      }
      companies[companyId, default: [:]][update.property] = value
      changedCompanies.insert(companyId)
      return nil
    case .contact:
      if update.property == "lifecycleStage" {
        let stage = value.flatMap(LifecycleStage.init(rawValue:))
        if let stage, let current = contact.lifecycleStage, stage < current {
          return CodedMessage(
            .lifecycleStageBackwards, ["step": step, "from": current.rawValue, "to": stage.rawValue])
        }
        if value == nil || stage != nil { contact.lifecycleStage = stage }
      } else {
        contact.properties[update.property] = value
      }
      contacts[contactId] = contact
      changedContacts.insert(contactId)
      return nil
    }
  }

  private mutating func send(
    _ channel: OutboxMessage.Channel, to address: String, _ base: MessageContent,
    variants: [String: MessageContent], contact: Contact, step: String, participant: Participant,
    flow: FlowState, now: Date
  ) {
    let settings = flow.definition.settings
    let (language, chosen) = MessageTemplates.variant(
      for: contact.language, base: base, variants: variants,
      defaultLanguage: settings.defaultLanguage ?? MessageTemplates.fallbackLanguage)
    let content = MessageTemplates.render(chosen, for: contact)
    outbox.append(
      OutboxMessage(
        // The definition version is part of the key: a step removed by one edit and added
        // back, under the same id, by another is a new step, with a message of its own.
        idempotencyKey: OutboxMessage.idempotencyKey(
          flow: flow.id, contact: participant.contactId, step: step, version: flow.version,
          attempt: participant.attempt),
        channel: channel, flowId: flow.id, contactId: participant.contactId, stepId: step,
        attempt: participant.attempt, to: address,
        from: channel == .email ? settings.emailFrom : settings.smsSender,
        replyTo: channel == .email ? settings.emailReplyTo : nil,
        subject: channel == .email ? content.subject : nil,
        body: content.text, html: channel == .email ? content.html : nil, language: language, createdAt: now
      ))
  }

  // MARK: Bookkeeping shared by every transition

  /// Moves a participant onto a step (or off the end of the flow), due now.
  mutating func enter(_ contactId: String, step stepId: String?, in flow: inout FlowState, now: Date) {
    guard let stepId else {
      // Off the end: leaving takes the participant off its step too.
      leave(contactId, in: &flow, as: .finished, reason: nil, now: now)
      return
    }
    // One access to the participant, in place.
    guard let move = flow.participants[contactId]?.enter(stepId, at: now) else { return }
    if let old = move.from { flow.occupants[old]?.remove(contactId) }
    flow.occupants[stepId, default: []].insert(contactId)
    schedule(contactId, in: &flow, at: now)
  }

  /// Puts the participant in the schedule at `date`; any earlier entry becomes stale.
  mutating func schedule(_ contactId: String, in flow: inout FlowState, at date: Date) {
    let token = nextToken
    nextToken += 1
    flow.participants[contactId]?.schedule(at: date, token: token)
    flow.schedule.insert(ScheduleEntry(due: date, token: token, contactId: contactId))
  }

  mutating func dropOut(
    _ contactId: String, _ code: FlowCode, _ parameters: [String: String], in flow: inout FlowState, now: Date
  ) {
    dropOut(contactId, CodedMessage(code, parameters), in: &flow, now: now)
  }

  mutating func dropOut(_ contactId: String, _ reason: CodedMessage, in flow: inout FlowState, now: Date) {
    record(reason, for: contactId, at: flow.participants[contactId]?.stepId, in: &flow, now: now)
    leave(contactId, in: &flow, as: .droppedOut, reason: reason, now: now)
  }

  /// Takes a participant out of the flow with a final status.
  mutating func leave(
    _ contactId: String, in flow: inout FlowState, as status: ParticipantStatus, reason: CodedMessage?,
    now: Date
  ) {
    guard let participant = flow.participants[contactId] else { return }
    flow.counts[participant.status, default: 0] -= 1
    flow.counts[status, default: 0] += 1
    flow.inFlow.remove(contactId)
    if let step = participant.stepId { flow.occupants[step]?.remove(contactId) }
    for (split, branch) in participant.branches {
      flow.branchOccupants[BranchKey(stepId: split, branchId: branch)]?.remove(contactId)
    }
    if let address = participant.emailClaim, flow.emailClaims[address] == contactId {
      flow.emailClaims[address] = nil
    }
    flow.participants[contactId]?.leave(as: status, reason: reason)
  }

  /// Adds an event to flow history; an action error also refreshes the flows-with-errors list.
  mutating func record(
    _ message: CodedMessage, for contactId: String, at stepId: String?, in flow: inout FlowState, now: Date
  ) {
    let event = HistoryEvent(
      time: now, flowId: flow.id, contactId: contactId, stepId: stepId, message: message)
    flow.history.append(event)
    pendingHistory.append(event)
    if message.code.kind == .actionError { flow.lastErrorAt = max(flow.lastErrorAt ?? now, now) }
  }

  private mutating func claim(_ address: String, for contactId: String, in flow: inout FlowState) {
    flow.emailClaims[address] = contactId
    flow.participants[contactId]?.emailClaim = address
  }

  /// An email address as claims compare it: trimmed and lowercased. An address that is
  /// already printable lowercase ASCII at both ends is returned as it is, without Foundation.
  static func normalized(_ email: String) -> String {
    let bytes = email.utf8
    let isPlain = bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F && !($0 >= 0x41 && $0 <= 0x5A) }
    return isPlain ? email : email.trimmingCharacters(in: .whitespaces).lowercased()
  }
}
