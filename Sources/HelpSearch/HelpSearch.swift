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
  /// Indexed terms in order, with running totals of the sections each appears in, so the
  /// number of sections a prefix matches is two binary searches away.
  private let terms: [String]
  private let runningDocuments: [Int]
  private let sectionCount: Int

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
    (terms, runningDocuments, sectionCount) = try queue.write { db in
      try db.execute(sql: "CREATE VIRTUAL TABLE help_terms USING fts5vocab(help, 'row')")
      var terms: [String] = []
      var running: [Int] = [0]
      for row in try Row.fetchAll(db, sql: "SELECT term, doc FROM help_terms ORDER BY term") {
        terms.append(row["term"])
        running.append(running.last! + (row["doc"] as Int))
      }
      return (terms, running, try Int.fetchOne(db, sql: "SELECT count(*) FROM help") ?? 0)
    }
  }

  /// How many sections hold a word starting with `prefix` (an upper bound: a section with two
  /// such words counts twice).
  func documentFrequency(ofPrefix prefix: String) -> Int {
    func lowerBound(_ key: String) -> Int {
      var low = 0
      var high = terms.count
      while low < high {
        let middle = (low + high) / 2
        if terms[middle] < key { low = middle + 1 } else { high = middle }
      }
      return low
    }
    let start = lowerBound(prefix)
    let end = lowerBound(prefix + "\u{10FFFF}")
    return runningDocuments[end] - runningDocuments[start]
  }

  /// The query's stems, rarest first, without the ones so common they rank nothing: at most
  /// six, and those in more than a tenth of the sections only when nothing rarer is left.
  func selectTerms(_ text: String) -> [String] {
    let stems = Set(
      Stemmer.words(text).filter { $0.count >= 3 }.map {
        Stemmer.stem($0).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
      })
    let counted = stems.map { ($0, documentFrequency(ofPrefix: $0)) }.filter { $0.1 > 0 }.sorted {
      $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0
    }
    let rare = counted.filter { $0.1 * 10 <= max(sectionCount, 1) }
    return (rare.isEmpty ? Array(counted.prefix(2)) : Array(rare.prefix(6))).map(\.0)
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
    // Words of one or two letters ("de", "en", "är") match nearly every section and rank
    // nothing; so do words found everywhere. The rarest words carry the meaning.
    let selected = selectTerms(text)
    guard !selected.isEmpty else { return [] }
    let query = selected.map { "\"\($0)\"*" }.joined(separator: " OR ")
    // Rank every match without snippets, keep the best section per code, then build snippets
    // for the few results returned: snippet() is the costly part.
    return try queue.read { db in
      let ranked = try Row.fetchAll(
        db,
        sql: """
          SELECT rowid, language, code, uid, anchor, title FROM help WHERE help MATCH ?
          ORDER BY bm25(help, 0, 0, 0, 0, 3.0, 1.0) LIMIT 200
          """, arguments: [query])
      var results: [SearchResult] = []
      var seen: Set<String> = []
      let snippet = try db.makeStatement(
        sql: "SELECT snippet(help, 5, '', '', '…', 16) FROM help WHERE help MATCH ? AND rowid = ?")
      for row in ranked {
        guard let rowLanguage = Language(rawValue: row["language"]) else { continue }
        let code: String? = row["code"]
        let key = code ?? "\(row["uid"] as String)#\(row["anchor"] as String? ?? "")"
        if code == nil, let language, language != rowLanguage { continue }
        guard seen.insert(key).inserted else { continue }
        if let language, language != rowLanguage, let code, let flowCode = FlowCode(rawValue: code),
          let (article, section) = index.section(for: flowCode, in: language)
        {
          results.append(
            SearchResult(
              code: code, uid: article.uid, title: section.heading,
              snippet: String(section.meaning.joined(separator: " ").prefix(200)), language: language,
              anchor: section.anchor))
        } else {
          let text = try String.fetchOne(snippet, arguments: [query, row["rowid"] as Int64]) ?? ""
          results.append(
            SearchResult(
              code: code, uid: row["uid"], title: row["title"], snippet: text, language: rowLanguage,
              anchor: row["anchor"]))
        }
        if results.count == limit { break }
      }
      return results
    }
  }
}
