import FlowEngine
import Foundation
import HelpContent
import HelpSearch
import Localization

/// Help content as the service uses it: explanations, labels, search and the help center.
///
/// One value is one load of `content/` and `locales/`, never changed afterwards. The service
/// answers from the one that `LiveContent` holds at the time, and a reload builds a new one.
public final class HelpService: Sendable {
  public let index: HelpIndex
  public let search: HelpSearch
  /// Problems found while loading the content, logged at start.
  public let problems: [ContentProblem]
  /// Every finding of the docs check on this content, at load.
  public let findings: [DocsFinding]
  /// A hash of every file of the content and locales folders (see `ContentVersion`).
  public let version: String
  /// When this content was loaded.
  public let loadedAt: Date
  /// The folders it was loaded from, which a reload reads again.
  public let contentURL: URL
  public let localesURL: URL

  public convenience init(content: URL, locales: URL) throws {
    try self.init(
      content: content, locales: locales, version: ContentVersion.of(content: content, locales: locales))
  }

  /// Loads and checks the content. The docs checker's loader is the service's loader, so the
  /// articles are read once for both.
  init(content: URL, locales: URL, version: String) throws {
    let checker = DocsChecker.load(content: content, locales: locales)
    let index = HelpIndex(library: checker.library, localizer: checker.localizer)
    self.index = index
    self.problems =
      checker.library.problems
      + checker.catalogErrors.map {
        ContentProblem(
          file: $0.file, line: $0.line, rule: "catalog", message: $0.reason,
          fix: $0.file == locales.path
            ? "point --locales at a folder of .xliff catalogs" : "correct the catalog file")
      }
    self.findings = checker.check()
    self.search = try HelpSearch(index: index)
    self.version = version
    self.loadedAt = Date()
    self.contentURL = content
    self.localesURL = locales
  }

  public var localizer: Localizer { index.localizer }

  /// The findings that keep this content from replacing the content being served.
  public var blockingFindings: [DocsFinding] { ContentReloadPolicy.blocking(findings) }

  /// What the service says about this content when it starts: every problem met while
  /// loading, then the blocking findings, at most `limit` of them; the rest are counted, with
  /// the command that lists them all. A finding that repeats a problem (the same file and
  /// message under the docs check's rule name) is not said twice. Without a content folder,
  /// every code is a finding; a start with no content says so in a few lines, not hundreds.
  public func startReport(limit: Int = 10) -> [String] {
    var lines = problems.map(\.description)
    let said = Set(problems.map { "\($0.file)\u{0}\($0.message)" })
    let findings = blockingFindings.filter { !said.contains("\($0.file)\u{0}\($0.message)") }
    lines += findings.prefix(limit).map(\.description)
    if findings.count > limit {
      lines.append(
        "\(findings.count - limit) more finding(s) not listed here; `flowdesk docs check --content "
          + "\(contentURL.path) --locales \(localesURL.path)` lists them all")
    }
    return lines
  }

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
