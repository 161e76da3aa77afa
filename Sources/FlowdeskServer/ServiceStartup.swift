import FlowEngine
import FlowStore
import Foundation
import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// Opens what `flowdesk serve` needs: the data folder, the store, the tokens, the content.
public enum ServiceStartup {
  /// The administrator token: from `file` (`--admin-token-file`), else `FLOWDESK_ADMIN_TOKEN`.
  /// Without either, on a database of its own (SQLite in the data folder) it is the data
  /// folder's `admin-token` file, else a new one written there with mode 0600; `generated` is
  /// true only the first time, so the caller prints it once.
  ///
  /// On a `sharedDatabase` (several nodes on one database) the token is configuration: every
  /// node must accept the same one, and a token generated into one node's data folder would
  /// open that node only. Without one, this is an error, and the data folder is not read.
  public static func administratorToken(
    file: String? = nil, environment: [String: String], data: DataDirectory?, sharedDatabase: Bool = false
  ) throws -> (token: String, generated: Bool) {
    if let file { return (try secret(fromFile: file, "the administrator token"), false) }
    if let token = environment["FLOWDESK_ADMIN_TOKEN"], !token.isEmpty { return (token, false) }
    if sharedDatabase {
      throw ConfigurationError(
        "the database is shared, so the administrator token must be configured: set FLOWDESK_ADMIN_TOKEN "
          + "or --admin-token-file, the same on every node")
    }
    guard let data else {
      throw ConfigurationError(
        "there is no administrator token: set FLOWDESK_ADMIN_TOKEN or --admin-token-file")
    }
    let tokenURL = data.url.appendingPathComponent("admin-token")
    if let stored = try? String(contentsOf: tokenURL, encoding: .utf8).trimmingCharacters(
      in: .whitespacesAndNewlines),
      !stored.isEmpty
    {
      return (stored, false)
    }
    var generator = SystemRandomNumberGenerator()
    let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }
      .joined()
    let created = FileManager.default.createFile(
      atPath: tokenURL.path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
    guard created else {
      throw StoreError(.readOnly, path: tokenURL.path, reason: "the administrator token cannot be written")
    }
    chmod(tokenURL.path, 0o600)
    return (token, true)
  }

  /// The webhook signing secret: from `file` (`--webhook-secret-file`), else
  /// `FLOWDESK_WEBHOOK_SECRET`, else nil. It never comes from the data folder, so every node
  /// on a shared database signs with the one the operator configured.
  public static func webhookSecret(file: String? = nil, environment: [String: String]) throws -> String? {
    if let file { return try secret(fromFile: file, "the webhook secret") }
    return environment["FLOWDESK_WEBHOOK_SECRET"]
  }

  /// A secret kept in a file (as systemd credentials and container secrets are), without the
  /// white space around it. A secret is never taken as a command-line argument, where any user
  /// of the machine could read it in the process list.
  static func secret(fromFile path: String, _ what: String) throws -> String {
    guard let text = try? String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8) else {
      throw ConfigurationError("\(what) cannot be read from \(path)")
    }
    let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !secret.isEmpty else { throw ConfigurationError("\(what) file \(path) is empty") }
    return secret
  }
}
