import Foundation
internal import GRDB

/// The FTS5 index's postings, copied once into flat arrays, so a query ranks its matches
/// without asking FTS5 to decode and score every matching row.
///
/// FTS5 still tokenizes (unicode61, diacritics folded) and still builds the snippets; this
/// only ranks. Each term's postings list the sections it occurs in, in section order, with
/// its weighted frequency there (title x3, body x1, the weights search has always used).
/// Ranking is Okapi BM25 with FTS5's constants, summed over the query's prefixes: the
/// work is one pass over the postings of the query's terms, a few nanoseconds a posting.
struct RankingIndex: Sendable {
  /// A section, by its position in `sections`.
  typealias Section = Int32

  struct SectionInfo: Sendable {
    var section: Section
    var rowid: Int64
    /// Sections with the same key are one result: a code, or an article's section.
    var group: Int32
    var language: String
    var hasCode: Bool
  }

  /// Every indexed term, in order.
  let terms: [String]
  /// Term `t`'s postings are `postings[termStart[t]..<termStart[t + 1]]`.
  let termStart: [Int]
  let postingSection: [Section]
  let postingFrequency: [Float]
  let sections: [SectionInfo]
  let sectionLength: [Float]
  let averageLength: Double
  let groupCount: Int
  /// The sections that explain each code, in every language.
  let codeSections: [String: [Section]]

  static let k1 = 1.2
  static let b = 0.75
  static let titleWeight: Float = 3
  static let bodyWeight: Float = 1

  /// Reads the postings of table `help` through an `fts5vocab` instance table.
  init(_ db: Database) throws {
    var sections: [SectionInfo] = []
    var sectionOf: [Int64: Section] = [:]
    var groups: [String: Int32] = [:]
    var codeSections: [String: [Section]] = [:]
    let rows = try Row.fetchCursor(
      db, sql: "SELECT rowid, language, code, uid, anchor FROM help ORDER BY rowid")
    while let row = try rows.next() {
      let rowid: Int64 = row[0]
      let code: String? = row[2]
      let key = code ?? "\(row[3] as String)#\(row[4] as String? ?? "")"
      let group = groups[key] ?? Int32(groups.count)
      groups[key] = group
      sectionOf[rowid] = Section(sections.count)
      if let code { codeSections[code, default: []].append(Section(sections.count)) }
      sections.append(
        SectionInfo(
          section: Section(sections.count), rowid: rowid, group: group, language: row[1], hasCode: code != nil
        ))
    }

    try db.execute(sql: "CREATE VIRTUAL TABLE temp.help_instances USING fts5vocab(main, help, 'instance')")
    defer { try? db.execute(sql: "DROP TABLE temp.help_instances") }
    var terms: [String] = []
    var termStart: [Int] = [0]
    var postingSection: [Section] = []
    var postingFrequency: [Float] = []
    var length = [Double](repeating: 0, count: sections.count)
    var lastRowid: Int64 = -1
    // Instances come in term order, then section order: a new (term, section) pair starts
    // a posting, and a new term closes the previous term's list.
    let statement = try db.makeStatement(sql: "SELECT term, doc, col FROM temp.help_instances")
    let cursor = try Row.fetchCursor(statement)
    while let row = try cursor.next() {
      let rowid: Int64 = row[1]
      let isTitle = (row[2] as String) == "title"
      let term: String = row[0]
      if terms.last != term {
        if !terms.isEmpty { termStart.append(postingSection.count) }
        terms.append(term)
        lastRowid = -1
      }
      guard let section = sectionOf[rowid] else { continue }
      if rowid != lastRowid {
        postingSection.append(section)
        postingFrequency.append(0)
        lastRowid = rowid
      }
      postingFrequency[postingFrequency.count - 1] += isTitle ? Self.titleWeight : Self.bodyWeight
      length[Int(section)] += 1
    }
    if !terms.isEmpty { termStart.append(postingSection.count) }
    self.terms = terms
    self.termStart = termStart
    self.postingSection = postingSection
    self.postingFrequency = postingFrequency
    self.sections = sections
    self.sectionLength = length.map(Float.init)
    self.averageLength = sections.isEmpty ? 1 : max(length.reduce(0, +) / Double(sections.count), 1)
    self.groupCount = groups.count
    self.codeSections = codeSections
  }

  /// The first section explaining a code in a language, if any.
  func section(ofCode code: String, language: String) -> SectionInfo? {
    codeSections[code]?.lazy.map { sections[Int($0)] }.first { $0.language == language }
  }

  /// The range of terms that start with `prefix`.
  func terms(withPrefix prefix: String) -> Range<Int> {
    func lowerBound(_ key: String) -> Int {
      var low = 0
      var high = terms.count
      while low < high {
        let middle = (low + high) / 2
        if terms[middle] < key { low = middle + 1 } else { high = middle }
      }
      return low
    }
    return lowerBound(prefix)..<lowerBound(prefix + "\u{10FFFF}")
  }

  /// Postings of the terms that start with `prefix`: an upper bound of the sections that
  /// hold such a term (a section with two of them counts twice).
  func postingCount(ofPrefix prefix: String) -> Int {
    let range = terms(withPrefix: prefix)
    return termStart[range.upperBound] - termStart[range.lowerBound]
  }

  /// Each matching section's BM25 score for the prefixes, as FTS5's `bm25()` computes it
  /// (negated: higher is better), and the matching sections in the order they were found.
  func scores(prefixes: [String]) -> (score: [Double], matched: [Section]) {
    let sectionCount = Double(sections.count)
    var score = [Double](repeating: 0, count: sections.count)
    var frequency = [Double](repeating: 0, count: sections.count)
    var matched: [Section] = []
    var touched: [Section] = []
    for prefix in prefixes {
      let range = terms(withPrefix: prefix)
      guard !range.isEmpty else { continue }
      touched.removeAll(keepingCapacity: true)
      for posting in termStart[range.lowerBound]..<termStart[range.upperBound] {
        let section = Int(postingSection[posting])
        if frequency[section] == 0 { touched.append(Section(section)) }
        frequency[section] += Double(postingFrequency[posting])
      }
      // IDF from the sections the prefix occurs in, floored just above zero, as in FTS5.
      let n = Double(touched.count)
      var idf = log((sectionCount - n + 0.5) / (n + 0.5))
      if idf <= 0 { idf = 1e-6 }
      for section in touched {
        let s = Int(section)
        let f = frequency[s]
        let norm = Self.k1 * (1 - Self.b + Self.b * Double(sectionLength[s]) / averageLength)
        if score[s] == 0 { matched.append(section) }
        score[s] += idf * f * (Self.k1 + 1) / (f + norm)
        frequency[s] = 0
      }
    }
    return (score, matched)
  }

  /// The best `limit` results for the prefixes, best first: one section per group, the
  /// highest-scoring one. `include` filters sections before they compete.
  func rank(prefixes: [String], limit: Int, include: (SectionInfo) -> Bool) -> [SectionInfo] {
    guard limit > 0, !sections.isEmpty else { return [] }
    let (score, matched) = scores(prefixes: prefixes)
    // One candidate per group, then the best `limit` by score; ties go to the earlier section.
    var best = [Section](repeating: -1, count: groupCount)
    var groupsSeen: [Int32] = []
    for section in matched {
      let info = sections[Int(section)]
      guard include(info) else { continue }
      let group = Int(info.group)
      let current = best[group]
      if current < 0 {
        groupsSeen.append(info.group)
        best[group] = section
      } else if ranks(section, before: current, score) {
        best[group] = section
      }
    }
    var top: [Section] = []
    for group in groupsSeen {
      let section = best[Int(group)]
      if top.count == limit, !ranks(section, before: top[limit - 1], score) { continue }
      var position = top.count
      while position > 0, ranks(section, before: top[position - 1], score) { position -= 1 }
      top.insert(section, at: position)
      if top.count > limit { top.removeLast() }
    }
    return top.map { sections[Int($0)] }
  }

  /// The indexed terms, among those starting with one of the prefixes, that occur in a
  /// section: each is a binary search in one term's postings.
  func terms(in section: Section, prefixes: [String]) -> [String] {
    var found: [String] = []
    for prefix in prefixes {
      for term in terms(withPrefix: prefix) {
        var low = termStart[term]
        var high = termStart[term + 1]
        while low < high {
          let middle = (low + high) / 2
          if postingSection[middle] < section { low = middle + 1 } else { high = middle }
        }
        if low < termStart[term + 1], postingSection[low] == section { found.append(terms[term]) }
      }
    }
    return found
  }

  private func ranks(_ a: Section, before b: Section, _ score: [Double]) -> Bool {
    score[Int(a)] != score[Int(b)] ? score[Int(a)] > score[Int(b)] : a < b
  }
}
