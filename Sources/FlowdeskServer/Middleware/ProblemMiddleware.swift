import FlowEngine
import FlowStore
import Foundation
import HTTPTypes
import HelpContent
import Hummingbird
import Localization
import Logging

/// Negotiates the language of every request, and turns every failure into an RFC 9457
/// problem document in that language, with the code, the localized resolution steps and a
/// link to the help section. Unknown routes and wrong methods are problems too, and so is
/// anything unexpected: a 500 document with a code and a request id, never an empty body.
struct ProblemMiddleware: RouterMiddleware {
  typealias Context = FlowdeskContext
  let content: LiveContent

  init(content: LiveContent) { self.content = content }

  /// Over content that is never reloaded.
  init(help: HelpService) { self.init(content: LiveContent(help)) }

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws
    -> Response
  {
    var context = context
    let accept = request.headers[.acceptLanguage]
    let explicit = request.uri.queryParameters.get("lang")
    do {
      context.language = try LanguageNegotiation.negotiate(explicit: explicit, acceptLanguage: accept)
    } catch {
      let fallback =
        (try? LanguageNegotiation.negotiate(acceptLanguage: accept))
        ?? .init(language: .en, source: .fallback)
      return try render(
        APIProblem(.badRequest, .invalidLanguageTag, ["tag": explicit ?? ""]), language: fallback.language,
        request: request)
    }
    let language = context.language.language
    do {
      return try await next(request, context)
    } catch let problem as APIProblem {
      return try render(problem, language: language, request: request)
    } catch let refusal as Refusal {
      return try render(APIProblem(refusal), language: language, request: request)
    } catch let error as StoreError where error.kind.isTransient {
      // The store failed under the request: nothing was written (the transaction rolled
      // back). The caller may try again; the log has the store's own reason.
      context.logger.error(
        "store unavailable", metadata: ["kind": "\(error.kind.rawValue)", "error": "\(error)"])
      let seconds = ServerLimits.storageRetryAfter
      return try render(
        APIProblem(
          .serviceUnavailable, .storageUnavailable, ["retryAfter": String(seconds)],
          headers: [.retryAfter: String(seconds)], members: ["storage": .text(error.kind.rawValue)]),
        language: language, request: request)
    } catch let error as HTTPError where error.status == .notFound {
      let path = request.uri.path
      let allowed = APIRoutes.methods(matching: path)
      if !allowed.isEmpty {
        var headers: HTTPFields = [:]
        headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return try render(
          APIProblem(
            .methodNotAllowed, .methodNotAllowed, ["method": request.method.rawValue, "path": path],
            headers: headers),
          language: language, request: request)
      }
      return try render(
        APIProblem(.notFound, .routeNotFound, ["path": path]), language: language, request: request)
    } catch let error as HTTPError where error.status == .contentTooLarge {
      return try render(
        APIProblem(.contentTooLarge, .requestTooLarge, ["limit": String(ServerLimits.maximumBodySize)]),
        language: language, request: request)
    } catch let error as HTTPError where (400..<500).contains(error.status.code) {
      return try render(
        APIProblem(.badRequest, .malformedRequestBody, ["reason": "json.unexpectedCharacter"]),
        language: language, request: request)
    } catch {
      // Anything else is a defect of Flowdesk, not of the request: the caller gets a coded
      // document and an id to quote, the log gets the error under the same id.
      let requestId = UUID().uuidString.lowercased()
      context.logger.error(
        "unexpected error answering a request",
        metadata: [
          "requestId": "\(requestId)", "method": "\(request.method.rawValue)", "path": "\(request.uri.path)",
          "error": "\(String(reflecting: error))",
        ])
      return try render(
        APIProblem(
          .internalServerError, .internalError, ["requestId": requestId],
          members: ["requestId": .text(requestId)]),
        language: language, request: request)
    }
  }

  /// The problem document.
  struct Document: Encodable {
    struct Reason: Encodable {
      let code: String
      let title: String
      let detail: String
      let resolution: [String]
      let help: String?
    }
    let type: String
    let title: String
    let status: Int
    let detail: String
    let instance: String?
    let code: String
    let resolution: [String]
    let help: String?
    let language: String
    /// The parts given in English because the requested language has none.
    let fallbacks: [String]?
    let reasons: [Reason]?
    let members: [String: APIProblem.Member]

    enum Keys: String, CodingKey {
      case type, title, status, detail, instance, code, resolution, help, language, fallbacks, reasons
    }

    struct MemberKey: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
      var extra = encoder.container(keyedBy: MemberKey.self)
      for (name, value) in members where Keys(rawValue: name) == nil {
        try extra.encode(value, forKey: MemberKey(stringValue: name))
      }
      var c = encoder.container(keyedBy: Keys.self)
      try c.encode(type, forKey: .type)
      try c.encode(title, forKey: .title)
      try c.encode(status, forKey: .status)
      try c.encode(detail, forKey: .detail)
      try c.encodeIfPresent(instance, forKey: .instance)
      try c.encode(code, forKey: .code)
      try c.encode(resolution, forKey: .resolution)
      try c.encodeIfPresent(help, forKey: .help)
      try c.encode(language, forKey: .language)
      try c.encodeIfPresent(fallbacks, forKey: .fallbacks)
      try c.encodeIfPresent(reasons, forKey: .reasons)
    }
  }

  func render(_ problem: APIProblem, language: Language, request: Request) throws -> Response {
    let (document, headers) = document(problem, language: language, instance: request.uri.path)
    return try Reply.json(
      document, status: problem.status, contentType: "application/problem+json", headers: headers)
  }

  /// The problem document in `language` and the headers that go with it (the problem's own,
  /// Content-Language, WWW-Authenticate for a 401). `instance`: the path the request named,
  /// nil when not even that could be read.
  func document(_ problem: APIProblem, language: Language, instance: String?) -> (Document, HTTPFields) {
    let help = content.current
    let explanations = problem.reasons.map { reason in
      var explanation = help.index.explain(reason, in: language)
      explanation.message = Placeholders.fillForReaders(explanation.message, with: reason.parameters)
      explanation.resolution = explanation.resolution.map {
        Placeholders.fillForReaders($0, with: reason.parameters)
      }
      return explanation
    }
    let first = explanations[0]
    let fallbacks = Array(Set(explanations.flatMap(\.fallbacks))).sorted()
    let document = Document(
      type: "/help/\(language.rawValue)/codes/\(first.code)", title: first.title,
      status: Int(problem.status.code),
      detail: first.message, instance: instance, code: first.code, resolution: first.resolution,
      help: first.helpPath, language: language.rawValue, fallbacks: fallbacks.isEmpty ? nil : fallbacks,
      reasons: explanations.count > 1
        ? explanations.map {
          Document.Reason(
            code: $0.code, title: $0.title, detail: $0.message, resolution: $0.resolution, help: $0.helpPath)
        } : nil,
      members: problem.members)
    var headers = problem.headers
    if problem.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
    // Content-Language names every language the document is written in.
    headers.setLanguage(fallbacks.isEmpty || language == .en ? language.rawValue : "\(language.rawValue), en")
    return (document, headers)
  }
}
