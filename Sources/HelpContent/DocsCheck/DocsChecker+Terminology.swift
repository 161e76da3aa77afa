import Foundation
import Localization

extension DocsChecker {
  // MARK: terminology

  /// Status words that are not the language's term: a deprecated term anywhere in the text,
  /// and, where a status stands (emphasized after the word "status", a cell of a status
  /// column), a word that is nearly a term (misspelled, truncated, wrongly inflected, or
  /// another language's form). Headings, menu paths and bold UI text that resembles no term
  /// are left alone; status-list labels are the labels rule's.
  func terminology() -> [DocsFinding] {
    var findings: [DocsFinding] = []
    for article in library.articles {
      let terms = matcher(article.language)
      guard !terms.isEmpty else { continue }
      var reported: Set<String> = []
      func report(_ line: Int, _ message: String, _ fix: String) {
        guard reported.insert("\(line) \(message)").inserted else { return }
        findings.append(finding(.terminology, article.path, line, message, fix: fix, level: .warning))
      }
      for section in MarkdownUnits(markdown: article.markdown, bodyLine: article.bodyLine).sections {
        var lines = section.prose + section.items.flatMap(\.lines)
        var statusTexts: [(text: String, line: Int)] = lines.flatMap { Self.statusTexts(in: $0) }
        for table in section.tables {
          let columns = Self.statusColumns(table)
          for row in table {
            lines.append(MarkdownUnits.Line(number: row.line, raw: row.cells.joined(separator: " | ")))
            guard !row.isHeader else { continue }
            for (column, cell) in row.cells.enumerated() where columns.contains(column) {
              statusTexts.append((MarkdownUnits.plain(cell), row.line))
            }
          }
        }
        // Deprecated terms, wherever they are written.
        for line in lines {
          for mention in terms.mentions(in: MarkdownUnits.plain(line.raw))
          where mention.entry.term.status == .deprecated {
            let preferred =
              termbase.preferred(mention.entry.concept, in: article.language) ?? mention.entry.concept
            report(
              line.number,
              "\"\(mention.text)\" is a deprecated \(article.language) term for \(mention.entry.concept)",
              "write \"\(preferred)\"")
          }
        }
        // Near misses where a status stands.
        for (text, line) in statusTexts where !text.isEmpty {
          guard terms.whole(text) == nil, terms.mentions(in: text).isEmpty, let near = terms.near(text) else {
            continue
          }
          switch near {
          case .otherLanguage(let other, let entry):
            report(
              line,
              "\"\(text)\" is the \(other) term for \(entry.concept), not the \(article.language) one",
              "write \"\(termbase.preferred(entry.concept, in: article.language) ?? entry.term.text)\"")
          case .misspelled(let entry):
            report(
              line,
              "\"\(text)\" is nearly the \(article.language) term \"\(entry.term.text)\" (\(entry.concept)): misspelled, truncated or wrongly inflected",
              "write \"\(termbase.preferred(entry.concept, in: article.language) ?? entry.term.text)\"")
          }
        }
      }
    }
    return findings
  }
}
