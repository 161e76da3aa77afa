import FlowEngine
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import Localization

/// The lifecycle API: flows, lifecycle actions, enrollment, participants, history. A reader
/// may read; creating, editing, deleting, lifecycle actions and enrollment need the
/// administrator. Authentication is part of each route, so no spelling of a path avoids it.
struct FlowsController {
  let host: FlowHost
  let content: LiveContent
  let metrics: FlowdeskMetrics
  let tokens: AccessTokens

  /// The help content being served: read it once per request (`let help = self.help`).
  var help: HelpService { content.current }

  /// The lifecycle actions that have a route of their own, `POST /v1/flows/{id}/<action>`.
  static let actionRoutes: [LifecycleAction] = [.start, .pause, .resume, .end]

  func addRoutes(to router: Router<FlowdeskContext>) {
    let read = RouteCollection.guarded(tokens, needs: .reader)
    read.get(use: list)
    read.get(":id", use: show)
    read.get(":id/participants", use: participants)
    read.get(":id/history", use: history)
    read.get(":id/audit", use: audit)
    read.get(":id/statistics", use: statistics)
    let change = RouteCollection.guarded(tokens, needs: .flowAdministrator)
    change.post(use: create)
    change.delete(":id", use: delete)
    change.post(":id/enrollments", use: enroll)
    for action in Self.actionRoutes {
      change.post(":id/\(action.rawValue)") { request, context in
        try await perform(action, request, context)
      }
    }
    // Editing needs the flow-administrator right; a reader gets the engine's own code for it.
    let edit = RouteCollection.guarded(
      tokens, needs: .flowAdministrator, readerRefusal: .editNeedsAdministrator)
    edit.put(":id", use: replace)
    edit.patch(":id", use: patch)
    router.addRoutes(read, atPath: "/v1/flows")
    router.addRoutes(change, atPath: "/v1/flows")
    router.addRoutes(edit, atPath: "/v1/flows")

    let errors = RouteCollection.guarded(tokens, needs: .reader)
    errors.get(use: flowsWithErrors)
    router.addRoutes(errors, atPath: "/v1/flow-errors")
  }

  // MARK: Reading

  @Sendable func list(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let language = context.language.language
    let help = self.help
    // Every flow from one read transaction: one snapshot, one load of the flows.
    let flows = try await host.read { engine in
      try engine.flowIds.map { try Self.view($0, in: engine, help: help, language) }
    }
    struct Flows: Encodable { let flows: [FlowView] }
    return try Reply.json(Flows(flows: flows), language: language)
  }

  @Sendable func show(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    return try await about(["flow": id]) {
      try flowReply(try await flowView(id, context.language.language), context)
    }
  }

  /// A page of participants: `status` and `stepId` filter, `cursor` continues where the
  /// previous page ended (its `Link: rel="next"` and `X-Next-Cursor` headers give it);
  /// `offset` is still read when there is no cursor.
  @Sendable func participants(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    let language = context.language.language
    let help = self.help
    let query = request.uri.queryParameters
    let limit = try Self.integer(request, "limit", default: 1000, in: 1...10_000)
    var filter = ParticipantFilter()
    if let text = query.get("status") {
      guard let status = ParticipantStatus(rawValue: text) else {
        throw RequestBody.invalidField(
          "status", "oneOf", ["expected": ParticipantStatus.allCases.map(\.rawValue).joined(separator: ", ")])
      }
      filter.status = status
    }
    if let stepId = query.get("stepId") { filter.stepId = stepId }
    let cursor = try query.get("cursor").map { text in
      guard let cursor = ParticipantCursor(token: text) else {
        throw RequestBody.invalidField("cursor", "notAllowed")
      }
      return cursor
    }
    return try await about(["flow": id]) {
      let page: [Participant]
      if cursor == nil, filter == ParticipantFilter(), query.get("offset") != nil {
        let offset = try Self.integer(request, "offset", default: 0, in: 0...1_000_000_000)
        page = try await host.participants(in: id, limit: limit, offset: offset)
      } else {
        page = try await host.participants(in: id, filter: filter, after: cursor, limit: limit)
      }
      var headers = HTTPFields()
      if filter.stepId == nil {
        let counts = try await host.read(flow: id) { try $0.participantCounts(in: id) }
        let total = filter.status.map { counts[$0] ?? 0 } ?? counts.values.reduce(0, +)
        headers[HTTPField.Name("X-Total-Count")!] = String(total)
      }
      if page.count == limit, let last = page.last {
        let next = ParticipantCursor(enrolledAt: last.enrolledAt, contactId: last.contactId).token
        var parts = ["cursor=\(next)", "limit=\(limit)"]
        if let status = filter.status { parts.append("status=\(status.rawValue)") }
        if let stepId = filter.stepId {
          parts.append(
            "stepId=\(stepId.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? stepId)")
        }
        headers[HTTPField.Name("X-Next-Cursor")!] = next
        headers[HTTPField.Name("Link")!] =
          "</v1/flows/\(id)/participants?\(parts.joined(separator: "&"))>; rel=\"next\""
      }
      return try Reply.json(page.map { help.participant($0, language) }, language: language, headers: headers)
    }
  }

  /// A page of history, oldest first; `next` continues it.
  @Sendable func history(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    let language = context.language.language
    let limit = try Self.integer(request, "limit", default: 1000, in: 1...10_000)
    let after = try Self.integer(request, "cursor", default: 0, in: 0...Int.max)
    return try await about(["flow": id]) {
      let page = try await host.history(of: id, after: Int64(after), limit: limit)
      struct History: Encodable {
        let events: [EventView]
        let next: Cursor
      }
      return try Reply.json(
        History(
          events: page.map { help.event($0.event, language) },
          next: Cursor(page.count == limit ? page.last.map { String($0.id) } : nil)),
        language: language)
    }
  }

  /// A page of who did each lifecycle action and edit, oldest first; `next` continues it.
  @Sendable func audit(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    let limit = try Self.integer(request, "limit", default: 1000, in: 1...10_000)
    let after = try Self.integer(request, "cursor", default: 0, in: 0...Int.max)
    let page = try await host.audit(of: id, after: Int64(after), limit: limit)
    struct Entry: Encodable {
      struct Actor: Encodable {
        let role: String
        let name: String
      }
      let time: Date
      let action: String
      let actor: Actor
      let version: Int?
    }
    struct Audit: Encodable {
      let entries: [Entry]
      let next: Cursor
    }
    return try Reply.json(
      Audit(
        entries: page.map {
          Entry(
            time: $0.time, action: $0.action, actor: .init(role: $0.actorRole, name: $0.actorName),
            version: $0.version)
        },
        next: Cursor(page.count == limit ? page.last.map { String($0.id) } : nil)),
      language: context.language.language)
  }

  /// The flow's figures and each step's: participants by status and drop-out reason,
  /// messages by what became of them. Reason labels are in the request's language.
  @Sendable func statistics(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    let language = context.language.language
    let help = self.help
    return try await about(["flow": id]) {
      let statistics = try await host.statistics(of: id)
      return try Reply.json(help.statistics(statistics, language), language: language)
    }
  }

  /// A page of the flows-with-errors list, in creation order; `next` continues it.
  @Sendable func flowsWithErrors(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let limit = try Self.integer(request, "limit", default: 1000, in: 1...10_000)
    let after = try Self.integer(request, "cursor", default: 0, in: 0...Int.max)
    let page = try await host.flowsWithErrors(after: Int64(after), limit: limit)
    struct Errors: Encodable {
      let flows: [FlowWithErrors]
      let next: Cursor
    }
    return try Reply.json(
      Errors(
        flows: page.map(\.flow), next: Cursor(page.count == limit ? page.last.map { String($0.rowid) } : nil)),
      language: context.language.language)
  }

  // MARK: Changing

  @Sendable func create(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let definition = try await RequestBody.decode(FlowDefinition.self, from: request)
    try Self.checkSenders(definition)
    let id = try await host.perform(
      { try $0.createFlow(definition).id }, audit: .init("create", by: actor(context), flow: { $0 }))
    var headers = HTTPFields()
    headers[.location] = "/v1/flows/\(id)"
    return try flowReply(
      try await flowView(id, context.language.language), context, status: .created, headers)
  }

  /// `PUT` replaces the whole definition: every part of it must be sent.
  @Sendable func replace(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    let body = try await RequestBody.json(request)
    guard case .object(let members) = body.value else {
      throw RequestBody.invalidField("(body)", "expectedObject")
    }
    for field in ["name", "settings", "trigger", "steps"] where members[field] == nil {
      throw APIProblem(
        .unprocessableContent, .wholeDefinitionRequired, ["field": field], members: ["field": .text(field)])
    }
    let definition = try RequestBody.decode(FlowDefinition.self, from: body.data)
    return try await edit(id, to: definition, request, context)
  }

  /// `PATCH` changes part of the definition with a JSON merge patch (RFC 7396).
  @Sendable func patch(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    let patch = try await RequestBody.json(request, accepting: ["application/merge-patch+json"]).value
    let current = try await about(["flow": id]) {
      try await host.read(flow: id) { try $0.flow(id).definition }
    }
    // What is stored is read back as it is; a NUL in it is refused in the merged result,
    // naming the field to patch.
    let currentJSON = try StrictJSONParser.parse(
      try Reply.encoder.encode(current), maximumDepth: StrictJSONParser.storedMaximumDepth, allowsNul: true)
    let merged = Data(currentJSON.merging(patch: patch).serialized.utf8)
    do {
      _ = try StrictJSONParser.parse(merged)
    } catch {
      throw RequestBody.problem(for: error)
    }
    let definition = try RequestBody.decode(FlowDefinition.self, from: merged)
    return try await edit(id, to: definition, request, context)
  }

  func edit(_ id: String, to definition: FlowDefinition, _ request: Request, _ context: FlowdeskContext)
    async throws -> Response
  {
    try Self.checkSenders(definition)
    let right = context.right ?? .reader
    let precondition = Precondition(request)
    return try await about(["flow": id]) {
      try await lifecycle(.edit, on: id, audit: .init("edit", by: actor(context), flow: { _ in id })) {
        engine in
        try precondition.check(id, in: engine)
        try engine.edit(id, to: definition, as: right)
      }
      return try flowReply(try await flowView(id, context.language.language), context)
    }
  }

  @Sendable func delete(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    let precondition = Precondition(request)
    return try await about(["flow": id]) {
      try await lifecycle(.delete, on: id, audit: .init("delete", by: actor(context), flow: { _ in id })) {
        engine in
        try precondition.check(id, in: engine)
        try engine.perform(.delete, on: id)
      }
      return Response(status: .noContent)
    }
  }

  /// A lifecycle action, through the engine's own `perform(_:on:)`.
  func perform(_ action: LifecycleAction, _ request: Request, _ context: FlowdeskContext) async throws
    -> Response
  {
    let id = try context.pathParameter("id")
    let precondition = Precondition(request)
    let right = context.right ?? .reader
    return try await about(["flow": id]) {
      try await lifecycle(
        action, on: id, audit: .init(action.rawValue, by: actor(context), flow: { _ in id })
      ) {
        engine in
        try precondition.check(id, in: engine)
        try engine.perform(action, on: id, as: right)
      }
      return try flowReply(try await flowView(id, context.language.language), context)
    }
  }

  /// The most contacts one bulk enrollment may name.
  static let maximumBulkEnrollment = 10_000

  /// `{contactId}` enrolls one contact (201 with the participant); `{contactIds: [...]}`
  /// enrolls up to 10,000 in one transaction and answers 200 with a result per contact,
  /// each refusal with its code. `reenroll: true` re-enrolls by hand instead.
  @Sendable func enroll(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let id = try context.pathParameter("id")
    struct Body: Decodable {
      let contactId: String?
      let contactIds: [String]?
      let reenroll: Bool?
    }
    let body = try await RequestBody.decode(Body.self, from: request)
    let reenroll = body.reenroll == true
    let language = context.language.language
    // A contact id is never empty: as a path it would name another endpoint.
    if body.contactId == "" { throw RequestBody.invalidField("contactId", "notAllowed") }
    if body.contactIds?.contains("") == true { throw RequestBody.invalidField("contactIds", "notAllowed") }
    if let contactId = body.contactId, !Identifier.isNFC(contactId) {
      throw RequestBody.invalidField("contactId", "notNFC")
    }
    if let index = body.contactIds?.firstIndex(where: { !Identifier.isNFC($0) }) {
      throw RequestBody.invalidField("contactIds[\(index)]", "notNFC")
    }
    switch (body.contactId, body.contactIds) {
    case (let contactId?, nil):
      let participant = try await about(["flow": id, "contact": contactId]) {
        try await lifecycle(nil, name: reenroll ? "reenroll" : "enroll", on: id) { engine in
          reenroll ? try engine.reenroll(contactId, in: id) : try engine.enroll(contactId, in: id)
        }
      }
      return try Reply.json(help.participant(participant, language), status: .created, language: language)
    case (nil, let contactIds?):
      guard (1...Self.maximumBulkEnrollment).contains(contactIds.count) else {
        throw RequestBody.invalidField(
          "contactIds", "listLength", ["minimum": "1", "maximum": String(Self.maximumBulkEnrollment)])
      }
      let outcomes = try await about(["flow": id]) {
        try await lifecycle(nil, name: reenroll ? "reenroll" : "enroll", on: id) { engine in
          // The flow itself must exist; a refusal for one contact does not stop the others.
          // The first run notes every contact and participant it needs, and stops there:
          // its enrollments would be thrown away. The host reads them with a few queries
          // and runs it again.
          _ = try engine.flow(id)
          if engine.prefetch(contacts: contactIds, in: id) { return [Result<Participant, Refusal>]() }
          return contactIds.map { contactId -> Result<Participant, Refusal> in
            Result { () throws(Refusal) -> Participant in
              reenroll ? try engine.reenroll(contactId, in: id) : try engine.enroll(contactId, in: id)
            }
          }
        }
      }
      let results = zip(contactIds, outcomes).map { contactId, outcome in
        switch outcome {
        case .success(let participant):
          return EnrollmentResult(
            contactId: contactId, enrolled: true, participant: help.participant(participant, language))
        case .failure(let refusal):
          let reason = refusal.reasons.first.map {
            CodedMessage(
              $0.code, $0.parameters.merging(["flow": id, "contact": contactId]) { own, _ in own })
          }
          return EnrollmentResult(
            contactId: contactId, enrolled: false,
            problem: reason.map { help.index.explain($0, in: language) }.map {
              EnrollmentResult.Problem(code: $0.code, title: $0.title, detail: $0.message, help: $0.helpPath)
            })
        }
      }
      let enrolled = results.filter(\.enrolled).count
      return Reply.json(
        text: EnrollmentResult.json(results, enrolled: enrolled, refused: results.count - enrolled),
        language: language)
    case (nil, nil):
      throw RequestBody.invalidField("contactId", "required")
    case (_?, _?):
      throw RequestBody.invalidField("contactIds", "notAllowed")
    }
  }

  /// One contact's result of a bulk enrollment.
  struct EnrollmentResult: Encodable {
    struct Problem: Encodable {
      let code: String
      let title: String
      let detail: String
      let help: String?
    }
    let contactId: String
    let enrolled: Bool
    var participant: ParticipantView? = nil
    var problem: Problem? = nil
  }

  // MARK: Helpers

  func flowView(_ id: String, _ language: Language) async throws -> FlowView {
    let help = self.help
    return try await host.read(flow: id) { engine in try Self.view(id, in: engine, help: help, language) }
  }

  static func view(_ id: String, in engine: FlowEngine, help: HelpService, _ language: Language) throws
    -> FlowView
  {
    let flow = try engine.flow(id)
    let counts = try engine.participantCounts(in: id).filter { $0.value > 0 }
    return FlowView(
      id: flow.id, version: flow.version, status: help.status(flow.status, language),
      definition: flow.definition,
      participants: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }))
  }

  /// A flow as JSON, with its entity tag.
  func flowReply(
    _ view: FlowView, _ context: FlowdeskContext, status: HTTPResponse.Status = .ok, _ extra: HTTPFields = [:]
  ) throws -> Response {
    var headers = extra
    headers[.eTag] = Precondition.entityTag(version: view.version, status: view.status.code)
    return try Reply.json(view, status: status, language: context.language.language, headers: headers)
  }

  /// Who is calling, for the audit trail: the right the token grants and the token's name.
  func actor(_ context: FlowdeskContext) -> FlowHost.Actor {
    let right = context.right ?? .reader
    return FlowHost.Actor(role: right.rawValue, name: tokens.name(of: right))
  }

  /// Sender addresses are checked like a contact's address.
  static func checkSenders(_ definition: FlowDefinition) throws {
    for (field, value) in [
      ("emailFrom", definition.settings.emailFrom), ("emailReplyTo", definition.settings.emailReplyTo),
    ] {
      guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
      if !EmailAddress.isPlausible(value) {
        throw RequestBody.invalidField("settings.\(field)", "notEmailAddress", ["value": value])
      }
    }
  }

  /// An optional whole-number query parameter within bounds; anything else is a coded 422.
  static func integer(_ request: Request, _ name: String, default value: Int, in range: ClosedRange<Int>)
    throws -> Int
  {
    guard let text = request.uri.queryParameters.get(name) else { return value }
    // Digits only: no sign, no spaces, nothing Int(_:) would forgive.
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      let number = Int(text), range.contains(number)
    else {
      throw RequestBody.invalidField(
        name, "wholeNumber", ["minimum": String(range.lowerBound), "maximum": String(range.upperBound)])
    }
    return number
  }

  /// Runs a lifecycle action, counting it by outcome, and refreshes the participant gauges.
  @discardableResult
  func lifecycle<R: Sendable>(
    _ action: LifecycleAction?, name: String? = nil, on flow: String, audit: FlowHost.Audit<R>? = nil,
    _ body: @escaping @Sendable (inout FlowEngine) throws -> R
  ) async throws -> R {
    let label = name ?? action?.rawValue ?? "action"
    do {
      // Only the flow acted on is loaded: the cost does not grow with the number of flows.
      let result = try await host.perform(body, audit: audit, flow: flow)
      metrics.lifecycleAction(label, outcome: "done")
      await refreshParticipantGauges()
      return result
    } catch let refusal as Refusal {
      metrics.lifecycleAction(label, outcome: refusal.codes.first?.id ?? "refused")
      throw refusal
    } catch let problem as APIProblem {
      metrics.lifecycleAction(label, outcome: problem.reasons.first?.code.id ?? "refused")
      throw problem
    }
  }

  func refreshParticipantGauges() async {
    await FlowdeskMetrics.refreshParticipants(metrics, from: host)
  }
}

/// The cursor of a page's next page, written as `null` on the last page.
struct Cursor: Encodable {
  let value: String?
  init(_ value: String?) { self.value = value }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    if let value { try container.encode(value) } else { try container.encodeNil() }
  }
}

/// `If-Match` on a change: the flow's entity tag names its definition version and its status,
/// so a change based on a stale read is refused with 412 instead of overwriting.
struct Precondition: Sendable {
  let tags: [String]?

  init(_ request: Request) {
    tags = request.headers[.ifMatch].map {
      $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
  }

  static func entityTag(version: Int, status: String) -> String { "\"\(version)-\(status)\"" }

  func check(_ id: String, in engine: FlowEngine) throws {
    guard let tags else { return }
    let flow = try engine.flow(id)
    let current = Self.entityTag(version: flow.version, status: flow.status.rawValue)
    // Weak tags never match for If-Match (RFC 9110, section 13.1.1).
    guard tags.contains("*") || tags.contains(current) else {
      throw APIProblem(
        .preconditionFailed, .flowChangedSinceRead,
        ["flow": id, "expected": tags.joined(separator: ", "), "current": current])
    }
  }
}
