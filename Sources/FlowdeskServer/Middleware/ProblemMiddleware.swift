import FlowEngine
import Foundation
import HTTPTypes
import HelpContent
import Hummingbird
import Localization

/// Negotiates the language of every request, and turns every failure into an RFC 9457
/// problem document in that language, with the code, the localized resolution steps and a
/// link to the help section. Unknown routes and wrong methods are problems too.
struct ProblemMiddleware: RouterMiddleware {
  typealias Context = FlowdeskContext
  let help: HelpService

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
    do {
      return try await next(request, context)
    } catch let problem as APIProblem {
      return try render(problem, language: context.language.language, request: request)
    } catch let refusal as Refusal {
      return try render(APIProblem(refusal), language: context.language.language, request: request)
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
          language: context.language.language, request: request)
      }
      return try render(
        APIProblem(.notFound, .routeNotFound, ["path": path]), language: context.language.language,
        request: request)
    } catch let error as HTTPError where error.status == .contentTooLarge {
      return try render(
        APIProblem(.contentTooLarge, .requestTooLarge, ["limit": String(ServerLimits.maximumBodySize)]),
        language: context.language.language, request: request)
    } catch let error as HTTPError where (400..<500).contains(error.status.code) {
      return try render(
        APIProblem(.badRequest, .malformedRequestBody, ["reason": error.body ?? error.status.reasonPhrase]),
        language: context.language.language, request: request)
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
    let instance: String
    let code: String
    let resolution: [String]
    let help: String?
    let language: String
    let reasons: [Reason]?
  }

  func render(_ problem: APIProblem, language: Language, request: Request) throws -> Response {
    let explanations = problem.reasons.map { help.index.explain($0, in: language) }
    let first = explanations[0]
    let document = Document(
      type: "/help/\(language.rawValue)/codes/\(first.code)", title: first.title,
      status: Int(problem.status.code),
      detail: first.message, instance: request.uri.path, code: first.code, resolution: first.resolution,
      help: first.helpPath, language: language.rawValue,
      reasons: explanations.count > 1
        ? explanations.map {
          Document.Reason(
            code: $0.code, title: $0.title, detail: $0.message, resolution: $0.resolution, help: $0.helpPath)
        } : nil)
    var headers = problem.headers
    if problem.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
    return try Reply.json(
      document, status: problem.status, language: language, contentType: "application/problem+json",
      headers: headers)
  }
}
