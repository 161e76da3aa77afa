/// What kind of engine result a code stands for.
public enum CodeKind: String, Sendable, Codable, CaseIterable, Hashable {
  /// A lifecycle action or an edit that the engine did not carry out.
  case refusal
  /// The reason a participant left the flow before its end.
  case dropOut
  /// An action that ran and failed; the participant goes on to the next step.
  case actionError
  /// A date-based action whose date had passed; the participant goes on.
  case skip
  /// An action reached outside the flow's time window; it runs at the next allowed time.
  case reschedule
  /// A message that did not reach the webhook receiver: retried, or dead.
  case deliveryFailure
}
