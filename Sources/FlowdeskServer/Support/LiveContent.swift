import Foundation
import HelpContent
import Logging
import Synchronization

/// The help content the service answers from, which a reload replaces while it runs.
///
/// Handlers read `current` once per request and answer from that snapshot, so a request
/// never mixes two loads; the read is one uncontended lock. A reload builds and checks the
/// new content off the request path, on a serial queue (one reload at a time), and swaps it in
/// only if the check's blocking rules pass (`ContentReloadPolicy`).
public final class LiveContent: Sendable {
  struct State {
    var current: HelpService
    var lastReload: ReloadOutcome?
  }

  private let state: Mutex<State>
  private let logger: Logger
  private let queue = DispatchQueue(label: "flowdesk.content-reload")

  /// `logger` gets the outcome of every reload; without one, nothing is logged.
  public init(
    _ help: HelpService, logger: Logger = Logger(label: "flowdesk.content") { _ in SwiftLogNoOpLogHandler() }
  ) {
    self.state = Mutex(State(current: help, lastReload: nil))
    self.logger = logger
  }

  /// The content being served.
  public var current: HelpService { state.withLock { $0.current } }

  /// The outcome of the latest reload, if there was one.
  public var lastReload: ReloadOutcome? { state.withLock { $0.lastReload } }

  /// Reads the folders again; swaps the new content in when it has no blocking finding, and
  /// otherwise keeps serving the current one. `trigger` names what asked (for the log).
  @discardableResult
  public func reload(trigger: String) async -> ReloadOutcome {
    await withCheckedContinuation { continuation in
      queue.async { continuation.resume(returning: self.reloadNow(trigger: trigger)) }
    }
  }

  private func reloadNow(trigger: String) -> ReloadOutcome {
    let started = ContinuousClock.now
    let current = self.current
    let content = current.contentURL
    let locales = current.localesURL
    let version = ContentVersion.of(content: content, locales: locales)
    func elapsed() -> Double {
      let duration = ContinuousClock.now - started
      return Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
    var metadata: Logger.Metadata = ["trigger": "\(trigger)", "version": "\(version)"]
    let outcome: ReloadOutcome
    if version == current.version {
      outcome = ReloadOutcome(
        result: .unchanged, version: version, servedVersion: version, at: Date(), milliseconds: elapsed(),
        findings: current.findings)
      // The watcher asks whenever a file is touched; only an asked-for reload says so at info.
      logger.log(
        level: trigger == ContentWatcher.trigger ? .debug : .info,
        "help content unchanged; nothing to reload",
        metadata: metadata)
    } else {
      do {
        let candidate = try HelpService(content: content, locales: locales, version: version)
        let blocking = candidate.blockingFindings
        if blocking.isEmpty {
          state.withLock { $0.current = candidate }
          outcome = ReloadOutcome(
            result: .loaded, version: version, servedVersion: version, at: candidate.loadedAt,
            milliseconds: elapsed(), findings: candidate.findings)
          metadata["findings"] = "\(candidate.findings.count)"
          metadata["milliseconds"] = "\(Int(outcome.milliseconds.rounded()))"
          logger.notice("help content reloaded", metadata: metadata)
        } else {
          outcome = ReloadOutcome(
            result: .refused, version: version, servedVersion: current.version, at: Date(),
            milliseconds: elapsed(), findings: candidate.findings)
          metadata["blocking"] = "\(blocking.count)"
          metadata["served"] = "\(current.version)"
          logger.error(
            "help content reload refused: the edited content has blocking findings; the previous content is still served",
            metadata: metadata)
          for finding in blocking { logger.error("blocking finding: \(finding)") }
        }
      } catch {
        // The content loaded, but its search index could not be built: nothing to do with
        // the edit, so it is logged as a failure and the current content stays.
        outcome = ReloadOutcome(
          result: .failed, version: version, servedVersion: current.version, at: Date(),
          milliseconds: elapsed(), findings: [])
        metadata["error"] = "\(String(reflecting: error))"
        logger.error("help content reload failed; the previous content is still served", metadata: metadata)
      }
    }
    // A file merely touched under the watcher is not news worth showing in GET /v1/content.
    if !(outcome.result == .unchanged && trigger == ContentWatcher.trigger) {
      state.withLock { $0.lastReload = outcome }
    }
    return outcome
  }
}

/// What a reload did.
public struct ReloadOutcome: Sendable {
  public enum Result: String, Sendable, Codable {
    /// The new content is being served.
    case loaded
    /// The files are the ones being served; nothing was loaded.
    case unchanged
    /// The new content has blocking findings; the previous content is still served.
    case refused
    /// The new content could not be indexed; the previous content is still served.
    case failed
  }

  public var result: Result
  /// The version found on disk.
  public var version: String
  /// The version being served afterwards.
  public var servedVersion: String
  public var at: Date
  public var milliseconds: Double
  /// Every finding of the content that was read (blocking or not).
  public var findings: [DocsFinding]

  public var blockingFindings: [DocsFinding] { ContentReloadPolicy.blocking(findings) }
}

/// Which findings of the docs check keep an edit from going live.
public enum ContentReloadPolicy {
  /// The rules whose findings block a reload: the loader's schema, the catalogs and the
  /// coverage of the registry, without which explanations would go missing or be wrong.
  /// Links, labels, parity and scenarios are shown, but do not block. When the docs check
  /// gives findings a level, a finding at error level blocks too; this is the one place
  /// to change.
  static let blockingRules: Set<String> = [
    DocsRule.frontMatter.rawValue, DocsRule.catalogs.rawValue, DocsRule.coverage.rawValue, "load",
  ]

  public static func blocks(_ finding: DocsFinding) -> Bool {
    blockingRules.contains(finding.rule)
  }

  /// The blocking findings, causes first: a file the loader refused explains the catalog and
  /// coverage findings that follow from it, so it is the one to fix first.
  public static func blocking(_ findings: [DocsFinding]) -> [DocsFinding] {
    let order = [
      "load", DocsRule.frontMatter.rawValue, DocsRule.catalogs.rawValue, DocsRule.coverage.rawValue,
    ]
    return findings.filter(blocks).enumerated().sorted {
      let a = order.firstIndex(of: $0.element.rule) ?? order.count
      let b = order.firstIndex(of: $1.element.rule) ?? order.count
      return (a, $0.offset) < (b, $1.offset)
    }.map(\.element)
  }
}

/// The version of a content tree: a 64-bit FNV-1a hash, in hex, of every file's path (relative
/// to its folder) and bytes, in path order, across the content and locales folders. It names
/// what was loaded; it is not a security measure.
public enum ContentVersion {
  public static func of(content: URL, locales: URL) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
      for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
      }
    }
    for (name, folder) in [("content", content), ("locales", locales)] {
      for file in files(in: folder) {
        mix("\(name)/\(file.path)".utf8)
        mix([0])
        mix((try? Data(contentsOf: folder.appendingPathComponent(file.path))) ?? Data())
        mix([0])
      }
    }
    return String(format: "%016llx", hash)
  }

  /// The regular files under a folder, as paths relative to it, with their modification time
  /// and size, in path order. Hidden files are left out.
  static func files(in folder: URL) -> [(path: String, modified: Date, size: Int)] {
    let keys: [URLResourceKey] = [.isRegularFileKey, .contentModificationDateKey, .fileSizeKey]
    guard
      let walker = FileManager.default.enumerator(
        at: folder, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])
    else { return [] }
    let base = folder.standardizedFileURL.resolvingSymlinksInPath().path
    var found: [(path: String, modified: Date, size: Int)] = []
    for case let url as URL in walker {
      guard let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true else {
        continue
      }
      let full = url.standardizedFileURL.resolvingSymlinksInPath().path
      let relative =
        full.hasPrefix(base + "/") ? String(full.dropFirst(base.count + 1)) : url.lastPathComponent
      found.append((relative, values.contentModificationDate ?? .distantPast, values.fileSize ?? 0))
    }
    return found.sorted { $0.path < $1.path }
  }

  /// What changes when any file is added, removed, resized or touched: cheap to compare.
  static func fingerprint(content: URL, locales: URL) -> [String] {
    [("content", content), ("locales", locales)].flatMap { name, folder in
      files(in: folder).map { "\(name)/\($0.path) \($0.modified.timeIntervalSince1970) \($0.size)" }
    }
  }
}
