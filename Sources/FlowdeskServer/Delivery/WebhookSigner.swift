import Crypto
import Foundation

/// The shared secret of Standard Webhooks, `whsec_` and the key in base64. It is never
/// written out: its description hides the key.
public struct WebhookSecret: Sendable, CustomStringConvertible {
  let key: SymmetricKey

  /// Reads `whsec_<base64>`; nil when the text is not one, or the key is shorter than 24 bytes
  /// (the specification asks for 24 to 64).
  public init?(_ text: String) {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard trimmed.hasPrefix("whsec_"), let data = Data(base64Encoded: String(trimmed.dropFirst(6))),
      data.count >= 24
    else { return nil }
    key = SymmetricKey(data: data)
  }

  public var description: String { "whsec_<redacted>" }

  /// The `webhook-signature` header value: `v1,` and the base64 HMAC-SHA256 of
  /// `id.timestamp.body`.
  public func signature(id: String, timestamp: Int, body: some DataProtocol) -> String {
    var hmac = HMAC<SHA256>(key: key)
    hmac.update(data: Data("\(id).\(timestamp).".utf8))
    hmac.update(data: body)
    return "v1," + Data(hmac.finalize()).base64EncodedString()
  }

  /// Whether a `webhook-signature` header (one or more space-separated `v1,` signatures)
  /// holds the signature of the content, compared in constant time.
  public func verifies(header: String, id: String, timestamp: Int, body: some DataProtocol) -> Bool {
    var hmac = HMAC<SHA256>(key: key)
    hmac.update(data: Data("\(id).\(timestamp).".utf8))
    hmac.update(data: body)
    let expected = hmac.finalize()
    return header.split(separator: " ").contains { part in
      guard part.hasPrefix("v1,"), let data = Data(base64Encoded: String(part.dropFirst(3))) else {
        return false
      }
      return expected == data
    }
  }
}
