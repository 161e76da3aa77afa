/// Why a field of a definition is not valid, as a catalog string id (`reason.<key>`) with its
/// parameters, so that every language can say it. It travels as the underlying error of a
/// `DecodingError`, which names the field.
public struct FieldReason: Error, Sendable, Hashable {
  public var key: String
  public var parameters: [String: String]

  public init(_ key: String, _ parameters: [String: String] = [:]) {
    self.key = key
    self.parameters = parameters
  }

  /// A `DecodingError` for `key` in `container` whose underlying error is this reason.
  public func decodingError<K: CodingKey>(forKey key: K, in container: KeyedDecodingContainer<K>)
    -> DecodingError
  {
    DecodingError.dataCorrupted(
      .init(
        codingPath: container.codingPath + [key], debugDescription: "reason.\(self.key)",
        underlyingError: self))
  }
}

extension WaitTime {
  /// The longest wait a step may have: ten years (87,600 hours).
  public static let maximumDuration: Double = 87_600 * 3600
}
