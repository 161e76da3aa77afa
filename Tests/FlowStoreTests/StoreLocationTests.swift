import Testing

@testable import FlowStore

/// `--database` and `FLOWDESK_DATABASE_URL`: the forms a service accepts, and a refusal that
/// names the option and the forms for anything else.
@Suite("Store location")
struct StoreLocationTests {
  @Test func withoutAnOptionTheStoreIsSQLiteInTheDataFolder() throws {
    #expect(try StoreLocation(option: nil, data: "./data") == .sqlite(folder: "./data"))
    #expect(try StoreLocation(option: "", data: "./data") == .sqlite(folder: "./data"))
    #expect(try !StoreLocation(option: nil, data: "./data").isShared)
  }

  @Test func postgresAndSQLiteURLsAreAccepted() throws {
    let url = "postgres://flowdesk:secret@127.0.0.1:5432/flowdesk"
    #expect(try StoreLocation(option: url, data: "d") == .postgres(url: url))
    let long = "postgresql://flowdesk@db.example/flowdesk"
    #expect(try StoreLocation(option: long, data: "d") == .postgres(url: long))
    #expect(
      try StoreLocation(option: "sqlite:/var/lib/flowdesk.sqlite", data: "d")
        == .sqliteFile("/var/lib/flowdesk.sqlite"))
    #expect(try StoreLocation(option: url, data: "d").isShared)
    #expect(try StoreLocation(option: "sqlite:x.sqlite", data: "d").isShared)
  }

  @Test(arguments: ["mysql://root@localhost/flowdesk", "flowdesk.sqlite", "postgres:/x@y/z", "sqlite:"])
  func anyOtherFormIsRefusedNamingTheOptionAndTheAcceptedForms(_ option: String) {
    #expect {
      _ = try StoreLocation(option: option, data: "d")
    } throws: { error in
      guard let error = error as? StoreError else { return false }
      return error.path == "--database" && error.reason.contains("sqlite:PATH")
    }
  }

  @Test func schemesAreCaseInsensitive() throws {
    #expect(try StoreLocation(option: "POSTGRES://a@b/c", data: "d") == .postgres(url: "POSTGRES://a@b/c"))
    #expect(try StoreLocation(option: "SQLite:x.sqlite", data: "d") == .sqliteFile("x.sqlite"))
    #expect(try PostgresSettings(url: "PostgreSQL://a@b/c").host == "b")
  }

  @Test func aPostgresURLIsReadWithDefaultsAndTheLocationNeverShowsThePassword() throws {
    let settings = try PostgresSettings(
      url: "postgres://flow%40desk:s3cr%2Ft@db.example:6543/flows?sslmode=prefer")
    #expect(settings.user == "flow@desk")
    #expect(settings.password == "s3cr/t")
    #expect(settings.port == 6543)
    #expect(settings.database == "flows")
    #expect(settings.tlsMode == "prefer")
    #expect(settings.location == "postgres://db.example:6543/flows")
    #expect(!settings.location.contains("s3cr"))
    let plain = try PostgresSettings(url: "postgres://ann@localhost")
    #expect(plain.port == 5432)
    #expect(plain.database == nil)
    #expect(plain.tlsMode == "disable")
  }

  @Test(arguments: [
    ("postgres:///flows", "names no host"), ("postgres://localhost/flows", "names no user"),
    ("postgres://ann@localhost/flows?sslmode=verify-full", "sslmode=verify-full"),
  ])
  func aPostgresURLThatLacksAPartIsRefusedNamingIt(_ url: String, _ reason: String) {
    #expect {
      _ = try PostgresSettings(url: url)
    } throws: { error in
      (error as? StoreError).map { $0.path == "--database" && $0.reason.contains(reason) } ?? false
    }
  }
}
