import Foundation

/// What a flow is: its settings, its trigger, its success criterion and its steps.
public struct FlowDefinition: Sendable, Hashable, Codable {
  /// The most characters a flow's name may have.
  public static let maximumNameLength = 200

  public var name: String
  public var settings: FlowSettings
  public var trigger: Trigger
  /// A participant who meets it finishes with success, checked before every step.
  public var successCriterion: Condition?
  public var steps: [Step]

  public init(
    name: String, settings: FlowSettings = FlowSettings(), trigger: Trigger = Trigger(),
    successCriterion: Condition? = nil, steps: [Step] = []
  ) {
    self.name = name
    self.settings = settings
    self.trigger = trigger
    self.successCriterion = successCriterion
    self.steps = steps
  }

  private enum CodingKeys: String, CodingKey { case name, settings, trigger, successCriterion, steps }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    settings = try c.decodeIfPresent(FlowSettings.self, forKey: .settings) ?? FlowSettings()
    trigger = try c.decodeIfPresent(Trigger.self, forKey: .trigger) ?? Trigger()
    successCriterion = try c.decodeIfPresent(Condition.self, forKey: .successCriterion)
    steps = try c.decodeIfPresent([Step].self, forKey: .steps) ?? []
  }
}

/// How the flow treats a contact it cannot email because of an unsubscribe or a bounce.
public enum UnreachableEmailPolicy: String, Sendable, Hashable, Codable {
  /// The pre-step check drops the participant out (FD2004, FD2007).
  case dropOut
  /// The send is recorded as an action error (FD3005, FD3006) and the participant goes on.
  case recordError
}

public struct FlowSettings: Sendable, Hashable, Codable {
  public var emailFrom: String?
  public var emailReplyTo: String?
  public var smsSender: String?
  public var subscriptionType: String?
  public var timeWindow: TimeWindow?
  public var unreachableEmail: UnreachableEmailPolicy
  /// The account-level half of graymail suppression; each email has the other half.
  public var graymailSuppression: Bool
  /// The language of the steps' own subject, text and html; English when absent.
  public var defaultLanguage: String?

  public init(
    emailFrom: String? = nil, emailReplyTo: String? = nil, smsSender: String? = nil,
    subscriptionType: String? = nil, timeWindow: TimeWindow? = nil,
    unreachableEmail: UnreachableEmailPolicy = .dropOut, graymailSuppression: Bool = false,
    defaultLanguage: String? = nil
  ) {
    self.defaultLanguage = defaultLanguage
    self.emailFrom = emailFrom
    self.emailReplyTo = emailReplyTo
    self.smsSender = smsSender
    self.subscriptionType = subscriptionType
    self.timeWindow = timeWindow
    self.unreachableEmail = unreachableEmail
    self.graymailSuppression = graymailSuppression
  }

  private enum CodingKeys: String, CodingKey {
    case emailFrom, emailReplyTo, smsSender, subscriptionType, timeWindow, unreachableEmail,
      graymailSuppression, defaultLanguage
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    emailFrom = try c.decodeIfPresent(String.self, forKey: .emailFrom)
    emailReplyTo = try c.decodeIfPresent(String.self, forKey: .emailReplyTo)
    smsSender = try c.decodeIfPresent(String.self, forKey: .smsSender)
    subscriptionType = try c.decodeIfPresent(String.self, forKey: .subscriptionType)
    timeWindow = try c.decodeIfPresent(TimeWindow.self, forKey: .timeWindow)
    unreachableEmail =
      try c.decodeIfPresent(UnreachableEmailPolicy.self, forKey: .unreachableEmail) ?? .dropOut
    graymailSuppression = try c.decodeIfPresent(Bool.self, forKey: .graymailSuppression) ?? false
    defaultLanguage = try c.decodeIfPresent(String.self, forKey: .defaultLanguage)
  }
}

/// Who enters the flow.
public struct Trigger: Sendable, Hashable, Codable {
  /// Checked once, at enrollment.
  public var filter: Condition?
  /// Contact ids that never enter, and that drop out before any step.
  public var exclusionList: Set<String>
  /// A person can only start this flow once.
  public var onlyOnce: Bool

  public init(filter: Condition? = nil, exclusionList: Set<String> = [], onlyOnce: Bool = false) {
    self.filter = filter
    self.exclusionList = exclusionList
    self.onlyOnce = onlyOnce
  }

  private enum CodingKeys: String, CodingKey { case filter, exclusionList, onlyOnce }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    filter = try c.decodeIfPresent(Condition.self, forKey: .filter)
    exclusionList = try c.decodeIfPresent(Set<String>.self, forKey: .exclusionList) ?? []
    onlyOnce = try c.decodeIfPresent(Bool.self, forKey: .onlyOnce) ?? false
  }
}
