import Foundation
import FuzzSupport
import Localization

/// An XLIFF catalog: decoding (UTF-8, UTF-16, UTF-32, ISO-8859-1), the DOCTYPE and entity
/// refusal, and libxml2. A bad catalog is an error, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLIFF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Data(UnsafeBufferPointer(start: data, count: size))
  _ = try? XLIFF.parse(bytes, displayName: "fuzz.xliff")
  return 0
}

runLibFuzzer(fuzzXLIFF)
