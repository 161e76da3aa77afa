/// The reasons a code's message may give in its `{reason}` placeholder, as catalog strings:
/// a parameter `reason` whose value is one of these ids is replaced by the reason's text in
/// the message's language, filled from the same parameters. English is the source.
public enum Reasons {
  public static let english: [(id: String, text: String)] = [
    // Why a field is not valid (FD1502) or a definition is refused (FD1204, FD1006).
    ("reason.required", "it is required"),
    ("reason.expectedText", "expected text"),
    ("reason.expectedBoolean", "expected true or false"),
    ("reason.expectedNumber", "expected a number"),
    ("reason.expectedList", "expected a list"),
    ("reason.expectedObject", "expected an object"),
    ("reason.notNull", "expected a value, found null"),
    ("reason.notAllowed", "this value is not allowed here"),
    (
      "reason.notNFC",
      "it is not in Unicode Normalization Form C (NFC); write each accented letter as one character"
    ),
    ("reason.nulCharacter", "it contains the character U+0000 (NUL), which no text may contain"),
    ("reason.numberOutOfRange", "expected a number from {minimum} to {maximum}"),
    (
      "reason.waitNeedsDuration",
      "a wait time needs a positive number of days, hours or minutes, or a date in until"
    ),
    ("reason.waitTooLong", "a wait may last at most {maximum} hours"),
    ("reason.updateNeedsOperation", "an update step needs one of set, copyFrom or clear"),
    ("reason.unknownStepType", "{value} is not a step type; use one of {expected}"),
    ("reason.conditionNeedsTest", "a property condition needs one of equals, notEquals, in or exists"),
    ("reason.conditionNeedsForm", "a condition needs one of property, action, all, any or not"),
    ("reason.notEmailAddress", "{value} is not an email address"),
    ("reason.notLanguageTag", "{value} is not a BCP 47 language tag, such as nl or pt-BR"),
    ("reason.wholeNumber", "expected a whole number from {minimum} to {maximum}"),
    ("reason.notPercentEncoded", "it is not valid percent-encoding"),
    ("reason.searchTextRequired", "give the text to search for"),
    ("reason.listLength", "give from {minimum} to {maximum} items"),
    ("reason.oneOf", "use one of {expected}"),
    ("reason.nameEmpty", "the name is empty"),
    ("reason.nameTooLong", "the name has {count} characters; a flow's name may have at most {maximum}"),
    ("reason.stepIdEmpty", "step {position} has an empty id"),
    ("reason.stepIdRepeated", "the step id {step} is used twice"),
    ("reason.branchTargetUnknown", "a branch of step {step} goes to the unknown step {target}"),
    ("reason.branchGoesBack", "a branch of step {step} goes back to step {target}; branches only go forward"),
    ("reason.branchIdRepeated", "split {step} has an empty or repeated branch id {branch}"),
    ("reason.waitNotPositive", "the wait in step {step} must be longer than zero"),
    ("reason.waitForActionNeedsAction", "wait for action step {step} names no action"),
    ("reason.waitForActionNeedsTimeout", "wait for action step {step} needs a timeout longer than zero"),
    ("reason.updateNeedsProperty", "update contact step {step} names no property"),
    (
      "reason.unknownLifecycleStage",
      "update contact step {step} sets the unknown lifecycle stage {value}; use one of {expected}"
    ),
    ("reason.unknownTimeZone", "{value} is not a known time zone"),
    ("reason.timeNotHoursMinutes", "{value} is not a time of day as HH:mm"),
    ("reason.startNotBeforeEnd", "the start {start} is not before the end {end}"),
    ("reason.daysNotWeekdays", "days must be ISO weekdays, 1 (Monday) to 7 (Sunday)"),
    // Why the webhook receiver could not be reached (FD6005).
    ("reason.connectionTimedOut", "the connection timed out"),
    ("reason.connectionRefused", "the connection was refused"),
    ("reason.hostNotResolved", "the host name could not be resolved"),
    ("reason.connectionClosed", "the connection was closed before an answer"),
    ("reason.tlsHandshakeFailed", "the TLS handshake failed"),
    ("reason.connectionFailed", "the connection failed"),
    // Why a body is not JSON (FD1501).
    ("json.unexpectedEnd", "the body ends too early"),
    ("json.unexpectedCharacter", "a character that does not belong there"),
    ("json.trailingComma", "a comma before a closing bracket"),
    ("json.invalidNumber", "a number that is not valid"),
    ("json.invalidString", "a control character inside a string"),
    ("json.invalidEscape", "an escape sequence that is not valid"),
    ("json.invalidUTF8", "bytes that are not UTF-8"),
    ("json.duplicateKey", "a key that appears twice in one object"),
    ("json.trailingData", "more text after the JSON value"),
    ("json.emptyBody", "the body is empty"),
    ("json.tooDeep", "nesting deeper than the limit"),
  ]

  public static let englishById: [String: String] = Dictionary(
    uniqueKeysWithValues: english.map { ($0.id, $0.text) })

  /// Fills a message's placeholders. A `reason` that names a reason id is first replaced by
  /// that reason's text from `lookup` (the message's language), filled from the same parameters.
  public static func fill(
    _ text: String, with parameters: [String: String], lookup: (String) -> String? = { englishById[$0] }
  ) -> String {
    var parameters = parameters
    if let reason = parameters["reason"], englishById[reason] != nil, let reasonText = lookup(reason) {
      parameters["reason"] = Placeholders.fill(reasonText, with: parameters.filter { $0.key != "reason" })
    }
    return Placeholders.fill(text, with: parameters)
  }
}
