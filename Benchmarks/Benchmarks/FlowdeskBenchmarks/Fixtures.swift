import FlowEngine
import Foundation
import HelpContent
import Localization

/// Shared inputs of the benchmarks, built once.
enum Fixtures {
  /// The Flowdesk repository: the parent of the benchmarks package.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let content = root.appendingPathComponent("content")
  static let locales = root.appendingPathComponent("locales")

  static let index: HelpIndex = HelpIndex.load(content: content, locales: locales).index

  /// A generated corpus: every bundled article copied `copies` times per language, each with
  /// its own uid, file name and links, so it loads and indexes like real content.
  static func corpus(copies: Int) throws -> (folder: URL, bytes: Int, bodies: [String]) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowdesk-corpus-\(copies)")
    try? FileManager.default.removeItem(at: folder)
    var bytes = 0
    var bodies: [String] = []
    let originals = try FileManager.default.contentsOfDirectory(
      at: content.appendingPathComponent("en"), includingPropertiesForKeys: nil
    )
    .filter { $0.pathExtension == "md" }.map { $0.deletingPathExtension().lastPathComponent }.sorted()
    for language in ["en", "nl", "sv"] {
      let target = folder.appendingPathComponent(language)
      try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
      var written = 0
      var copy = 0
      while written < copies {
        for slug in originals where written < copies {
          var text = try String(
            contentsOf: content.appendingPathComponent("\(language)/\(slug).md"), encoding: .utf8)
          text = text.replacingOccurrences(
            of: "uid: help-\(language)-\(slug)", with: "uid: help-\(language)-\(slug)-\(copy)")
          text = text.replacingOccurrences(
            of: "translates: help-en-\(slug)", with: "translates: help-en-\(slug)-\(copy)")
          for other in originals {
            text = text.replacingOccurrences(of: "(\(other).md", with: "(\(other)-\(copy).md")
          }
          try Data(text.utf8).write(to: target.appendingPathComponent("\(slug)-\(copy).md"))
          bytes += text.utf8.count
          if let close = text.range(of: "\n---\n", range: text.index(after: text.startIndex)..<text.endIndex)
          {
            bodies.append(String(text[close.upperBound...]))
          }
          written += 1
        }
        copy += 1
      }
    }
    return (folder, bytes, bodies)
  }
}
