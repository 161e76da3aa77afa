import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A pipe for a child's output whose descriptors close on exec. Foundation's `Pipe` makes
/// inheritable descriptors, so a long-lived child that another test starts at the same
/// moment (a `flowdesk serve`) inherits the write end too, and the reader sees no end of
/// output until that child exits. Here only the child the pipe is given to gets it, as its
/// standard output or error.
public final class OutputPipe: Sendable {
  public let reading: FileHandle
  public let writing: FileHandle

  public init() throws {
    var descriptors: [Int32] = [-1, -1]
    // Glibc's module does not show `pipe2`, so the flag is set right after: a spawn on
    // another thread in between could still inherit them, a far narrower window than the
    // whole life of the pipe.
    guard pipe(&descriptors) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    for descriptor in descriptors where fcntl(descriptor, F_SETFD, FD_CLOEXEC) != 0 {
      let code = POSIXErrorCode(rawValue: errno) ?? .EIO
      close(descriptors[0])
      close(descriptors[1])
      throw POSIXError(code)
    }
    reading = FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: true)
    writing = FileHandle(fileDescriptor: descriptors[1], closeOnDealloc: true)
  }

  /// Closes this process's copy of the write end, once the child has started: the reader
  /// then sees the end of the output when the child (and only it) closes its copy.
  public func childStarted() throws {
    try writing.close()
  }
}
