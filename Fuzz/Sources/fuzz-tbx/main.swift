import Foundation
import FuzzSupport
import Localization

/// A TBX termbase (`docs check --termbase`): decoding, the DOCTYPE and entity refusal,
/// libxml2 and the reader. What it reads must be written and read back to the same terms.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTBX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Data(UnsafeBufferPointer(start: data, count: size))
  guard let termbase = try? TBX.parse(bytes, displayName: "fuzz.tbx") else { return 0 }
  let written = TBX.write(termbase, title: "fuzz")
  let again: Termbase
  do {
    again = try TBX.parse(Data(written.utf8), displayName: "written.tbx")
  } catch {
    fatalError("a termbase it read does not read back after writing: \(error)\n\(written)")
  }
  func terms(_ termbase: Termbase) -> [String: [String: [String]]] {
    Dictionary(
      termbase.concepts.map { concept in
        (concept.id, concept.terms.mapValues { $0.map { "\($0.status): \($0.text)" } })
      }, uniquingKeysWith: { first, _ in first })
  }
  if terms(again) != terms(termbase) {
    fatalError("terms changed on a write and read: \(terms(termbase)) became \(terms(again))")
  }
  return 0
}

runLibFuzzer(fuzzTBX)
