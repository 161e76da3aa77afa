import Foundation
import Localization

/// Finds the termbase's status terms of one language in text: whole words, any case, with the
/// language's common inflections (`aktiva` for `Aktiv`, `Geannuleerde` for `Geannuleerd`).
struct TermMatcher {
  struct Entry {
    var concept: String
    var term: Termbase.Term
    /// The term's words, lowercased; a hyphen separates words (`Drop-out` is `drop out`).
    var words: [String]
  }

  /// A term found in text.
  struct Mention {
    var entry: Entry
    /// The text as written.
    var text: String
    /// The index of its first word in the text's words.
    var firstWord: Int
    var wordCount: Int
  }

  let language: String
  /// Status terms, longest first, so `Finished with success` wins over `Finished`.
  let entries: [Entry]
  /// Words of other concepts (UI terms a termbase may list): known, never a near miss.
  let knownWords: Set<String>
  /// Status terms of other languages, for "another language's form".
  let foreign: [(language: String, entry: Entry)]

  init(termbase: Termbase, language: String) {
    self.language = language
    var entries: [Entry] = []
    var known: Set<String> = []
    var foreign: [(String, Entry)] = []
    for concept in termbase.concepts {
      let terms = termbase.terms(of: concept, in: language)
      if concept.isStatus {
        entries += terms.map { Entry(concept: concept.id, term: $0, words: Self.words(of: $0.text)) }
        for other in termbase.languages
        where Termbase.primary(other) != Termbase.primary(language) {
          foreign += (concept.terms[other] ?? []).filter { $0.status != .deprecated }.map {
            (other, Entry(concept: concept.id, term: $0, words: Self.words(of: $0.text)))
          }
        }
      } else {
        known.formUnion(terms.map { Self.words(of: $0.text).joined(separator: " ") })
      }
    }
    self.entries = entries.filter { !$0.words.isEmpty }.sorted {
      ($0.words.count, $0.term.status == .deprecated ? 0 : 1) > (
        $1.words.count, $1.term.status == .deprecated ? 0 : 1
      )
    }
    self.knownWords = known
    self.foreign = foreign
  }

  var isEmpty: Bool { entries.isEmpty }

  /// The words of a text, lowercased, split on anything that is not a letter or a digit.
  static func words(of text: String) -> [String] {
    writtenWords(of: text).map { $0.lowercased() }
  }

  /// The words of a text as written. In scripts written without spaces between words
  /// (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar) each character is a word of its own,
  /// so that `进行中` is found in `流程进行中。` as CJK readers see it: a run of letters there is
  /// a phrase, not one word.
  static func writtenWords(of text: String) -> [String] {
    var words: [String] = []
    for run in text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
      guard run.unicodeScalars.contains(where: isUnspaced) else {
        words.append(String(run))
        continue
      }
      var word = ""
      for character in run {
        if character.unicodeScalars.first.map(isUnspaced) == true {
          if !word.isEmpty { words.append(word) }
          words.append(String(character))
          word = ""
        } else {
          word.append(character)
        }
      }
      if !word.isEmpty { words.append(word) }
    }
    return words
  }

  /// Words written as they stand in text: with a space between them, but none between two
  /// characters of a script written without spaces.
  static func joined(_ words: ArraySlice<String>) -> String {
    var text = ""
    for word in words {
      if let last = text.unicodeScalars.last,
        !(isUnspaced(last) && word.unicodeScalars.first.map(isUnspaced) == true)
      {
        text += " "
      }
      text += word
    }
    return text
  }

  /// Whether a character belongs to a script written without spaces between words.
  static func isUnspaced(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: true  // Hiragana, Katakana
    case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F: true  // Han
    case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF: true  // Thai, Lao, Myanmar, Khmer
    default: false
    }
  }

  /// Inflections per primary language: (ending removed, ending added). A language without an
  /// entry is matched exactly; its termbase can admit its inflected forms as terms.
  static let inflections: [String: [(String, String)]] = [
    "nl": [("", "e"), ("", "en"), ("f", "ve")],
    "sv": [("", "a"), ("", "e"), ("", "t"), ("en", "na"), ("en", "et"), ("d", "t"), ("d", "de")],
    "de": [("", "e"), ("", "en"), ("", "er"), ("", "es"), ("", "em")],
    "da": [("", "e"), ("", "t")],
    "nb": [("", "e"), ("", "t")],
  ]

  /// Whether a word of text is a term's word, or an inflection of it.
  func matches(_ word: String, _ termWord: String) -> Bool {
    if word == termWord { return true }
    guard word.count > 2, let rules = Self.inflections[Termbase.primary(language)] else { return false }
    for (removed, added) in rules where termWord.hasSuffix(removed) {
      if word == String(termWord.dropLast(removed.count)) + added { return true }
    }
    return false
  }

  /// Every term in a text, longest first, without overlaps, in text order.
  func mentions(in text: String) -> [Mention] {
    let written = Self.writtenWords(of: text)
    let words = written.map { $0.lowercased() }
    var taken = Array(repeating: false, count: words.count)
    var found: [Mention] = []
    for entry in entries where entry.words.count <= words.count {
      for start in 0...(words.count - entry.words.count) {
        let range = start..<(start + entry.words.count)
        guard !range.contains(where: { taken[$0] }),
          zip(words[range], entry.words).allSatisfy({ matches($0, $1) })
        else { continue }
        for index in range { taken[index] = true }
        found.append(
          Mention(
            entry: entry, text: Self.joined(written[range]), firstWord: start,
            wordCount: range.count))
      }
    }
    return found.sorted { $0.firstWord < $1.firstWord }
  }

  /// The term a whole short text is (a bold label, a table cell), inflections included.
  func whole(_ text: String) -> Entry? {
    let words = Self.words(of: text)
    guard !words.isEmpty else { return nil }
    return entries.first {
      $0.words.count == words.count && zip(words, $0.words).allSatisfy { matches($0, $1) }
    }
  }

  /// What a short text that is not a term nearly is: a status term of another language, or a
  /// term of this one misspelled, truncated or wrongly inflected.
  enum Near {
    case otherLanguage(String, Entry)
    case misspelled(Entry)
  }

  func near(_ text: String) -> Near? {
    let words = Self.words(of: text)
    guard !words.isEmpty, words.count <= 4 else { return nil }
    let joined = words.joined(separator: " ")
    guard !knownWords.contains(joined) else { return nil }
    if let (other, entry) = foreign.first(where: { $0.entry.words == words }),
      let own = entries.first(where: { $0.concept == entry.concept && $0.term.status != .deprecated })
    {
      return .otherLanguage(other, own)
    }
    var best: (Entry, Int)?
    for entry in entries where entry.term.status != .deprecated {
      let term = entry.words.joined(separator: " ")
      guard term.first == joined.first else { continue }
      let distance = DocsChecker.distance(joined, term)
      let limit = term.count <= 4 ? 1 : term.count <= 8 ? 2 : 3
      let truncated = term.hasPrefix(joined) && joined.count * 5 >= term.count * 3
      guard distance > 0, distance <= limit || truncated else { continue }
      if best == nil || distance < best!.1 { best = (entry, distance) }
    }
    return best.map { .misspelled($0.0) }
  }
}
