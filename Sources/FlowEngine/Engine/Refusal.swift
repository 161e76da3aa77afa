/// A code with the values of its named parameters: what the engine says about one outcome.
public struct CodedMessage: Sendable, Hashable, Codable {
  public var code: FlowCode
  public var parameters: [String: String]

  public init(_ code: FlowCode, _ parameters: [String: String] = [:]) {
    self.code = code
    self.parameters = parameters
  }

  /// The English message with its parameters filled in.
  public var englishMessage: String { Reasons.fill(code.definition.message, with: parameters) }
}

/// A lifecycle action, edit or enrollment the engine did not carry out, with every reason.
public struct Refusal: Error, Sendable, Hashable {
  public var reasons: [CodedMessage]

  public init(_ reasons: [CodedMessage]) { self.reasons = reasons }
  public init(_ code: FlowCode, _ parameters: [String: String] = [:]) {
    self.reasons = [CodedMessage(code, parameters)]
  }

  /// The codes of every reason, in order.
  public var codes: [FlowCode] { reasons.map(\.code) }
}

extension Refusal: CustomStringConvertible {
  public var description: String {
    reasons.map { "\($0.code.id): \($0.englishMessage)" }.joined(separator: "; ")
  }
}
