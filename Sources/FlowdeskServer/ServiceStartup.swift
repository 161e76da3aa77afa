import FlowEngine
import FlowStore
import Foundation
import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// Opens what `flowdesk serve` needs: the data folder, the store, the tokens, the content.
public enum ServiceStartup {
  /// The administrator token: from the environment, else from the data folder's
  /// `admin-token` file, else a new one written there with mode 0600. `generated` is true
  /// only the first time, so the caller prints it once.
  public static func administratorToken(environment: [String: String], data: DataDirectory) throws -> (
    token: String, generated: Bool
  ) {
    if let token = environment["FLOWDESK_ADMIN_TOKEN"], !token.isEmpty { return (token, false) }
    let file = data.url.appendingPathComponent("admin-token")
    if let stored = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(
      in: .whitespacesAndNewlines),
      !stored.isEmpty
    {
      return (stored, false)
    }
    var generator = SystemRandomNumberGenerator()
    let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }
      .joined()
    let created = FileManager.default.createFile(
      atPath: file.path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
    guard created else {
      throw StoreError(.readOnly, path: file.path, reason: "the administrator token cannot be written")
    }
    chmod(file.path, 0o600)
    return (token, true)
  }
}
