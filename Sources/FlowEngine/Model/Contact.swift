import Foundation

/// A person a flow can reach.
public struct Contact: Sendable, Hashable, Codable {
  public var id: String
  public var email: String?
  public var mobile: String?
  /// Whether the contact has given valid consent to be emailed.
  public var consent: Bool
  /// The subscription types the contact is subscribed to.
  public var subscriptions: Set<String>
  /// Whether the contact is a marketing contact; emails go to marketing contacts only.
  public var marketingContact: Bool
  public var formerEmployee: Bool
  /// The contact's address is blocked after a hard bounce.
  public var emailBounced: Bool
  /// The contact has not engaged with recent email (graymail).
  public var unengaged: Bool
  public var companyId: String?
  public var lifecycleStage: LifecycleStage?
  public var properties: [String: String]
  /// The contact's language, a BCP 47 tag such as `nl-BE`: it chooses a message's variant.
  public var language: String?

  public init(
    id: String, email: String? = nil, mobile: String? = nil, consent: Bool = true,
    subscriptions: Set<String> = [], marketingContact: Bool = true, formerEmployee: Bool = false,
    emailBounced: Bool = false, unengaged: Bool = false, companyId: String? = nil,
    lifecycleStage: LifecycleStage? = nil, properties: [String: String] = [:], language: String? = nil
  ) {
    self.language = language
    self.id = id
    self.email = email
    self.mobile = mobile
    self.consent = consent
    self.subscriptions = subscriptions
    self.marketingContact = marketingContact
    self.formerEmployee = formerEmployee
    self.emailBounced = emailBounced
    self.unengaged = unengaged
    self.companyId = companyId
    self.lifecycleStage = lifecycleStage
    self.properties = properties
  }

  /// True when the contact has an email address that is not blank.
  public var hasEmail: Bool { !Self.isBlank(email) }
  /// True when the contact has a mobile number that is not blank.
  public var hasMobile: Bool { !Self.isBlank(mobile) }

  /// Whether a text is missing, empty or only whitespace. Most texts start with a visible
  /// ASCII character, which settles it without Foundation's trimming.
  static func isBlank(_ text: String?) -> Bool {
    guard let text, let first = text.utf8.first else { return true }
    if first > 0x20 && first < 0x7F { return false }
    return text.trimmingCharacters(in: .whitespaces).isEmpty
  }

  /// The values a condition sees for a property: built-in fields first, then custom properties.
  public func value(of property: String) -> [String] {
    switch property {
    case "id": return [id]
    case "email": return email.map { [$0] } ?? []
    case "mobile": return mobile.map { [$0] } ?? []
    case "consent": return [String(consent)]
    case "subscriptions": return subscriptions.sorted()
    case "marketingContact": return [String(marketingContact)]
    case "formerEmployee": return [String(formerEmployee)]
    case "emailBounced": return [String(emailBounced)]
    case "unengaged": return [String(unengaged)]
    case "companyId": return companyId.map { [$0] } ?? []
    case "lifecycleStage": return lifecycleStage.map { [$0.rawValue] } ?? []
    case "language": return language.map { [$0] } ?? []
    default: return properties[property].map { [$0] } ?? []
    }
  }

  private enum CodingKeys: String, CodingKey {
    case id, email, mobile, consent, subscriptions, marketingContact, formerEmployee, emailBounced
    case unengaged, companyId, lifecycleStage, properties, language
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      id: try c.decodeIfPresent(String.self, forKey: .id) ?? "",
      email: try c.decodeIfPresent(String.self, forKey: .email),
      mobile: try c.decodeIfPresent(String.self, forKey: .mobile),
      consent: try c.decodeIfPresent(Bool.self, forKey: .consent) ?? false,
      subscriptions: try c.decodeIfPresent(Set<String>.self, forKey: .subscriptions) ?? [],
      marketingContact: try c.decodeIfPresent(Bool.self, forKey: .marketingContact) ?? true,
      formerEmployee: try c.decodeIfPresent(Bool.self, forKey: .formerEmployee) ?? false,
      emailBounced: try c.decodeIfPresent(Bool.self, forKey: .emailBounced) ?? false,
      unengaged: try c.decodeIfPresent(Bool.self, forKey: .unengaged) ?? false,
      companyId: try c.decodeIfPresent(String.self, forKey: .companyId),
      lifecycleStage: try c.decodeIfPresent(LifecycleStage.self, forKey: .lifecycleStage),
      properties: try c.decodeIfPresent([String: String].self, forKey: .properties) ?? [:],
      language: try c.decodeIfPresent(String.self, forKey: .language))
  }
}

/// The lifecycle stage of a contact. It only moves forward, in declaration order.
public enum LifecycleStage: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
  case subscriber, lead, marketingQualifiedLead, salesQualifiedLead, opportunity, customer, evangelist

  private var rank: Int { Self.allCases.firstIndex(of: self)! }
  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
