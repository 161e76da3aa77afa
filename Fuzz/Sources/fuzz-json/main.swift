import Foundation
import FuzzSupport

@testable import StrictJSON

/// The service's strict JSON parser. What it accepts must serialize to text that it accepts
/// again as the same value, and that Foundation's JSON parser also reads (the service hands
/// accepted bodies to JSONDecoder).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  guard let value = try? StrictJSONParser.parse(bytes) else { return 0 }
  let text = value.serialized
  guard let again = try? StrictJSONParser.parse(Array(text.utf8)) else {
    fatalError("the serialized value is not accepted again: \(text)")
  }
  if again != value { fatalError("the value changed on a round trip: \(text)") }
  if (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) == nil {
    fatalError("accepted JSON that Foundation cannot read")
  }
  return 0
}

runLibFuzzer(fuzzJSON)
