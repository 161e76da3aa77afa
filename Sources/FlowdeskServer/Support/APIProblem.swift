import FlowEngine
import HTTPTypes
import Hummingbird

/// A failure to answer: one or more coded reasons, with the HTTP status that fits them.
/// The problem middleware turns it into an RFC 9457 document in the request's language.
public struct APIProblem: Error, Sendable {
  public var status: HTTPResponse.Status
  public var reasons: [CodedMessage]
  public var headers: HTTPFields

  public init(
    _ status: HTTPResponse.Status, _ code: FlowCode, _ parameters: [String: String] = [:],
    headers: HTTPFields = [:]
  ) {
    self.status = status
    self.reasons = [CodedMessage(code, parameters)]
    self.headers = headers
  }

  /// The problem for an engine refusal: 404 for unknown things, 403 for a missing right,
  /// 422 for a definition or settings that are not valid, 409 for a conflict with the
  /// current status.
  public init(_ refusal: Refusal) {
    self.reasons = refusal.reasons
    self.headers = [:]
    self.status = Self.status(for: refusal.reasons.first?.code ?? .invalidFlowDefinition)
  }

  static func status(for code: FlowCode) -> HTTPResponse.Status {
    switch code {
    case .flowNotFound, .contactNotFound, .participantNotFound, .routeNotFound, .unknownCode: .notFound
    case .editNeedsAdministrator, .readOnlyToken: .forbidden
    case .authenticationRequired: .unauthorized
    case .missingEmailFrom, .missingEmailReplyTo, .missingSmsSender, .missingSubscriptionType,
      .flowHasNoSteps,
      .invalidTimeWindow, .invalidFlowDefinition, .everyoneElseBranchRequired, .invalidField:
      .unprocessableContent
    case .malformedRequestBody, .invalidLanguageTag: .badRequest
    case .requestTooLarge: .contentTooLarge
    case .methodNotAllowed: .methodNotAllowed
    case .unsupportedMediaType: .unsupportedMediaType
    default: .conflict
    }
  }
}
