import FlowEngine
import Foundation
internal import GRDB
import HelpContent
import Localization

/// One search hit: a code's section (or another section) in one language.
public struct SearchResult: Sendable, Hashable, Codable {
  /// The code the section explains, or nil for other sections.
  public var code: String?
  public var uid: String
  public var title: String
  public var snippet: String
  public var language: Language
  /// The section anchor in the article.
  public var anchor: String?
}

/// Full-text search over help content with SQLite FTS5: every section of every article, and
/// each code's catalog title and message, per language. Diacritics are folded (é, ë, ö, å);
/// word forms are widened by prefix search on a light stem (see `Stemmer`).
public final class HelpSearch: @unchecked Sendable {
  private let queue: DatabaseQueue
  private let index: HelpIndex
  /// A fingerprint of the indexed content; a new one means the index must be rebuilt.
  public let fingerprint: String

  /// Builds the index in memory from loaded help content.
  public init(index: HelpIndex) throws {
    self.index = index
    self.queue = try DatabaseQueue()
    self.fingerprint = Self.fingerprint(of: index)
    try queue.write { db in
      try db.execute(
        sql: """
          CREATE VIRTUAL TABLE help USING fts5(
            language UNINDEXED, code UNINDEXED, uid UNINDEXED, anchor UNINDEXED, title, body,
            tokenize = 'unicode61 remove_diacritics 2'
          )
          """)
      let insert = try db.makeStatement(
        sql: "INSERT INTO help (language, code, uid, anchor, title, body) VALUES (?, ?, ?, ?, ?, ?)")
      for article in index.library.articles {
        guard let language = LanguageTag(article.language)?.supported else { continue }
        for section in article.sections where section.level > 0 {
          var body = section.text
          var code: String?
          if let anchor = section.codeAnchor, let flowCode = FlowCode(rawValue: anchor) {
            code = anchor
            let title = index.localizer.title(flowCode, in: language).text
            let message = index.localizer.string(SourceStrings.messageKey(flowCode), in: language)?.text ?? ""
            body = "\(title)\n\(message)\n\(body)"
          }
          guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
          try insert.execute(arguments: [
            language.rawValue, code, article.uid, section.anchor, section.heading, body,
          ])
        }
      }
    }
  }

  static func fingerprint(of index: HelpIndex) -> String {
    var hasher = Hasher()
    for article in index.library.articles.sorted(by: { $0.path < $1.path }) {
      hasher.combine(article.path)
      hasher.combine(article.markdown)
    }
    return String(UInt(bitPattern: hasher.finalize()), radix: 16)
  }

  /// Finds the sections that best match a text (a pasted message, or a few words), best first.
  /// With a language, code results are given in that language even when the text matched
  /// another language's section, so an agent reads the answer in their own language.
  public func search(_ text: String, language: Language? = nil, limit: Int = 10) throws -> [SearchResult] {
    let words = Stemmer.words(text).filter { $0.count >= 2 }
    guard !words.isEmpty else { return [] }
    let query = Array(Set(words.map(Stemmer.stem))).sorted().map { "\"\($0)\"*" }.joined(separator: " OR ")
    let rows = try queue.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT language, code, uid, anchor, title,
            snippet(help, 5, '', '', '…', 16) AS snippet,
            bm25(help, 0, 0, 0, 0, 3.0, 1.0) AS rank
          FROM help WHERE help MATCH ? ORDER BY rank LIMIT 200
          """, arguments: [query])
    }
    var results: [SearchResult] = []
    var seen: Set<String> = []
    for row in rows {
      guard let rowLanguage = Language(rawValue: row["language"]) else { continue }
      let code: String? = row["code"]
      let key = code ?? "\(row["uid"] as String)#\(row["anchor"] as String? ?? "")"
      if code == nil, let language, language != rowLanguage { continue }
      guard seen.insert(key).inserted else { continue }
      var result = SearchResult(
        code: code, uid: row["uid"], title: row["title"], snippet: row["snippet"], language: rowLanguage,
        anchor: row["anchor"])
      if let language, language != rowLanguage, let code, let flowCode = FlowCode(rawValue: code),
        let (article, section) = index.section(for: flowCode, in: language)
      {
        result = SearchResult(
          code: code, uid: article.uid, title: section.heading,
          snippet: String(section.meaning.joined(separator: " ").prefix(200)), language: language,
          anchor: section.anchor)
      }
      results.append(result)
      if results.count == limit { break }
    }
    return results
  }
}
