import Foundation

/// Where a service keeps its flows, from `--database` or `FLOWDESK_DATABASE_URL`.
public enum StoreLocation: Sendable, Hashable {
  /// SQLite in a data folder, which the service locks: the embedded default.
  case sqlite(folder: String)
  /// SQLite in a file named by `sqlite:PATH`.
  case sqliteFile(String)
  /// PostgreSQL, shared by any number of nodes.
  case postgres(url: String)

  /// Reads `option` (nil: the data folder `data`). Anything but `postgres://`,
  /// `postgresql://` or `sqlite:` is refused with the forms that are accepted.
  public init(option: String?, data: String) throws(StoreError) {
    guard let option, !option.isEmpty else {
      self = .sqlite(folder: data)
      return
    }
    // A URL's scheme is case-insensitive (RFC 3986, section 3.1).
    let scheme = option.prefix { $0 != ":" }.lowercased()
    if scheme == "postgres" || scheme == "postgresql", option.dropFirst(scheme.count).hasPrefix("://") {
      self = .postgres(url: option)
    } else if scheme == "sqlite" {
      let path = String(option.dropFirst("sqlite:".count))
      guard !path.isEmpty else {
        throw StoreError(.cannotCreate, path: "--database", reason: "sqlite: names no file: use sqlite:PATH")
      }
      self = .sqliteFile(path)
    } else {
      throw StoreError(
        .cannotCreate, path: "--database",
        reason: "is neither postgres://USER:PASSWORD@HOST:PORT/DB nor sqlite:PATH")
    }
  }

  /// True when other processes may use the same database, so nothing that must be the same
  /// on every node (the administrator token) may come from a local folder.
  public var isShared: Bool {
    if case .sqlite = self { return false }
    return true
  }
}
