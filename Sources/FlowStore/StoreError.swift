/// Why a store could not be opened or written. Every case names the path and the reason.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable {
    case notADatabase, foreignDatabase, newerSchema, locked, cannotCreate, full, readOnly, io
  }

  public var kind: Kind
  public var path: String
  public var reason: String

  public init(_ kind: Kind, path: String, reason: String) {
    self.kind = kind
    self.path = path
    self.reason = reason
  }

  public var description: String { "\(path): \(reason)" }
}

extension StoreError.Kind {
  /// Failures of a store that was working and may work again (a full disk, a busy or
  /// failing database), as opposed to one that cannot be opened at all.
  public var isTransient: Bool {
    switch self {
    case .full, .locked, .io, .readOnly: true
    case .notADatabase, .foreignDatabase, .newerSchema, .cannotCreate: false
    }
  }
}
