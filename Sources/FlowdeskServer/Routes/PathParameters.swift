import Foundation
import Hummingbird

extension FlowdeskContext {
  /// A path parameter, percent-decoded: `/v1/contacts/j%C3%B6rg` names contact `jörg`.
  /// A parameter that is not valid percent-encoding is a coded 400 that names it, and so is
  /// one with a NUL character (`%00`): SQLite's text bindings end at a NUL, so `victim%00x`
  /// would name the contact `victim` to some statements and another contact to others.
  func pathParameter(_ name: String) throws -> String {
    let raw = try parameters.require(name)
    guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
      throw Self.invalid(name, "reason.notPercentEncoded")
    }
    guard !decoded.utf8.contains(0) else { throw Self.invalid(name, "reason.nulCharacter") }
    return decoded
  }

  private static func invalid(_ name: String, _ reason: String) -> APIProblem {
    APIProblem(
      .badRequest, .invalidField, ["field": name, "reason": reason], members: ["field": .text(name)])
  }
}
