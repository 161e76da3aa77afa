import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The folder that holds a Flowdesk service's state: the SQLite database and its lock.
///
/// One process at a time: opening takes an exclusive lock on `flowdesk.lock`, and a second
/// process that opens the same folder is refused with a clear error.
public final class DataDirectory: @unchecked Sendable {
  public let url: URL
  private let lockDescriptor: Int32

  public var databaseURL: URL { url.appendingPathComponent("flowdesk.sqlite") }

  /// Creates the folder (mode 0700) when missing and takes its lock.
  public init(path: String) throws(StoreError) {
    let url = URL(fileURLWithPath: path).standardizedFileURL
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw StoreError(.cannotCreate, path: url.path, reason: "exists and is not a folder")
      }
    } else {
      do {
        try FileManager.default.createDirectory(
          at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
      } catch {
        throw StoreError(
          .cannotCreate, path: url.path,
          reason: "the data folder cannot be created: \(error.localizedDescription)")
      }
    }
    let lockPath = url.appendingPathComponent("flowdesk.lock").path
    let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      throw StoreError(
        errno == EROFS || errno == EACCES ? .readOnly : .cannotCreate, path: url.path,
        reason: "the data folder is not writable: \(reason)")
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      close(descriptor)
      throw StoreError(
        .locked, path: url.path,
        reason: "another Flowdesk process is using this data folder; stop it or use another --data")
    }
    self.url = url
    self.lockDescriptor = descriptor
  }

  deinit {
    flock(lockDescriptor, LOCK_UN)
    close(lockDescriptor)
  }
}
