import FlowEngine
import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import Localization

/// The lifecycle API: contacts, flows, lifecycle actions, enrollment, participants, history.
struct FlowRoutes {
  let host: FlowHost
  let help: HelpService
  let metrics: FlowdeskMetrics

  func flowView(_ id: String, _ language: Language) async throws -> FlowView {
    try await host.read { engine in
      let flow = try engine.flow(id)
      let counts = try engine.participantCounts(in: id).filter { $0.value > 0 }
      return FlowView(
        id: flow.id, version: flow.version, status: help.status(flow.status, language),
        definition: flow.definition,
        participants: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }))
    }
  }

  func register(on router: Router<FlowdeskContext>) {
    router.put("/v1/contacts/:id") { request, context -> Response in
      let id = try context.parameters.require("id")
      var contact = try await RequestBody.decode(Contact.self, from: request)
      contact.id = id
      if let email = contact.email, !email.isEmpty, !email.contains("@") {
        throw APIProblem(
          .unprocessableContent, .invalidField,
          ["field": "email", "reason": "\(email) is not an email address"])
      }
      let stored = contact
      try await host.perform { $0.upsertContact(stored) }
      return try Reply.json(stored, language: context.language.language)
    }
    router.get("/v1/contacts/:id") { _, context -> Response in
      let id = try context.parameters.require("id")
      guard let contact = try await host.read({ $0.contact(id) }) else {
        throw APIProblem(.notFound, .contactNotFound, ["contact": id])
      }
      return try Reply.json(contact, language: context.language.language)
    }
    router.post("/v1/contacts/:id/actions") { request, context -> Response in
      let id = try context.parameters.require("id")
      struct Body: Decodable { let action: String }
      let body = try await RequestBody.decode(Body.self, from: request)
      guard try await host.read({ $0.contact(id) }) != nil else {
        throw APIProblem(.notFound, .contactNotFound, ["contact": id])
      }
      try await host.perform { $0.recordAction(body.action, by: id) }
      return Response(status: .accepted)
    }
    router.get("/v1/flows") { _, context -> Response in
      let language = context.language.language
      let ids = try await host.read { $0.flowIds }
      var flows: [FlowView] = []
      for id in ids { flows.append(try await flowView(id, language)) }
      struct Flows: Encodable { let flows: [FlowView] }
      return try Reply.json(Flows(flows: flows), language: language)
    }
    router.post("/v1/flows") { request, context -> Response in
      let definition = try await RequestBody.decode(FlowDefinition.self, from: request)
      let id = try await host.perform { try $0.createFlow(definition).id }
      var headers = HTTPFields()
      headers[.location] = "/v1/flows/\(id)"
      return try Reply.json(
        try await flowView(id, context.language.language), status: .created,
        language: context.language.language,
        headers: headers)
    }
    router.get("/v1/flows/:id") { _, context -> Response in
      try Reply.json(
        try await flowView(try context.parameters.require("id"), context.language.language),
        language: context.language.language)
    }
    router.put("/v1/flows/:id") { request, context -> Response in
      let id = try context.parameters.require("id")
      let definition = try await RequestBody.decode(FlowDefinition.self, from: request)
      let right = context.right ?? .reader
      try await lifecycle("edit") { try $0.edit(id, to: definition, as: right) }
      return try Reply.json(
        try await flowView(id, context.language.language), language: context.language.language)
    }
    router.delete("/v1/flows/:id") { _, context -> Response in
      let id = try context.parameters.require("id")
      try await lifecycle("delete") { try $0.delete(id) }
      return Response(status: .noContent)
    }
    for action in ["start", "pause", "resume", "end"] {
      router.post("/v1/flows/:id/\(action)") { _, context -> Response in
        let id = try context.parameters.require("id")
        try await lifecycle(action) { engine in
          switch action {
          case "start": try engine.start(id)
          case "pause": try engine.pause(id)
          case "resume": try engine.resume(id)
          default: try engine.end(id)
          }
        }
        return try Reply.json(
          try await flowView(id, context.language.language), language: context.language.language)
      }
    }
    router.post("/v1/flows/:id/enrollments") { request, context -> Response in
      let id = try context.parameters.require("id")
      struct Body: Decodable {
        let contactId: String
        let reenroll: Bool?
      }
      let body = try await RequestBody.decode(Body.self, from: request)
      let participant = try await lifecycle(body.reenroll == true ? "reenroll" : "enroll") { engine in
        body.reenroll == true
          ? try engine.reenroll(body.contactId, in: id) : try engine.enroll(body.contactId, in: id)
      }
      return try Reply.json(
        help.participant(participant, context.language.language), status: .created,
        language: context.language.language)
    }
    router.get("/v1/flows/:id/participants") { request, context -> Response in
      let id = try context.parameters.require("id")
      let language = context.language.language
      let limit = try Self.integer(request, "limit", default: 1000, in: 1...10_000)
      let offset = try Self.integer(request, "offset", default: 0, in: 0...Int.max)
      let (page, total) = try await host.read { try $0.participants(in: id, limit: limit, offset: offset) }
      var headers = HTTPFields()
      headers[HTTPField.Name("X-Total-Count")!] = String(total)
      return try Reply.json(page.map { help.participant($0, language) }, language: language, headers: headers)
    }
    router.get("/v1/flows/:id/history") { _, context -> Response in
      let id = try context.parameters.require("id")
      let language = context.language.language
      let events = try await host.read { try $0.history(of: id) }
      struct History: Encodable { let events: [EventView] }
      return try Reply.json(History(events: events.map { help.event($0, language) }), language: language)
    }
    router.get("/v1/flow-errors") { _, context -> Response in
      struct Errors: Encodable { let flows: [FlowWithErrors] }
      return try Reply.json(
        Errors(flows: try await host.read { $0.flowsWithErrors() }), language: context.language.language)
    }
  }

  /// An optional whole-number query parameter within bounds; anything else is a coded 422.
  static func integer(_ request: Request, _ name: String, default value: Int, in range: ClosedRange<Int>)
    throws -> Int
  {
    guard let text = request.uri.queryParameters.get(name) else { return value }
    guard let number = Int(text), range.contains(number) else {
      throw APIProblem(
        .unprocessableContent, .invalidField,
        ["field": name, "reason": "expected a whole number from \(range.lowerBound) to \(range.upperBound)"])
    }
    return number
  }

  /// Runs a lifecycle action, counting it by outcome, and refreshes the participant gauges.
  @discardableResult
  func lifecycle<R: Sendable>(_ action: String, _ body: @Sendable (inout FlowEngine) throws -> R) async throws
    -> R
  {
    do {
      let result = try await host.perform(body)
      metrics.lifecycleAction(action, outcome: "done")
      await refreshParticipantGauges()
      return result
    } catch let refusal as Refusal {
      metrics.lifecycleAction(action, outcome: refusal.codes.first?.id ?? "refused")
      throw refusal
    }
  }

  func refreshParticipantGauges() async {
    // Counts are kept in memory, so this read never reaches the store.
    guard
      let counts = try? await host.read({ engine in
        engine.flowIds.reduce(into: [ParticipantStatus: Int]()) { total, id in
          for (status, count) in (try? engine.participantCounts(in: id)) ?? [:] {
            total[status, default: 0] += count
          }
        }
      })
    else { return }
    metrics.participants(counts)
  }
}
