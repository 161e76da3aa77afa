import Foundation

/// The lifecycle table of DESIGN.md, one method per row.
extension FlowEngine {
  /// Creates a flow that is not running. A definition with structural problems is refused.
  @discardableResult
  public mutating func createFlow(_ definition: FlowDefinition) throws(Refusal) -> FlowSnapshot {
    let problems = DefinitionValidator.structuralProblems(of: definition)
    guard problems.isEmpty else { throw Refusal(problems) }
    let id = "flow-\(nextFlowNumber)"
    nextFlowNumber += 1
    let flow = FlowState(id: id, definition: definition)
    flows[id] = flow
    changedFlows.insert(id)
    return flow.snapshot
  }

  /// notRunning -> running. Every missing setting is its own reason, all reported at once.
  @discardableResult
  public mutating func start(_ flowId: String) throws(Refusal) -> FlowSnapshot {
    try modify(flowId) { (_, flow) throws(Refusal) in
      switch flow.status {
      case .running: throw Refusal(.flowAlreadyRunning)
      case .paused: throw Refusal(.startWhilePaused)
      case .notRunning: break
      }
      let problems = DefinitionValidator.startProblems(of: flow.definition)
      guard problems.isEmpty else { throw Refusal(problems) }
      // Participants cancelled by an earlier end stay cancelled: they are not in the schedule.
      flow.status = .running
      return flow.snapshot
    }
  }

  /// running -> paused. Participants freeze; triggers stay active and queue new enrollments.
  @discardableResult
  public mutating func pause(_ flowId: String) throws(Refusal) -> FlowSnapshot {
    try modify(flowId) { (_, flow) throws(Refusal) in
      switch flow.status {
      case .notRunning: throw Refusal(.pauseWhileNotRunning)
      case .paused: throw Refusal(.flowAlreadyPaused)
      case .running: break
      }
      flow.status = .paused
      return flow.snapshot
    }
  }

  /// paused -> running. Participants go on where they were; queued ones move to the first step.
  @discardableResult
  public mutating func resume(_ flowId: String) throws(Refusal) -> FlowSnapshot {
    let now = clock.now
    return try modify(flowId) { (engine, flow) throws(Refusal) in
      switch flow.status {
      case .running: throw Refusal(.resumeWhileRunning)
      case .notRunning: throw Refusal(.resumeWhileNotRunning)
      case .paused: break
      }
      let problems = DefinitionValidator.startProblems(of: flow.definition)
      guard problems.isEmpty else { throw Refusal(problems) }
      engine.faultInAll(&flow)
      flow.status = .running
      let queued = flow.queue
      flow.queue.removeAll()
      for contactId in queued where flow.participants[contactId]?.status == .queued {
        engine.activate(contactId, in: &flow, now: now)
      }
      return flow.snapshot
    }
  }

  /// running or paused -> notRunning. Active and queued participants are cancelled and never continue.
  @discardableResult
  public mutating func end(_ flowId: String) throws(Refusal) -> FlowSnapshot {
    let now = clock.now
    return try modify(flowId) { (engine, flow) throws(Refusal) in
      guard flow.status != .notRunning else { throw Refusal(.flowAlreadyEnded) }
      engine.faultInAll(&flow)
      flow.status = .notRunning
      for contactId in flow.inFlow.sorted() {
        engine.leave(contactId, in: &flow, as: .cancelled, reason: nil, now: now)
      }
      flow.queue.removeAll()
      flow.schedule = .init()
      return flow.snapshot
    }
  }

  /// notRunning -> gone. A running or paused flow must be paused, ended, then deleted.
  public mutating func delete(_ flowId: String) throws(Refusal) {
    let flow = try state(flowId)
    guard flow.status == .notRunning else {
      throw Refusal(.deleteWhileActive, ["status": flow.status.rawValue])
    }
    flows[flowId] = nil
    changedFlows.remove(flowId)
    deletedFlows.insert(flowId)
  }

  /// Where the lifecycle table says an action is allowed.
  public static func isAllowed(_ action: LifecycleAction, from status: FlowStatus) -> Bool {
    switch (action, status) {
    case (.start, .notRunning), (.pause, .running), (.resume, .paused), (.end, .running), (.end, .paused),
      (.delete, .notRunning), (.edit, .paused), (.edit, .notRunning):
      true
    default: false
    }
  }

  /// Performs a lifecycle action by name; `edit` keeps the current definition.
  public mutating func perform(
    _ action: LifecycleAction, on flowId: String, as right: ActorRight = .flowAdministrator
  ) throws(Refusal) {
    switch action {
    case .start: try start(flowId)
    case .pause: try pause(flowId)
    case .resume: try resume(flowId)
    case .end: try end(flowId)
    case .delete: try delete(flowId)
    case .edit: try edit(flowId, to: try flow(flowId).definition, as: right)
    }
  }
}
