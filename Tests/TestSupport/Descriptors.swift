import Foundation

/// Children started with `system()` that do not keep the test process's descriptors open.
///
/// A child inherits every descriptor of the process that starts it unless the descriptor is
/// close-on-exec, and neither the sockets NIO accepts nor Foundation's pipes are. The
/// PostgreSQL server a test starts in the middle of a run therefore kept whatever connections
/// and pipes were open at that moment, for the rest of the run: a connection the in-process
/// server had closed stayed open without a reader, and a command's output pipe never reached
/// its end, so a test waited for ever. The shell closes every descriptor above standard error
/// before it runs the command.
///
/// Not for Foundation's `Process`: it learns that a child ended from a descriptor the child
/// inherits, and closing that one leaves every later wait hanging.
public enum InheritedDescriptors {
  /// Closes every descriptor above 2 of the running bash.
  static let closeAll =
    "for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\"; done 2>/dev/null; "

  /// A `system()` command line that runs `command` through bash once bash has closed what it
  /// inherited.
  public static func closed(before command: String) -> String {
    let script = closeAll + command
    return "/bin/bash -c '" + script.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
