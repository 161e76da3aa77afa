import Foundation

/// Every code the engine can produce: the single registry.
///
/// A code is `FD` followed by four digits. The first digit names the kind
/// (1 refusal, 2 drop-out, 3 action error, 4 skip, 5 reschedule, 6 delivery failure). Codes are never
/// reused: a code that is no longer produced stays here with `isRetired` set, and
/// stays documented as retired.
public enum FlowCode: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
  // Start validation: one refusal per missing setting.
  case missingEmailFrom = "FD1001"
  case missingEmailReplyTo = "FD1002"
  case missingSmsSender = "FD1003"
  case missingSubscriptionType = "FD1004"
  case flowHasNoSteps = "FD1005"
  case invalidTimeWindow = "FD1006"

  // Lifecycle actions that are not allowed in the current status.
  case flowAlreadyRunning = "FD1101"
  case startWhilePaused = "FD1102"
  case pauseWhileNotRunning = "FD1103"
  case flowAlreadyPaused = "FD1104"
  case resumeWhileRunning = "FD1105"
  case resumeWhileNotRunning = "FD1106"
  case flowAlreadyEnded = "FD1107"
  case deleteWhileActive = "FD1108"
  case editWhileRunning = "FD1109"
  case editNeedsAdministrator = "FD1110"
  case enrollWhileNotRunning = "FD1111"

  // Structural edit guards and flow definitions.
  case stepHasActiveParticipants = "FD1201"
  case everyoneElseBranchRequired = "FD1202"
  case branchHasActiveParticipants = "FD1203"
  case invalidFlowDefinition = "FD1204"
  case templateDoesNotParse = "FD1205"

  // Enrollment.
  case contactDoesNotMatchFilter = "FD1301"
  case contactExcluded = "FD1302"
  case contactAlreadyStartedFlow = "FD1303"
  case contactAlreadyInFlow = "FD1304"
  case participantWasCancelled = "FD1305"
  case reenrollWhileInFlow = "FD1306"

  // Requests to the HTTP service that cannot be served.
  case malformedRequestBody = "FD1501"
  case invalidField = "FD1502"
  case requestTooLarge = "FD1503"
  case routeNotFound = "FD1504"
  case methodNotAllowed = "FD1505"
  case invalidLanguageTag = "FD1506"
  case authenticationRequired = "FD1507"
  case readOnlyToken = "FD1508"
  case unknownCode = "FD1509"
  case unsupportedMediaType = "FD1510"
  case requestNestedTooDeep = "FD1511"
  case flowChangedSinceRead = "FD1512"
  case internalError = "FD1513"
  case wholeDefinitionRequired = "FD1514"
  case contentReloadRefused = "FD1515"
  case storageUnavailable = "FD1520"
  case messageNotFound = "FD1521"
  case messageNotDead = "FD1522"
  case eventSignatureRejected = "FD1523"
  case malformedHTTPRequest = "FD1524"

  // Unknown things.
  case flowNotFound = "FD1401"
  case contactNotFound = "FD1402"
  case participantNotFound = "FD1403"

  // Drop-out reasons.
  case noConsentOrSubscription = "FD2000"
  case formerEmployee = "FD2001"
  case excludedBeforeStep = "FD2002"
  case consentMissing = "FD2003"
  case notSubscribed = "FD2004"
  case noEmailAddress = "FD2005"
  case emailAddressAlreadyActive = "FD2006"
  case emailAddressBlocked = "FD2007"
  case noMobileNumber = "FD2008"
  case exitedAtSplit = "FD2009"
  case waitForActionTimedOut = "FD2010"
  case setAsideAfterFailure = "FD2011"

  // Action errors (seed 003): recorded, the participant goes on.
  case noAssociatedRecord = "FD3001"
  case contactHasNoCompany = "FD3002"
  case lifecycleStageBackwards = "FD3003"
  case nonMarketingContact = "FD3004"
  case previouslyUnsubscribed = "FD3005"
  case previouslyHardBounced = "FD3006"
  case graymailSuppressed = "FD3007"

  // Skips and reschedules.
  case actionDatePassed = "FD4001"
  case rescheduledOutsideTimeWindow = "FD5001"

  // Delivery failures: the delivery worker's, never the engine's. Each names one way a
  // webhook POST failed; the message is retried (FD6002 to FD6005) or dead.
  case receiverRejected = "FD6001"
  case receiverFailed = "FD6002"
  case receiverThrottled = "FD6003"
  case receiverTimedOut = "FD6004"
  case receiverUnreachable = "FD6005"

  /// The code as written everywhere: `FD1002`.
  public var id: String { rawValue }

  /// The kind, read from the code's first digit.
  public var kind: CodeKind {
    switch rawValue.dropFirst(2).first {
    case "1": .refusal
    case "2": .dropOut
    case "3": .actionError
    case "4": .skip
    case "5": .reschedule
    default: .deliveryFailure
    }
  }

  public static func < (lhs: FlowCode, rhs: FlowCode) -> Bool { lhs.rawValue < rhs.rawValue }

  /// Whether the engine itself produces the code; request codes (`FD15xx`) come from the
  /// HTTP service, and delivery failures (`FD6xxx`) from its delivery worker.
  public var isProducedByEngine: Bool { !rawValue.hasPrefix("FD15") && !rawValue.hasPrefix("FD6") }

  /// Looks a code up by its text, ignoring case and surrounding white space.
  public init?(lookup text: String) {
    self.init(rawValue: text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased())
  }
}
