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
  /// The postings, for ranking; FTS5 keeps tokenizing and building snippets.
  private let ranking: RankingIndex
  /// Each code's message, to recognize one pasted whole.
  private let messages: MessageMatcher

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
    ranking = try queue.write { db in try RankingIndex(db) }
    messages = MessageMatcher(index: index)
  }

  /// How many sections hold a word starting with `prefix` (an upper bound: a section with two
  /// such words counts twice).
  func documentFrequency(ofPrefix prefix: String) -> Int {
    ranking.postingCount(ofPrefix: prefix)
  }

  /// The query's stems, rarest first, without the ones so common they rank nothing: at most
  /// six, and those in more than a tenth of the sections only when nothing rarer is left.
  /// Words of identifier-like tokens (`ann-42`, `ann@example.com`, `emailReplyTo`) count only
  /// when the query has nothing else, such as a search for a code or a setting's name.
  func selectTerms(_ text: String) -> [String] {
    let meaningful = Stemmer.meaningfulWords(text)
    let words = meaningful.contains { $0.count >= 3 } ? meaningful : Stemmer.words(text)
    let stems = Set(
      words.filter { $0.count >= 3 }.map {
        Stemmer.stem($0).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
      })
    let counted = stems.map { ($0, documentFrequency(ofPrefix: $0)) }.filter { $0.1 > 0 }.sorted {
      $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0
    }
    let rare = counted.filter { $0.1 * 10 <= max(ranking.sections.count, 1) }
    return (rare.isEmpty ? Array(counted.prefix(2)) : Array(rare.prefix(6))).map(\.0)
  }

  /// A query's scores both ways, by section rowid: the in-memory ranking's, and FTS5's own
  /// `bm25()` with the same column weights (negated, so higher is better). Tests hold the
  /// first to the second.
  func scoresBothWays(_ text: String) throws -> (memory: [Int64: Double], fts5: [Int64: Double]) {
    let selected = selectTerms(text)
    let (score, matched) = ranking.scores(prefixes: selected)
    var memory: [Int64: Double] = [:]
    for section in matched { memory[ranking.sections[Int(section)].rowid] = score[Int(section)] }
    guard !selected.isEmpty else { return (memory, [:]) }
    let query = Self.matchQuery(selected, prefixes: true)
    let fts5 = try queue.read { db in
      try Row.fetchAll(
        db, sql: "SELECT rowid, bm25(help, 0, 0, 0, 0, 3.0, 1.0) FROM help WHERE help MATCH ?",
        arguments: [query]
      ).reduce(into: [Int64: Double]()) { $0[$1[0]] = -($1[1] as Double) }
    }
    return (memory, fts5)
  }

  /// An FTS5 MATCH expression for any of the terms, each quoted, and as a prefix if asked.
  static func matchQuery(_ terms: [String], prefixes: Bool) -> String {
    terms.map { "\"\($0)\"\(prefixes ? "*" : "")" }.joined(separator: " OR ")
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
    // A pasted message whole: its code comes first, whatever its words' rarity.
    let stems = Set(Stemmer.foldedStems(text))
    let pasted = messages.matches(stems)
    guard !selected.isEmpty || !pasted.isEmpty, limit > 0 else { return [] }
    // Rank in memory, one result per code (or per article section); a section in another
    // language competes only when it explains a code, which is then answered in `language`.
    var ranked = ranking.rank(prefixes: selected, limit: limit) { section in
      section.hasCode || language == nil || section.language == language?.rawValue
    }
    if !pasted.isEmpty {
      let first = pasted.compactMap { ranking.section(ofCode: $0.code, language: $0.language.rawValue) }
      let groups = Set(first.map(\.group))
      ranked = Array((first + ranked.filter { !groups.contains($0.group) }).prefix(limit))
    }
    // The snippet's words: the selected terms, and for a pasted message its own words.
    let snippetPrefixes = pasted.isEmpty ? selected : selected + stems.filter { $0.count >= 3 }.sorted()
    // FTS5 builds the snippets. Asked with the exact terms the section holds rather than the
    // prefixes, it seeks straight to the row instead of merging every prefix match first.
    return try queue.read { db in
      var results: [SearchResult] = []
      let row = try db.makeStatement(
        sql: """
          SELECT language, code, uid, anchor, title, snippet(help, 5, '', '', '…', 16) FROM help
          WHERE help MATCH ? AND rowid = ?
          """)
      // A section none of whose words FTS5 can match (a short message of common words): the
      // start of its text.
      let plainRow = try db.makeStatement(
        sql: "SELECT language, code, uid, anchor, title, substr(body, 1, 200) FROM help WHERE rowid = ?")
      for section in ranked {
        let terms = ranking.terms(in: section.section, prefixes: snippetPrefixes)
        let matched =
          terms.isEmpty
          ? nil : try Row.fetchOne(row, arguments: [Self.matchQuery(terms, prefixes: false), section.rowid])
        guard let found = try matched ?? Row.fetchOne(plainRow, arguments: [section.rowid]),
          let rowLanguage = Language(rawValue: found[0])
        else { continue }
        let code: String? = found[1]
        if let language, language != rowLanguage, let code, let flowCode = FlowCode(rawValue: code),
          let (article, section) = index.section(for: flowCode, in: language)
        {
          results.append(
            SearchResult(
              code: code, uid: article.uid, title: section.heading,
              snippet: String(section.meaning.joined(separator: " ").prefix(200)), language: language,
              anchor: section.anchor))
        } else {
          results.append(
            SearchResult(
              code: code, uid: found[2], title: found[4], snippet: found[5], language: rowLanguage,
              anchor: found[3]))
        }
      }
      return results
    }
  }
}
