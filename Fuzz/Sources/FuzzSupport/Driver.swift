import CLibFuzzer
import Foundation

/// Runs libFuzzer on `test` with the process's arguments (`-runs=`, `-max_total_time=`, a
/// corpus folder...) and exits with libFuzzer's status: 0, or non-zero after a crash.
public func runLibFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
  var argc = CommandLine.argc
  var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
  exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}
