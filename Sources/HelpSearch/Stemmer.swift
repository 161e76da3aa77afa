/// Light suffix stripping for English, Dutch and Swedish.
///
/// SQLite's FTS5 ships a Porter stemmer for English only, and no Dutch or Swedish stemmer is
/// available to Flowdesk, so queries are widened instead: each query word loses its longest
/// known inflection suffix (keeping at least four letters) and is searched as a prefix.
/// "verwijderd" becomes `verwijder*`, which finds "verwijderen"; "flödena" becomes `flöd*`.
/// A pasted message may be in any of the three languages, so every language's suffixes apply
/// and the shortest stem wins. Diacritics are folded by the FTS5 tokenizer on both sides.
enum Stemmer {
  static let suffixes: [String] = [
    // Dutch
    "heden", "ingen", "ing", "en", "den", "ten", "de", "te", "d", "t", "s", "e",
    // Swedish
    "arna", "erna", "orna", "ande", "ende", "are", "het", "ar", "er", "or", "et", "na", "a",
    // English
    "ations", "ation", "ing", "ed", "es", "ly",
  ].sorted { $0.count > $1.count }

  static let minimumStem = 4

  static func stem(_ word: String) -> String {
    guard word.count > minimumStem else { return word }
    var best = word
    for suffix in suffixes where word.hasSuffix(suffix) && word.count - suffix.count >= minimumStem {
      let candidate = String(word.dropLast(suffix.count))
      if candidate.count < best.count { best = candidate }
    }
    return best
  }

  /// The words of a text: letters and digits, lowercased.
  static func words(_ text: String) -> [String] {
    text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
  }

  /// The words of a text that carry its meaning: the words of every token that does not look
  /// like an identifier (see `isIdentifierLike`). A pasted message has its placeholders
  /// filled with ids, addresses, setting names and times; those are never required to match,
  /// and their pieces (`ann` of `ann-42`, `example` of `ann@example.com`) must not pull in
  /// unrelated sections.
  static func meaningfulWords(_ text: String) -> [String] {
    text.split(whereSeparator: \.isWhitespace).filter { !isIdentifierLike($0) }.flatMap { words(String($0)) }
  }

  /// The stem of each meaningful word, diacritics and case folded: what a word is compared by.
  static func foldedStems(_ text: String) -> [String] {
    meaningfulWords(text).map {
      stem($0).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
    }
  }

  /// Whether a whitespace-separated token looks like an identifier rather than a word: it
  /// holds a digit (`ann-42`, `flow-7`, `09:00`, `FD1002`), an `@`, `_`, `/`, `\`, a `{`
  /// placeholder, a `.` or `:` inside it (`example.com`, `settings.emailFrom`), or a
  /// lowercase letter followed by an uppercase one (`emailReplyTo`). A hyphenated token of
  /// letters only (`e-mailstap`, `reply-to`, `hard-bounced`) is a word.
  static func isIdentifierLike(_ token: Substring) -> Bool {
    let core = token.drop { !($0.isLetter || $0.isNumber || $0 == "{") }
    let trimmed = core.reversed().drop { !($0.isLetter || $0.isNumber || $0 == "}") }.reversed()
    var previous: Character?
    for (offset, character) in trimmed.enumerated() {
      if character.isNumber || "@_/\\{}".contains(character) { return true }
      if character == "." || character == ":", offset > 0, offset < trimmed.count - 1 { return true }
      if let previous, previous.isLowercase, character.isUppercase { return true }
      previous = character
    }
    return false
  }
}
