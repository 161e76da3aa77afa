import FlowEngine
import Foundation
import FuzzSupport

@testable import StrictJSON

/// A flow definition as the service receives it: the strict parser, JSONDecoder, the
/// validator, then creating and starting the flow on an engine. What decodes must encode to
/// JSON that decodes to the same definition.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDefinition(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Data(UnsafeBufferPointer(start: data, count: size))
  guard (try? StrictJSONParser.parse(bytes)) != nil else { return 0 }
  let decoder = JSONDecoder()
  decoder.dateDecodingStrategy = .iso8601
  guard let definition = try? decoder.decode(FlowDefinition.self, from: bytes) else { return 0 }
  _ = DefinitionValidator.structuralProblems(of: definition)
  _ = DefinitionValidator.startProblems(of: definition)
  let encoder = JSONEncoder()
  encoder.dateEncodingStrategy = .iso8601
  guard let encoded = try? encoder.encode(definition) else {
    fatalError("a decoded definition does not encode")
  }
  guard (try? StrictJSONParser.parse(encoded, maximumDepth: StrictJSONParser.storedMaximumDepth)) != nil
  else {
    fatalError("an encoded definition is not strict JSON")
  }
  // The service's PATCH encodes the stored definition and decodes it again: that must work,
  // and judge the definition as before (durations go through hours, so compare the verdict).
  guard let again = try? decoder.decode(FlowDefinition.self, from: encoded) else {
    fatalError("an encoded definition does not decode: \(String(decoding: encoded, as: UTF8.self))")
  }
  if DefinitionValidator.startProblems(of: again).map(\.code)
    != DefinitionValidator.startProblems(of: definition).map(\.code)
  {
    fatalError("a definition is judged differently after a round trip")
  }
  var engine = FlowEngine(clock: ManualClock())
  if let flow = try? engine.createFlow(definition) {
    _ = try? engine.start(flow.id)
    _ = engine.advance()
  }
  return 0
}

runLibFuzzer(fuzzDefinition)
