import FlowStore
import FlowdeskServer
import Foundation
import TestSupport
import Testing

/// Where `flowdesk serve` gets its administrator token and webhook secret: configuration
/// (a file option, then the environment) first; the data folder only for a database of its own.
@Suite("Service start-up: tokens and secrets")
struct ServiceStartupTests {
  static let secret = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()

  /// A data folder and a scratch folder beside it, removed when the test ends.
  final class Folders {
    let root: URL
    let data: DataDirectory
    init() throws {
      root = try Paths.temporaryFolder()
      data = try DataDirectory(path: root.appendingPathComponent("data").path)
    }
    deinit { try? FileManager.default.removeItem(at: root) }

    var storedToken: URL { data.url.appendingPathComponent("admin-token") }

    func write(_ text: String, to name: String) throws -> String {
      let url = root.appendingPathComponent(name)
      try Data(text.utf8).write(to: url)
      return url.path
    }
  }

  @Test func onItsOwnDatabaseATokenIsGeneratedOnceIntoTheDataFolder() throws {
    let folders = try Folders()
    let first = try ServiceStartup.administratorToken(environment: [:], data: folders.data)
    #expect(first.generated && first.token.count == 64)
    let second = try ServiceStartup.administratorToken(environment: [:], data: folders.data)
    #expect(second.token == first.token && !second.generated)
    let attributes = try FileManager.default.attributesOfItem(atPath: folders.storedToken.path)
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
  }

  @Test func onASharedDatabaseAMissingTokenIsAnErrorAndTheDataFolderIsNotUsed() throws {
    let folders = try Folders()
    // A token left in the data folder (from running on SQLite) does not open a shared database.
    try Data("left-in-the-folder\n".utf8).write(to: folders.storedToken)
    let error = #expect(throws: ConfigurationError.self) {
      try ServiceStartup.administratorToken(environment: [:], data: folders.data, sharedDatabase: true)
    }
    #expect(error?.description.contains("FLOWDESK_ADMIN_TOKEN") == true, "\(String(describing: error))")
    #expect(error?.description.contains("--admin-token-file") == true)
    // Without a data folder at all (a database elsewhere), the same.
    #expect(throws: ConfigurationError.self) {
      try ServiceStartup.administratorToken(environment: [:], data: nil, sharedDatabase: true)
    }
    try FileManager.default.removeItem(at: folders.storedToken)
    _ = try? ServiceStartup.administratorToken(environment: [:], data: folders.data, sharedDatabase: true)
    #expect(!FileManager.default.fileExists(atPath: folders.storedToken.path), "a token was generated")
  }

  @Test func onASharedDatabaseTheConfiguredTokenIsUsed() throws {
    let folders = try Folders()
    let fromEnvironment = try ServiceStartup.administratorToken(
      environment: ["FLOWDESK_ADMIN_TOKEN": "from-the-environment"], data: nil, sharedDatabase: true)
    #expect(fromEnvironment.token == "from-the-environment" && !fromEnvironment.generated)
    // The file option comes before the environment; white space around the token is not part of it.
    let file = try folders.write("  from-a-file\n", to: "admin-token-file")
    let fromFile = try ServiceStartup.administratorToken(
      file: file, environment: ["FLOWDESK_ADMIN_TOKEN": "from-the-environment"], data: folders.data,
      sharedDatabase: true)
    #expect(fromFile.token == "from-a-file" && !fromFile.generated)
  }

  @Test func aTokenOrSecretFileThatIsMissingOrEmptyIsAnError() throws {
    let folders = try Folders()
    let missing = folders.root.appendingPathComponent("no-such-file").path
    let unreadable = #expect(throws: ConfigurationError.self) {
      try ServiceStartup.administratorToken(file: missing, environment: [:], data: folders.data)
    }
    #expect(unreadable?.description.contains(missing) == true)
    let empty = try folders.write("\n", to: "empty")
    #expect(throws: ConfigurationError.self) {
      try ServiceStartup.administratorToken(file: empty, environment: [:], data: folders.data)
    }
    #expect(throws: ConfigurationError.self) {
      try ServiceStartup.webhookSecret(file: empty, environment: ["FLOWDESK_WEBHOOK_SECRET": Self.secret])
    }
    // Neither falls back to the environment or the data folder.
    #expect(!FileManager.default.fileExists(atPath: folders.storedToken.path))
  }

  @Test func theWebhookSecretComesFromItsFileBeforeTheEnvironment() throws {
    let folders = try Folders()
    #expect(try ServiceStartup.webhookSecret(environment: [:]) == nil)
    #expect(try ServiceStartup.webhookSecret(environment: ["FLOWDESK_WEBHOOK_SECRET": "x"]) == "x")
    let file = try folders.write(Self.secret + "\n", to: "webhook-secret")
    let secret = try ServiceStartup.webhookSecret(
      file: file, environment: ["FLOWDESK_WEBHOOK_SECRET": "not-this-one"])
    #expect(secret == Self.secret)
    let configuration = try DeliveryConfiguration.from(
      environment: ["FLOWDESK_WEBHOOK_SECRET": "not-this-one"], url: "http://127.0.0.1:9/hook", secret: secret
    )
    #expect(configuration != nil)
    let error = #expect(throws: ConfigurationError.self) {
      try DeliveryConfiguration.from(environment: [:], url: "http://127.0.0.1:9/hook")
    }
    #expect(error?.description.contains("--webhook-secret-file") == true)
  }

  @Test func aStartWithoutContentSaysSoInAFewLinesNamingTheFoldersItLookedIn() throws {
    let folders = try Folders()
    let content = folders.root.appendingPathComponent("content")
    let locales = folders.root.appendingPathComponent("locales")
    let help = try HelpService(content: content, locales: locales)
    // Every code of the registry lacks its section: hundreds of findings.
    #expect(help.blockingFindings.count > 100)
    let report = help.startReport(limit: 10)
    let problems = report.filter { $0.contains("does not exist") }
    #expect(problems.count == 2, "\(report)")
    #expect(
      problems.contains { $0.contains("the content folder \(content.path) does not exist") }, "\(report)")
    #expect(
      problems.contains { $0.contains(locales.path) && $0.contains("point --locales at a folder") },
      "\(report)")
    // The two problems, ten findings, and one line that counts the rest and says how to list them.
    #expect(report.count == 13, "\(report)")
    let last = try #require(report.last)
    // The docs check finds the missing folders too, under its own rule names; each is said once.
    let repeated = help.blockingFindings.filter { finding in
      help.problems.contains { $0.file == finding.file && $0.message == finding.message }
    }
    #expect(!repeated.isEmpty)
    // The catalog problem is also the finding [catalogs]: one line, not two.
    #expect(report.dropLast().filter { $0.contains(locales.path) }.count == 1, "\(report)")
    let rest = help.blockingFindings.count - repeated.count - 10
    #expect(last.hasPrefix("\(rest) more finding(s) not listed here"), "\(last)")
    #expect(
      last.contains("flowdesk docs check --content \(content.path) --locales \(locales.path)"), "\(last)")
  }

  @Test func theBundledContentStartsWithNothingToReport() throws {
    let help = try HelpService(content: Paths.content, locales: Paths.locales)
    #expect(help.startReport().isEmpty, "\(help.startReport())")
  }
}
