/// The status of a flow. A deleted flow has no status: it is gone.
public enum FlowStatus: String, Sendable, Codable, CaseIterable, Hashable {
  case notRunning
  case running
  case paused
}

/// The status of a participant in a flow.
///
/// A participant with status `droppedOut` always carries its reason code
/// (`Participant.reason`).
public enum ParticipantStatus: String, Sendable, Codable, CaseIterable, Hashable {
  /// Enrolled while the flow was paused; waits for the flow to resume.
  case queued
  /// Moving through the steps.
  case active
  /// Reached a finish step (or the end of the flow).
  case finished
  /// Met the flow's success criterion, or reached a finish step that counts as success.
  case finishedWithSuccess
  /// Left the flow because a check failed; see the reason code.
  case droppedOut
  /// Was queued or active when the flow ended; never continues.
  case cancelled

  /// Queued and active participants are still in the flow.
  public var isInFlow: Bool { self == .queued || self == .active }
}

/// A lifecycle action on a flow.
public enum LifecycleAction: String, Sendable, Codable, CaseIterable, Hashable {
  case start, pause, resume, end, delete, edit
}

/// Who performs an action. Editing a flow needs the flow-administrator right.
public enum ActorRight: String, Sendable, Codable, Hashable {
  case flowAdministrator
  case reader
}
