import FlowEngine
import Foundation

/// The outbox as the delivery worker and the outbox API see it. Each call is one store
/// transaction; none is held open while a message is on its way.
extension FlowHost {
  /// Claims up to `limit` due messages for `lease` seconds (one more attempt each).
  public func claimDeliveries(limit: Int, lease: TimeInterval) async throws -> [OutboxEntry] {
    let now = clock.now
    return try await store.write { transaction in
      try transaction.claimDeliveries(now: now, leaseUntil: now.addingTimeInterval(lease), limit: limit)
    }
  }

  /// Records what an attempt came to; false when the message was no longer pending.
  @discardableResult
  public func recordDelivery(_ idempotencyKey: String, _ outcome: DeliveryOutcome) async throws -> Bool {
    try await store.write { try $0.recordDelivery(idempotencyKey, outcome) }
  }

  /// Records the outcomes of a batch in one transaction; returns the keys of the messages
  /// that were still pending, whose outcome it recorded.
  public func recordDeliveries(_ outcomes: [(String, DeliveryOutcome)]) async throws -> Set<String> {
    try await store.write { transaction in
      var recorded: Set<String> = []
      for (key, outcome) in outcomes where try transaction.recordDelivery(key, outcome) {
        recorded.insert(key)
      }
      return recorded
    }
  }

  /// A page of the outbox in creation order, after `cursor`.
  public func outbox(status: DeliveryStatus?, flowId: String?, after cursor: OutboxCursor?, limit: Int)
    async throws -> [OutboxEntry]
  {
    try await store.read { try $0.outboxPage(status: status, flowId: flowId, after: cursor, limit: limit) }
  }

  /// The message with a public id (`msg_...`), or `FD1521` when there is none.
  public func outboxEntry(messageId: String) async throws -> OutboxEntry {
    try await store.read { try Self.entry(messageId, in: $0) }
  }

  /// Sends a dead message again: it becomes pending, due now, with no attempts made.
  /// `FD1521` for an unknown message, `FD1522` for one that is not dead.
  public func retry(messageId: String) async throws -> OutboxEntry {
    let now = clock.now
    return try await store.write { transaction in
      let entry = try Self.entry(messageId, in: transaction)
      guard entry.status == .dead else {
        throw Refusal(.messageNotDead, ["message": messageId, "status": entry.status.rawValue])
      }
      try transaction.requeue(entry.message.idempotencyKey, at: now)
      return try transaction.outboxEntry(entry.message.idempotencyKey) ?? entry
    }
  }

  /// How many messages wait to be delivered.
  public func outboxBacklog() async throws -> Int {
    try await store.read { try $0.outboxBacklog() }
  }

  static func entry(_ messageId: String, in transaction: any FlowStoreTransaction) throws -> OutboxEntry {
    guard let key = OutboxMessage.idempotencyKey(forMessageId: messageId),
      let entry = try transaction.outboxEntry(key)
    else { throw Refusal(.messageNotFound, ["message": messageId]) }
    return entry
  }
}

extension FlowHost {
  /// Applies what a provider reported about a message, in one transaction: a hard bounce
  /// blocks the contact's address (so the check before the next email step drops them out),
  /// an unsubscribe removes the flow's subscription type, a complaint withdraws consent, and
  /// an open or click is an action a wait-for-action step may be waiting for. The event is
  /// kept with its message for the flow's statistics. The same event twice changes nothing
  /// more. `FD1521` when the message is unknown, or not the contact's.
  public func apply(_ event: DeliveryEvent) async throws -> DeliveryEventResult {
    let clock = self.clock
    return try await store.write { transaction in
      let entry = try Self.entry(event.messageId, in: transaction)
      let message = entry.message
      if let contactId = event.contactId, contactId != message.contactId {
        throw Refusal(.messageNotFound, ["message": event.messageId])
      }
      try transaction.recordDeliveryEvent(
        message.idempotencyKey, event.kind, bounce: event.bounce, at: event.at ?? clock.now)
      var engine = try Self.engine(transaction, clock: clock, history: false)
      let result = try Self.settle(&engine, transaction) { engine in
        try Self.apply(event, to: message, in: &engine)
      }.get()
      try transaction.commit(engine.takeChanges())
      return result
    }
  }

  /// What a provider's event changes in the engine, for `apply(_:)`.
  private static func apply(_ event: DeliveryEvent, to message: OutboxMessage, in engine: inout FlowEngine)
    throws -> DeliveryEventResult
  {
    var result = DeliveryEventResult(contactId: message.contactId, changed: [], actions: [])
    // An erased contact has nothing left to change.
    guard var contact = engine.contact(message.contactId) else { return result }
    switch event.kind {
    case .bounced where event.bounce != .soft:
      if !contact.emailBounced {
        contact.emailBounced = true
        result.changed.append("emailBounced")
      }
    case .complained:
      if contact.consent {
        contact.consent = false
        result.changed.append("consent")
      }
    case .unsubscribed:
      if let type = (try? engine.flow(message.flowId))?.definition.settings.subscriptionType,
        contact.subscriptions.remove(type) != nil
      {
        result.changed.append("subscriptions")
      }
    case .opened, .clicked:
      for action in event.actions(on: message.channel) {
        engine.recordAction(action, by: message.contactId)
        result.actions.append(action)
      }
    case .delivered, .bounced:
      break
    }
    if !result.changed.isEmpty { engine.upsertContact(contact) }
    return result
  }
}

extension FlowHost {
  /// A page of contacts in id order, after the contact `after`.
  public func contacts(after: String?, limit: Int, filter: ContactFilter = .init()) async throws -> [Contact]
  {
    try await store.read { try $0.contactPage(after: after, limit: limit, filter: filter) }
  }

  /// Erases a contact's personal data, drops its pending messages, and records the erasure
  /// in the audit trail of every flow the contact was in, all in one transaction. The
  /// flows' counts and the codes in their history stay. `FD1402` for an unknown contact.
  public func eraseContact(_ id: String, by actor: Actor) async throws -> ContactErasure {
    let now = clock.now
    return try await store.write { transaction in
      guard let erasure = try transaction.eraseContact(id, placeholder: "(erased)") else {
        throw Refusal(.contactNotFound, ["contact": id])
      }
      for flow in erasure.flows {
        try transaction.recordAudit(
          AuditEntry(
            time: now, flowId: flow, action: "eraseContact", actorRole: actor.role, actorName: actor.name))
      }
      return erasure
    }
  }
}

extension FlowHost {
  /// A flow's statistics, counted by the store in one read transaction: participants and
  /// messages for the flow and for each of its steps, the steps in the definition's order
  /// (every step, with zeros where nothing happened), then any step since removed from the
  /// definition that still has figures. `FD1401` for an unknown flow, as for
  /// every other flow read.
  public func statistics(of flowId: String) async throws -> FlowStatistics {
    let clock = self.clock
    return try await store.read { transaction in
      let flow = try Self.engine(transaction, clock: clock, history: false).flow(flowId)
      var statistics = try transaction.flowStatistics(of: flowId)
      var counted = Dictionary(uniqueKeysWithValues: statistics.steps.map { ($0.stepId, $0) })
      var steps: [StepFigures] = []
      for step in flow.definition.steps {
        var figures = counted.removeValue(forKey: step.id) ?? StepFigures(stepId: step.id)
        figures.type = step.action.typeName
        steps.append(figures)
      }
      statistics.steps = steps + statistics.steps.filter { counted[$0.stepId] != nil }
      return statistics
    }
  }
}
