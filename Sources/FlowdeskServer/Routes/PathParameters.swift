import Foundation
import Hummingbird

extension FlowdeskContext {
  /// A path parameter, percent-decoded: `/v1/contacts/j%C3%B6rg` names contact `jörg`.
  /// A parameter that is not valid percent-encoding is a coded 400 that names it.
  func pathParameter(_ name: String) throws -> String {
    let raw = try parameters.require(name)
    guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
      throw APIProblem(
        .badRequest, .invalidField, ["field": name, "reason": "reason.notPercentEncoded"],
        members: ["field": .text(name)])
    }
    return decoded
  }
}
