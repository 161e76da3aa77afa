import FuzzSupport
import HelpContent

/// The HTML sanitizer, with the help center's link rewriting: it must not crash, and what it
/// returns must keep the promise `HTMLSafety` checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSanitizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let html = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  let output = HTMLSanitizer.sanitize(html, rewriteLink: HTMLSanitizer.articlePageLink)
  let violations = HTMLSafety.violations(in: output)
  if !violations.isEmpty {
    fatalError("sanitizer output is unsafe: \(violations.joined(separator: "; "))\n\(output)")
  }
  return 0
}

runLibFuzzer(fuzzSanitizer)
