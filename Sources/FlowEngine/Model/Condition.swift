import Foundation

/// A condition on a contact (and on what the participant did in the flow), used by
/// trigger filters, success criteria and split branches.
///
/// JSON forms: `{"property": "country", "equals": "NL"}`, `{"property": "x", "notEquals": "y"}`,
/// `{"property": "x", "in": ["a", "b"]}`, `{"property": "x", "exists": true}`,
/// `{"action": "emailOpened"}`, `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}`.
public indirect enum Condition: Sendable, Hashable {
  case property(String, PropertyTest)
  case performed(action: String)
  case all([Condition])
  case any([Condition])
  case not(Condition)

  /// How a property value is tested.
  public enum PropertyTest: Sendable, Hashable {
    case equals(String)
    case notEquals(String)
    case isIn([String])
    case exists(Bool)
  }

  /// Evaluates the condition for a contact and the actions its participant performed.
  public func isMet(by contact: Contact, performed: Set<String> = []) -> Bool {
    switch self {
    case .property(let name, let test):
      let value = contact.value(of: name)
      switch test {
      case .equals(let expected):
        return value.contains { $0.caseInsensitiveCompare(expected) == .orderedSame }
      case .notEquals(let expected):
        return !value.contains { $0.caseInsensitiveCompare(expected) == .orderedSame }
      case .isIn(let options):
        return value.contains { v in options.contains { $0.caseInsensitiveCompare(v) == .orderedSame } }
      case .exists(let expected): return value.isEmpty != expected
      }
    case .performed(let action): return performed.contains(action)
    case .all(let conditions): return conditions.allSatisfy { $0.isMet(by: contact, performed: performed) }
    case .any(let conditions): return conditions.contains { $0.isMet(by: contact, performed: performed) }
    case .not(let condition): return !condition.isMet(by: contact, performed: performed)
    }
  }
}

extension Condition: Codable {
  private enum Keys: String, CodingKey {
    case property, equals, notEquals, `in`, exists, action, all, any, not
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Keys.self)
    if let list = try c.decodeIfPresent([Condition].self, forKey: .all) {
      self = .all(list)
    } else if let list = try c.decodeIfPresent([Condition].self, forKey: .any) {
      self = .any(list)
    } else if let inner = try c.decodeIfPresent(Condition.self, forKey: .not) {
      self = .not(inner)
    } else if let action = try c.decodeIfPresent(String.self, forKey: .action) {
      self = .performed(action: action)
    } else if let name = try c.decodeIfPresent(String.self, forKey: .property) {
      if let v = try c.decodeIfPresent(String.self, forKey: .equals) {
        self = .property(name, .equals(v))
      } else if let v = try c.decodeIfPresent(String.self, forKey: .notEquals) {
        self = .property(name, .notEquals(v))
      } else if let v = try c.decodeIfPresent([String].self, forKey: .in) {
        self = .property(name, .isIn(v))
      } else if let v = try c.decodeIfPresent(Bool.self, forKey: .exists) {
        self = .property(name, .exists(v))
      } else {
        throw FieldReason("conditionNeedsTest").decodingError(forKey: .property, in: c)
      }
    } else {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath, debugDescription: "reason.conditionNeedsForm",
          underlyingError: FieldReason("conditionNeedsForm")))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    switch self {
    case .property(let name, let test):
      try c.encode(name, forKey: .property)
      switch test {
      case .equals(let v): try c.encode(v, forKey: .equals)
      case .notEquals(let v): try c.encode(v, forKey: .notEquals)
      case .isIn(let v): try c.encode(v, forKey: .in)
      case .exists(let v): try c.encode(v, forKey: .exists)
      }
    case .performed(let action): try c.encode(action, forKey: .action)
    case .all(let list): try c.encode(list, forKey: .all)
    case .any(let list): try c.encode(list, forKey: .any)
    case .not(let inner): try c.encode(inner, forKey: .not)
    }
  }
}
