import FlowEngine

/// The English source of every catalog string, keyed by trans-unit id: status labels, and
/// each code's title and one-line message. The catalogs translate exactly these.
public enum SourceStrings {
  public static func flowStatusKey(_ status: FlowStatus) -> String { "flowStatus.\(status.rawValue)" }
  public static func participantStatusKey(_ status: ParticipantStatus) -> String {
    "participantStatus.\(status.rawValue)"
  }
  public static func titleKey(_ code: FlowCode) -> String { "code.\(code.id).title" }
  public static func messageKey(_ code: FlowCode) -> String { "code.\(code.id).message" }

  /// The English label of a flow status.
  public static func label(_ status: FlowStatus) -> String {
    switch status {
    case .notRunning: "Not running"
    case .running: "Running"
    case .paused: "Paused"
    }
  }

  /// The English label of a participant status.
  public static func label(_ status: ParticipantStatus) -> String {
    switch status {
    case .queued: "Queued"
    case .active: "Active"
    case .finished: "Finished"
    case .finishedWithSuccess: "Finished with success"
    case .droppedOut: "Dropped out"
    case .cancelled: "Cancelled"
    }
  }

  /// Every source string, in catalog order.
  public static let all: [(id: String, text: String)] = {
    var units: [(String, String)] = []
    units += FlowStatus.allCases.map { (flowStatusKey($0), label($0)) }
    units += ParticipantStatus.allCases.map { (participantStatusKey($0), label($0)) }
    for code in FlowCode.allCases.sorted() {
      units.append((titleKey(code), code.definition.title))
      units.append((messageKey(code), code.definition.message))
    }
    units += Reasons.english.map { ($0.id, $0.text) }
    return units
  }()

  /// Source text by id.
  public static let byId: [String: String] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.text) })
}
