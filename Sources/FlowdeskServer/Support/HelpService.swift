import FlowEngine
import Foundation
import HelpContent
import HelpSearch
import Localization

/// Help content as the service uses it: explanations, labels, search and the help center.
public final class HelpService: Sendable {
  public let index: HelpIndex
  public let search: HelpSearch
  /// Problems found while loading the content, logged at start.
  public let problems: [ContentProblem]

  public init(content: URL, locales: URL) throws {
    let (index, problems) = HelpIndex.load(content: content, locales: locales)
    self.index = index
    self.problems = problems
    self.search = try HelpSearch(index: index)
  }

  public var localizer: Localizer { index.localizer }

  /// The label of a flow status, as `{code, label}`.
  func status(_ status: FlowStatus, _ language: Language) -> StatusView {
    StatusView(code: status.rawValue, label: localizer.label(status, in: language).text)
  }

  func status(_ status: ParticipantStatus, _ language: Language) -> StatusView {
    StatusView(code: status.rawValue, label: localizer.label(status, in: language).text)
  }
}

/// A status with its localized label.
struct StatusView: Codable, Sendable, Hashable {
  var code: String
  var label: String
}
