import FuzzSupport

@testable import StrictJSON

/// A JSON merge patch (RFC 7396) as the service's PATCH applies it. The input is a document
/// and a patch separated by a NUL byte (no NUL: the input is the patch of an empty object).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMergePatch(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  let split = bytes.firstIndex(of: 0)
  let documentBytes = split.map { Array(bytes[..<$0]) } ?? Array("{}".utf8)
  let patchBytes = split.map { Array(bytes[($0 + 1)...]) } ?? Array(bytes)
  guard
    let document = try? StrictJSONParser.parse(
      documentBytes, maximumDepth: StrictJSONParser.storedMaximumDepth),
    let patch = try? StrictJSONParser.parse(patchBytes)
  else { return 0 }
  let merged = document.merging(patch: patch)
  // A merge patch is idempotent: applying it again changes nothing.
  if merged.merging(patch: patch) != merged { fatalError("applying the patch twice changed the result") }
  // The service re-reads the merged text: it must parse (up to the depth limit) to the same value.
  let text = merged.serialized
  guard
    let again = try? StrictJSONParser.parse(
      Array(text.utf8), maximumDepth: StrictJSONParser.storedMaximumDepth)
  else {
    fatalError("the merged value does not serialize to JSON: \(text)")
  }
  if again != merged { fatalError("the merged value changed on a round trip: \(text)") }
  // Nothing null survives in an object the patch wrote (RFC 7396: null removes a member).
  if case .object(let changes) = patch, case .object(let members) = merged {
    for (key, change) in changes where change == .null && members[key] != nil {
      fatalError("member \(key) was set to null but survived")
    }
  }
  _ = try? StrictJSONParser.parse(Array(text.utf8))
  return 0
}

runLibFuzzer(fuzzMergePatch)
