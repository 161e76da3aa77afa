import FlowEngine
import Foundation
import HelpContent
import HelpSearch
import Hummingbird
import Localization

/// The public help API: codes, search, states. No token is needed.
///
/// Each request is answered by a controller made for it over the content being served at the
/// time, so one answer never mixes two loads of the content.
struct HelpAPIController {
  let help: HelpService

  static func routes(_ content: LiveContent) -> RouteCollection<FlowdeskContext> {
    let routes = RouteCollection(context: FlowdeskContext.self)
    routes.get("codes") { try await Self(help: content.current).codes($0, context: $1) }
    routes.get("codes/:code") { try await Self(help: content.current).code($0, context: $1) }
    routes.get("search") { try await Self(help: content.current).search($0, context: $1) }
    routes.get("states") { try await Self(help: content.current).states($0, context: $1) }
    return routes
  }

  @Sendable func codes(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let language = context.language.language
    struct Codes: Encodable {
      let codes: [CodeView]
      let language: String
    }
    let codes = FlowCode.allCases.sorted().map { help.code($0, language, full: false) }
    return try Reply.json(Codes(codes: codes, language: language.rawValue), language: language)
  }

  @Sendable func code(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let text = try context.pathParameter("code")
    guard let code = FlowCode(lookup: text) else {
      throw APIProblem(.notFound, .unknownCode, ["code": text])
    }
    let language = context.language.language
    return try Reply.json(help.code(code, language, full: true), language: language)
  }

  @Sendable func search(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let query = request.uri.queryParameters.get("q") ?? ""
    guard !query.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw RequestBody.invalidField("q", "searchTextRequired")
    }
    let explicit = request.uri.queryParameters.get("lang") != nil
    let language = context.language.language
    struct Results: Encodable {
      let results: [SearchResult]
      let language: String
    }
    // An agent who names a language gets answers in it; otherwise each hit in its own.
    let results = try help.search.search(
      query, language: explicit || context.language.source == .acceptLanguage ? language : nil, limit: 10)
    return try Reply.json(Results(results: results, language: language.rawValue), language: language)
  }

  @Sendable func states(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let language = context.language.language
    struct States: Encodable {
      let flowStatuses: [StatusView]
      let participantStatuses: [StatusView]
      let language: String
    }
    return try Reply.json(
      States(
        flowStatuses: FlowStatus.allCases.map { help.status($0, language) },
        participantStatuses: ParticipantStatus.allCases.map { help.status($0, language) },
        language: language.rawValue),
      language: language)
  }
}
