/// The English title and one-line message of a code, with its named parameters.
///
/// Messages name their parameters in braces (`{setting}`); translations in the
/// catalogs must keep the same names.
public struct CodeDefinition: Sendable, Hashable {
  public let code: FlowCode
  public let title: String
  public let message: String
  /// Set for a code the engine no longer produces. It stays documented.
  public let isRetired: Bool

  /// The parameter names used in `message`, in order of appearance.
  public var parameters: [String] { Placeholders.names(in: message) }
}

extension FlowCode {
  /// The registry entry for this code.
  public var definition: CodeDefinition {
    let (title, message) = englishText
    return CodeDefinition(
      code: self, title: title, message: message, isRetired: self == .noConsentOrSubscription)
  }

  /// Codes still produced by the engine.
  public static var active: [FlowCode] { allCases.filter { !$0.definition.isRetired } }

  private var englishText: (String, String) {
    switch self {
    case .missingEmailFrom:
      (
        "From address missing",
        "The flow has an email step but no from address; set {setting} before starting."
      )
    case .missingEmailReplyTo:
      (
        "Reply-to address missing",
        "The flow has an email step but no reply-to address; set {setting} before starting."
      )
    case .missingSmsSender:
      ("SMS sender missing", "The flow has an SMS step but no SMS sender; set {setting} before starting.")
    case .missingSubscriptionType:
      (
        "Subscription type missing",
        "The flow has an email step but no subscription type; set {setting} before starting."
      )
    case .flowHasNoSteps:
      ("Flow has no steps", "A flow needs at least one step before it can start.")
    case .invalidTimeWindow:
      ("Time window is not valid", "The time window for actions is not valid: {reason}.")
    case .flowAlreadyRunning:
      ("Flow is already running", "The flow is already running, so it cannot be started again.")
    case .startWhilePaused:
      ("Flow is paused", "The flow is paused; resume it instead of starting it.")
    case .pauseWhileNotRunning:
      ("Flow is not running", "Only a running flow can be paused; this flow is not running.")
    case .flowAlreadyPaused:
      ("Flow is already paused", "The flow is already paused.")
    case .resumeWhileRunning:
      ("Flow is not paused", "Only a paused flow can be resumed; this flow is already running.")
    case .resumeWhileNotRunning:
      ("Flow has not been started", "Only a paused flow can be resumed; start this flow instead.")
    case .flowAlreadyEnded:
      ("Flow has already ended", "Only a running or paused flow can be ended; this flow is not running.")
    case .deleteWhileActive:
      ("Flow must be ended first", "A {status} flow cannot be deleted; pause it, end it, then delete it.")
    case .editWhileRunning:
      ("Pause the flow to edit it", "A running flow cannot be edited; pause it first.")
    case .editNeedsAdministrator:
      ("Flow administrator right needed", "Only a flow administrator can edit a flow.")
    case .enrollWhileNotRunning:
      ("Flow is not enrolling", "The flow's triggers are not active, so no contact can be enrolled.")
    case .stepHasActiveParticipants:
      ("Step has active participants", "Step {step} cannot be moved or removed while participants are in it.")
    case .everyoneElseBranchRequired:
      ("Everyone else branch required", "The split in step {step} must keep its everyone else branch.")
    case .branchHasActiveParticipants:
      (
        "Branch has active participants",
        "Branch {branch} of step {step} cannot be removed while participants are in it."
      )
    case .invalidFlowDefinition:
      ("Flow definition is not valid", "The flow definition is not valid: {reason}.")
    case .contactDoesNotMatchFilter:
      ("Contact does not match the trigger", "Contact {contact} does not match the flow's trigger filter.")
    case .contactExcluded:
      ("Contact is on the exclusion list", "Contact {contact} is on the flow's exclusion list.")
    case .contactAlreadyStartedFlow:
      (
        "Contact already started this flow",
        "Contact {contact} has already started this flow, and a person can only start it once."
      )
    case .contactAlreadyInFlow:
      ("Contact is already in the flow", "Contact {contact} is already a participant in this flow.")
    case .participantWasCancelled:
      (
        "Participant was cancelled",
        "Contact {contact} was cancelled when the flow ended and does not continue."
      )
    case .reenrollWhileInFlow:
      (
        "Participant is still in the flow",
        "Contact {contact} is still queued or active, so there is nothing to re-enroll."
      )
    case .malformedRequestBody:
      (
        "Request body is not valid JSON",
        "The request body is not valid JSON at line {line}, column {column}: {reason}."
      )
    case .invalidField:
      ("A field is not valid", "The field {field} is not valid: {reason}.")
    case .requestTooLarge:
      ("Request body too large", "The request body is larger than {limit} bytes.")
    case .routeNotFound:
      ("No such endpoint", "There is no endpoint at {path}.")
    case .methodNotAllowed:
      ("Method not allowed", "The method {method} is not allowed on {path}.")
    case .invalidLanguageTag:
      ("Language tag is not valid", "The language {tag} is not a language tag; use en, nl or sv.")
    case .authenticationRequired:
      ("Authentication required", "This endpoint needs a valid bearer token in the Authorization header.")
    case .readOnlyToken:
      ("Read-only token", "The read-only token cannot change flows or contacts; use the administrator token.")
    case .unknownCode:
      ("Unknown code", "There is no code {code}; GET /v1/codes lists every code.")
    case .unsupportedMediaType:
      ("Body must be JSON", "Send the request body as {expected}, not {type}.")
    case .requestNestedTooDeep:
      ("Request body nested too deep", "The request body nests lists and objects deeper than {limit} levels.")
    case .flowChangedSinceRead:
      (
        "Flow changed since it was read",
        "Flow {flow} has changed since you read it: If-Match names {expected}, but the flow is now {current}."
      )
    case .internalError:
      (
        "Unexpected error",
        "Flowdesk could not answer because of an unexpected error; it is logged under request {requestId}."
      )
    case .storageUnavailable:
      (
        "Storage unavailable",
        "Flowdesk cannot use its database right now, so nothing of this request was written; try again in {retryAfter} seconds."
      )
    case .wholeDefinitionRequired:
      (
        "Whole definition required",
        "PUT replaces the whole flow definition, but {field} is missing; send it, or change part of the flow with PATCH."
      )
    case .contentReloadRefused:
      (
        "Content reload refused",
        "The edited help content has {count} blocking findings, the first in {file}; it was not loaded, and the content loaded before is still served."
      )
    case .flowNotFound:
      ("Flow not found", "There is no flow {flow}.")
    case .contactNotFound:
      ("Contact not found", "There is no contact {contact}.")
    case .participantNotFound:
      ("Participant not found", "Contact {contact} is not a participant in this flow.")
    case .noConsentOrSubscription:
      ("No consent or subscription (retired)", "Retired: replaced by FD2003 and FD2004.")
    case .formerEmployee:
      (
        "Contact is a former employee",
        "The participant dropped out before step {step}: the contact is a former employee."
      )
    case .excludedBeforeStep:
      (
        "Contact was excluded",
        "The participant dropped out before step {step}: the contact is on the exclusion list."
      )
    case .consentMissing:
      (
        "No valid consent",
        "The participant dropped out before email step {step}: the contact has no valid consent."
      )
    case .notSubscribed:
      (
        "Not subscribed",
        "The participant dropped out before email step {step}: the contact is not subscribed to {subscription}."
      )
    case .noEmailAddress:
      (
        "No email address",
        "The participant dropped out before email step {step}: the contact has no email address."
      )
    case .emailAddressAlreadyActive:
      (
        "Email address already in the flow",
        "The participant dropped out before email step {step}: {email} is already active in this flow."
      )
    case .emailAddressBlocked:
      (
        "Email address blocked",
        "The participant dropped out before email step {step}: {email} is blocked after a hard bounce."
      )
    case .noMobileNumber:
      (
        "No mobile number",
        "The participant dropped out before SMS step {step}: the contact has no mobile number."
      )
    case .exitedAtSplit:
      (
        "Left the flow at a split",
        "The participant matched no branch of split {step} and everyone else exits the flow."
      )
    case .waitForActionTimedOut:
      (
        "Wait for action timed out",
        "The participant left the flow: step {step} waited for {action} until the timeout."
      )
    case .setAsideAfterFailure:
      (
        "Set aside: step could not be recorded",
        "The participant was set aside at step {step}: what the step did could not be stored, so it does not run again until the contact is re-enrolled."
      )
    case .noAssociatedRecord:
      (
        "No associated record",
        "Step {step} could not set {property}: the contact has no associated company to update."
      )
    case .contactHasNoCompany:
      (
        "Contact has no company",
        "Step {step} could not copy {property}: the contact is not associated with a company."
      )
    case .lifecycleStageBackwards:
      (
        "Lifecycle stage would move backwards",
        "Step {step} could not set the lifecycle stage from {from} to {to}: it only moves forward."
      )
    case .nonMarketingContact:
      ("Not a marketing contact", "Step {step} sent no email: the contact is not a marketing contact.")
    case .previouslyUnsubscribed:
      ("Previously unsubscribed", "Step {step} sent no email: the contact unsubscribed from {subscription}.")
    case .previouslyHardBounced:
      ("Previously hard-bounced", "Step {step} sent no email: earlier email to {email} hard-bounced.")
    case .graymailSuppressed:
      (
        "Suppressed for low engagement",
        "Step {step} sent no email: the contact is unengaged and graymail suppression is on."
      )
    case .actionDatePassed:
      ("Skipped: the date has passed", "Step {step} was skipped because its date {date} had already passed.")
    case .rescheduledOutsideTimeWindow:
      (
        "Rescheduled outside the time window",
        "Step {step} was reached outside the time window and will run at {time}."
      )
    case .templateDoesNotParse:
      (
        "Message template does not parse",
        "The {field} of step {step} in language {language} is not a valid template: it stops at line {line}, column {column}."
      )
    case .messageNotFound:
      ("Message not found", "There is no message {message} in the outbox.")
    case .messageNotDead:
      ("Message is not dead", "Message {message} is {status}; only a dead message can be sent again.")
    case .eventSignatureRejected:
      (
        "Event signature not accepted",
        "The signed event was refused at its {header} header: the header is missing or does not match. "
          + "Sign each event with the webhook secret and send it within {tolerance} seconds of its timestamp."
      )
    case .malformedHTTPRequest:
      (
        "Request is not valid HTTP",
        "The request could not be read as HTTP/1.1 ({reason}), so nothing of it was done. "
          + "Check its first line, its headers and how its body is framed."
      )
    case .receiverRejected:
      (
        "Receiver rejected the message",
        "The webhook receiver answered {status} to message {message}; it is not sent again."
      )
    case .receiverFailed:
      (
        "Receiver failed",
        "The webhook receiver failed on message {message}: it answered {status} to attempt {attempt}."
      )
    case .receiverThrottled:
      (
        "Receiver asked to try later",
        "The webhook receiver asked for message {message} to be sent later: it answered {status} to attempt {attempt}."
      )
    case .receiverTimedOut:
      (
        "Receiver did not answer in time",
        "The webhook receiver did not answer message {message} within {seconds} seconds (attempt {attempt})."
      )
    case .receiverUnreachable:
      (
        "Receiver could not be reached",
        "Flowdesk could not connect to the webhook receiver for message {message} (attempt {attempt}): {reason}."
      )
    }
  }
}
