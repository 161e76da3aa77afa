import FlowEngine
import Foundation

/// The reads a host makes of participants and contacts in one transaction, to hand a paging
/// engine what an operation needs (`EngineNeed`). A read that fails throws, and the host
/// fails the operation with nothing written.
public protocol ParticipantReads: Sendable {
  /// The stored participants of these contacts in a flow; contacts without one are left out.
  func participants(_ contactIds: [String], in flowId: String) throws -> [Participant]
  /// Every stored participant of a flow.
  func participants(in flowId: String) throws -> [Participant]
  /// One page of a flow's stored participants in enrollment order (then contact id).
  func participants(in flowId: String, limit: Int, offset: Int) throws -> [Participant]
  /// Active participants due at `now` or earlier, in schedule order (due time, then token),
  /// at most `limit`, each with its contact.
  func dueParticipants(in flowId: String, at now: Date, limit: Int) throws -> [(Participant, Contact?)]
  /// How many active participants of a flow are due at `now` or earlier, counted up to `limit`.
  func dueCount(in flowId: String, at now: Date, limit: Int) throws -> Int
  /// The earliest due time of an active participant of a flow.
  func nextDue(in flowId: String) throws -> Date?
  /// The active holders of email addresses in a flow, by address; free addresses are left out.
  func holders(of addresses: [String], in flowId: String) throws -> [String: String]
  /// How many stored participants of a flow have each status.
  func participantCounts(in flowId: String) throws -> [ParticipantStatus: Int]
  /// Stored contacts, by id; unknown ids are left out.
  func contacts(_ ids: [String]) throws -> [Contact]
}
