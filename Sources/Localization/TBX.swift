import Foundation

/// Reads and writes TBX termbases (ISO 30042) as translate-toolkit and CAT tools do: `termEntry`
/// (or TBX v3 `conceptEntry`) with an `id`, `langSet` (`langSec`) with `xml:lang`, `tig`
/// (`ntig`, `termSec`) with a `term` and a `termNote type="administrativeStatus"`.
public enum TBX {
  /// Reads a termbase, refusing DOCTYPE and ENTITY declarations as catalogs do.
  public static func read(_ url: URL, displayName: String? = nil) throws(TermbaseError) -> Termbase {
    let name = displayName ?? url.lastPathComponent
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw TermbaseError(file: name, line: nil, reason: "cannot be read: \(error.localizedDescription)")
    }
    return try parse(data, displayName: name)
  }

  /// Parses a termbase in any encoding `XMLText` reads. A term without an administrative
  /// status is preferred; an unknown status is an error with its line.
  public static func parse(_ data: Data, displayName: String) throws(TermbaseError) -> Termbase {
    let text: XMLText
    do {
      text = try XMLText(decoding: data)
    } catch {
      throw TermbaseError(file: displayName, line: nil, reason: "cannot be decoded: it \(error.reason)")
    }
    if let line = XLIFF.lineOfDeclaration(in: text.utf8) {
      throw TermbaseError(
        file: displayName, line: line,
        reason:
          "declares a DOCTYPE or an entity; termbases may not (external entities and entity expansion are refused)"
      )
    }
    let document: LibXML.Document
    do {
      document = try LibXML.parseXML(text.utf8, url: displayName)
    } catch {
      throw TermbaseError(
        file: displayName, line: error.line, reason: "is not well-formed XML: \(error.message)")
    }
    guard !document.hasDoctype else {
      throw TermbaseError(file: displayName, line: 1, reason: "declares a DOCTYPE; termbases may not")
    }
    guard let root = document.root, ["martif", "tbx"].contains(root.name) else {
      throw TermbaseError(
        file: displayName, line: document.root?.line, reason: "the root element is not <martif> or <tbx>")
    }
    var concepts: [Termbase.Concept] = []
    var seen: Set<String> = []
    for entry in root.descendants(named: ["termentry", "conceptentry"]) {
      guard let id = entry.attribute("id"), !id.isEmpty else {
        throw TermbaseError(
          file: displayName, line: entry.line, reason: "a \(entry.name) has no id (such as flow.running)")
      }
      guard seen.insert(id).inserted else {
        throw TermbaseError(file: displayName, line: entry.line, reason: "the concept \(id) appears twice")
      }
      var terms: [String: [Termbase.Term]] = [:]
      for langSet in entry.descendants(named: ["langset", "langsec"]) {
        guard let language = langSet.attribute("lang"), LanguageTag(language) != nil else {
          throw TermbaseError(
            file: displayName, line: langSet.line,
            reason: "a langSet of \(id) has no xml:lang that is a language tag")
        }
        for group in langSet.descendants(named: ["tig", "ntig", "termsec"]) {
          guard let term = group.descendants(named: ["term"]).first else { continue }
          let word = term.text.trimmingCharacters(in: .whitespacesAndNewlines)
          guard !word.isEmpty else {
            throw TermbaseError(file: displayName, line: term.line, reason: "an empty term in \(id)")
          }
          var status = Termbase.Status.preferred
          if let note = group.descendants(named: ["termnote"]).first(where: {
            $0.attribute("type") == "administrativeStatus"
          }) {
            guard let parsed = Termbase.Status(tbxValue: note.text) else {
              throw TermbaseError(
                file: displayName, line: note.line,
                reason:
                  "administrativeStatus \"\(note.text)\" is not preferredTerm-admn-sts, admittedTerm-admn-sts or deprecatedTerm-admn-sts"
              )
            }
            status = parsed
          }
          terms[language, default: []].append(Termbase.Term(text: word, status: status, line: term.line))
        }
      }
      concepts.append(Termbase.Concept(id: id, terms: terms))
    }
    guard !concepts.isEmpty else {
      throw TermbaseError(file: displayName, line: root.line, reason: "has no termEntry")
    }
    return Termbase(concepts: concepts)
  }

  /// Writes a termbase as TBX (the TBX-Basic dialect of TBX 2008, which translate-toolkit reads).
  public static func write(_ termbase: Termbase, sourceLanguage: String = "en", title: String) -> String {
    var lines = [
      #"<?xml version="1.0" encoding="UTF-8"?>"#,
      #"<martif type="TBX-Basic" xml:lang="\#(XLIFF.escape(sourceLanguage))">"#,
      "  <martifHeader>",
      "    <fileDesc>",
      "      <titleStmt><title>\(XLIFF.escapeText(title))</title></titleStmt>",
      "      <sourceDesc><p>Written by flowdesk locales termbase</p></sourceDesc>",
      "    </fileDesc>",
      "  </martifHeader>",
      "  <text>",
      "    <body>",
    ]
    for concept in termbase.concepts {
      lines.append("      <termEntry id=\"\(XLIFF.escape(concept.id))\">")
      // The source language first: translate-toolkit takes the first langSet as the source.
      let languages = concept.terms.keys.sorted {
        ($0 == sourceLanguage ? 0 : 1, $0) < ($1 == sourceLanguage ? 0 : 1, $1)
      }
      for language in languages {
        lines.append("        <langSet xml:lang=\"\(XLIFF.escape(language))\">")
        for term in concept.terms[language] ?? [] {
          lines.append("          <tig>")
          lines.append("            <term>\(XLIFF.escapeText(term.text))</term>")
          lines.append(
            "            <termNote type=\"administrativeStatus\">\(term.status.tbxValue)</termNote>")
          lines.append("          </tig>")
        }
        lines.append("        </langSet>")
      }
      lines.append("      </termEntry>")
    }
    lines += ["    </body>", "  </text>", "</martif>", ""]
    return lines.joined(separator: "\n")
  }
}
