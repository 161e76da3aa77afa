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
}
