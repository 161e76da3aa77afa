import FlowEngine
import HTTPTypes
import Hummingbird

/// A failure to answer: one or more coded reasons, with the HTTP status that fits them.
/// The problem middleware turns it into an RFC 9457 document in the request's language.
public struct APIProblem: Error, Sendable {
  /// An extension member of the problem document beside the standard ones.
  public enum Member: Sendable, Encodable, Equatable {
    case text(String)
    case number(Int)
    /// Findings of the docs check, such as those that refused a content reload.
    case findings([FindingView])

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      switch self {
      case .text(let text): try container.encode(text)
      case .number(let number): try container.encode(number)
      case .findings(let findings): try container.encode(findings)
      }
    }
  }

  public var status: HTTPResponse.Status
  public var reasons: [CodedMessage]
  public var headers: HTTPFields
  /// Extension members, such as the `field` and the `line` and `column` of a bad body.
  public var members: [String: Member]

  public init(
    _ status: HTTPResponse.Status, _ code: FlowCode, _ parameters: [String: String] = [:],
    headers: HTTPFields = [:], members: [String: Member] = [:]
  ) {
    self.status = status
    self.reasons = [CodedMessage(code, parameters)]
    self.headers = headers
    self.members = members
  }

  /// The problem for an engine refusal: 404 for unknown things, 403 for a missing right,
  /// 422 for a definition or settings that are not valid, 409 for a conflict with the
  /// current status.
  public init(_ refusal: Refusal) {
    self.reasons = refusal.reasons
    self.headers = [:]
    self.members = [:]
    self.status = Self.status(for: refusal.reasons.first?.code ?? .invalidFlowDefinition)
  }

  /// The same problem, with parameters that the request itself supplies (the flow or contact
  /// it names) added to every reason, where the reason does not already have them.
  func adding(_ parameters: [String: String]) -> APIProblem {
    var copy = self
    copy.reasons = reasons.map { CodedMessage($0.code, $0.parameters.merging(parameters) { own, _ in own }) }
    return copy
  }

  static func status(for code: FlowCode) -> HTTPResponse.Status {
    switch code {
    case .flowNotFound, .contactNotFound, .participantNotFound, .routeNotFound, .unknownCode,
      .messageNotFound:
      .notFound
    case .editNeedsAdministrator, .readOnlyToken: .forbidden
    case .authenticationRequired, .eventSignatureRejected: .unauthorized
    case .missingEmailFrom, .missingEmailReplyTo, .missingSmsSender, .missingSubscriptionType,
      .flowHasNoSteps,
      .invalidTimeWindow, .invalidFlowDefinition, .templateDoesNotParse, .everyoneElseBranchRequired,
      .invalidField,
      .wholeDefinitionRequired:
      .unprocessableContent
    case .malformedRequestBody, .invalidLanguageTag, .requestNestedTooDeep, .malformedHTTPRequest: .badRequest
    case .requestTooLarge: .contentTooLarge
    case .methodNotAllowed: .methodNotAllowed
    case .unsupportedMediaType: .unsupportedMediaType
    case .flowChangedSinceRead: .preconditionFailed
    case .internalError: .internalServerError
    case .storageUnavailable: .serviceUnavailable
    default: .conflict
    }
  }
}

/// Runs a handler's work for one flow or contact, so that any problem it raises can name
/// that flow or contact in its message and resolution steps.
func about<R>(_ subject: [String: String], _ body: () async throws -> R) async throws -> R {
  do {
    return try await body()
  } catch let refusal as Refusal {
    throw APIProblem(refusal).adding(subject)
  } catch let problem as APIProblem {
    throw problem.adding(subject)
  }
}
