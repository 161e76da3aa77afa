import Foundation
import HelpContent
import Hummingbird

/// The loaded help content: which version is served and what the docs check found in it
/// (`GET /v1/content`, a reader may look), and reloading it from its folders
/// (`POST /v1/admin/reload`, the administrator only).
struct ContentController {
  let content: LiveContent
  let tokens: AccessTokens

  func addRoutes(to router: Router<FlowdeskContext>) {
    let read = RouteCollection.guarded(tokens, needs: .reader)
    read.get(use: show)
    router.addRoutes(read, atPath: "/v1/content")
    let admin = RouteCollection.guarded(tokens, needs: .flowAdministrator)
    admin.post("reload", use: reload)
    router.addRoutes(admin, atPath: "/v1/admin")
  }

  struct ContentView: Encodable {
    let version: String
    let loadedAt: Date
    let findings: [FindingView]
    let blocking: Int
    let lastReload: ReloadView?
  }

  struct ReloadView: Encodable {
    let result: String
    let version: String
    let servedVersion: String
    let at: Date
    let milliseconds: Int
    let findings: [FindingView]
    let blocking: Int

    init(_ outcome: ReloadOutcome) {
      result = outcome.result.rawValue
      version = outcome.version
      servedVersion = outcome.servedVersion
      at = outcome.at
      milliseconds = Int(outcome.milliseconds.rounded())
      findings = outcome.findings.map(FindingView.init)
      blocking = outcome.blockingFindings.count
    }
  }

  @Sendable func show(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let help = content.current
    return try Reply.json(
      ContentView(
        version: help.version, loadedAt: help.loadedAt, findings: help.findings.map(FindingView.init),
        blocking: help.blockingFindings.count, lastReload: content.lastReload.map(ReloadView.init)))
  }

  /// Reloads now. A refused edit is a problem (`FD1515`, 409) that lists the findings.
  @Sendable func reload(_ request: Request, context: FlowdeskContext) async throws -> Response {
    let outcome = await content.reload(trigger: "POST /v1/admin/reload")
    switch outcome.result {
    case .loaded, .unchanged:
      return try Reply.json(ReloadView(outcome))
    case .refused:
      let blocking = outcome.blockingFindings
      throw APIProblem(
        .conflict, .contentReloadRefused,
        ["count": String(blocking.count), "file": blocking.first?.file ?? ""],
        members: [
          "findings": .findings(
            (blocking + outcome.findings.filter { !ContentReloadPolicy.blocks($0) }).map(FindingView.init)),
          "version": .text(outcome.version),
          "servedVersion": .text(outcome.servedVersion),
        ])
    case .failed:
      // Logged by the reload; the problem middleware answers with FD1513 and a request id.
      throw ReloadFailed(version: outcome.version)
    }
  }

  struct ReloadFailed: Error { let version: String }
}

/// A finding of the docs check as the API shows it; `blocking` says whether it keeps an edit
/// from going live.
public struct FindingView: Encodable, Sendable, Equatable {
  let file: String
  let line: Int?
  let rule: String
  let message: String
  let fix: String
  let blocking: Bool

  init(_ finding: DocsFinding) {
    file = finding.file
    line = finding.line
    rule = finding.rule
    message = finding.message
    fix = finding.fix
    blocking = ContentReloadPolicy.blocks(finding)
  }
}
