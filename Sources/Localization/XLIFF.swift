import Foundation

/// Reads and writes XLIFF 1.2 catalogs. English is always the source language.
public enum XLIFF {
  static let namespace = "urn:oasis:names:tc:xliff:document:1.2"

  /// Reads a catalog, refusing anything that declares a DOCTYPE or entities (external
  /// entities, entity-expansion bombs) before the XML parser sees it.
  public static func read(_ url: URL, displayName: String? = nil) throws(CatalogError) -> Catalog {
    let name = displayName ?? url.lastPathComponent
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw CatalogError(file: name, line: nil, reason: "cannot be read: \(error.localizedDescription)")
    }
    return try parse(data, file: url, displayName: name)
  }

  /// Parses a catalog in UTF-8, UTF-16 or UTF-32 (with or without a byte order mark) or
  /// ISO-8859-1. The text is transcoded to UTF-8 first, so the refusal of DOCTYPE and ENTITY
  /// sees every encoding, and the parser reads exactly the text that was checked.
  public static func parse(_ data: Data, file: URL? = nil, displayName: String) throws(CatalogError)
    -> Catalog
  {
    let text: XMLText
    do {
      text = try XMLText(decoding: data)
    } catch {
      throw CatalogError(file: displayName, line: nil, reason: "cannot be decoded: it \(error.reason)")
    }
    if let line = lineOfDeclaration(in: text.utf8) {
      let encoding = text.encoding == .utf8 ? "" : " (in \(text.encoding.rawValue))"
      throw CatalogError(
        file: displayName, line: line,
        reason:
          "declares a DOCTYPE or an entity\(encoding); catalogs may not (external entities and entity expansion are refused)"
      )
    }
    let document: LibXML.Document
    do {
      document = try LibXML.parseXML(text.utf8, url: displayName)
    } catch {
      throw CatalogError(
        file: displayName, line: error.line, reason: "is not well-formed XML: \(error.message)")
    }
    guard !document.hasDoctype else {
      throw CatalogError(file: displayName, line: 1, reason: "declares a DOCTYPE; catalogs may not")
    }
    guard let root = document.root, root.name == "xliff" else {
      throw CatalogError(
        file: displayName, line: document.root?.line, reason: "the root element is not <xliff>")
    }
    guard root.attribute("version") == "1.2" else {
      throw CatalogError(file: displayName, line: root.line, reason: "only XLIFF version 1.2 is read")
    }
    guard let fileElement = root.elements.first(where: { $0.name == "file" }) else {
      throw CatalogError(file: displayName, line: root.line, reason: "has no <file> element")
    }
    let sourceLanguage = fileElement.attribute("source-language") ?? ""
    guard LanguageTag(sourceLanguage)?.supported == .en else {
      throw CatalogError(
        file: displayName, line: fileElement.line,
        reason: "source-language must be en, not \"\(sourceLanguage)\"")
    }
    let targetText = fileElement.attribute("target-language") ?? ""
    guard let language = LanguageTag(targetText)?.supported, language != .en else {
      throw CatalogError(
        file: displayName, line: fileElement.line,
        reason: "target-language \"\(targetText)\" is not one of nl, sv")
    }
    var units: [Catalog.Unit] = []
    var seen: Set<String> = []
    for unit in fileElement.descendants(named: ["trans-unit"]) {
      guard let id = unit.attribute("id"), !id.isEmpty else {
        throw CatalogError(file: displayName, line: unit.line, reason: "a trans-unit has no id")
      }
      guard seen.insert(id).inserted else {
        throw CatalogError(file: displayName, line: unit.line, reason: "trans-unit id \(id) appears twice")
      }
      let source = unit.elements.first { $0.name == "source" }
      let target = unit.elements.first { $0.name == "target" }
      guard let source else {
        throw CatalogError(file: displayName, line: unit.line, reason: "trans-unit \(id) has no <source>")
      }
      var read = Catalog.Unit(
        id: id, source: source.text, target: target?.text, state: target?.attribute("state"),
        approved: unit.attribute("approved").map { $0 == "yes" }, line: unit.line)
      read.notes = unit.elements.filter { $0.name == "note" }.map {
        Catalog.Unit.Note(from: $0.attribute("from"), text: $0.text)
      }
      units.append(read)
    }
    return Catalog(language: language, file: file, units: units)
  }

  /// The line of the first `<!DOCTYPE` or `<!ENTITY`, if any.
  static func lineOfDeclaration(in data: Data) -> Int? {
    let bytes = [UInt8](data)
    let markers = [Array("<!DOCTYPE".utf8), Array("<!ENTITY".utf8)]
    var line = 1
    var index = 0
    while index < bytes.count {
      if bytes[index] == UInt8(ascii: "\n") { line += 1 }
      if bytes[index] == UInt8(ascii: "<") {
        for marker in markers where index + marker.count <= bytes.count {
          if zip(bytes[index..<(index + marker.count)], marker).allSatisfy({ $0.uppercased == $1 }) {
            return line
          }
        }
      }
      index += 1
    }
    return nil
  }

  /// What an export changed.
  public struct ExportReport: Sendable, Hashable {
    public var kept = 0
    public var added: [String] = []
    public var needsReview: [String] = []
    public var dropped: [String] = []
    /// For each string in `needsReview`: the English the translation was made from, and the
    /// English now.
    public var changes: [Change] = []

    public struct Change: Sendable, Hashable {
      public var id: String
      public var translatedFrom: String
      public var english: String
    }
  }

  /// Regenerates a catalog from the English source strings, keeping every existing
  /// translation. A unit whose English source changed keeps its translation and is marked
  /// `needs-review-translation`; a new unit gets an empty target with state `new`. A
  /// translation that is current and not waiting for review is written `approved="yes"`,
  /// so that translators' tools show it as final; one waiting for review has no approval
  /// and a `needs-` state.
  public static func export(
    language: Language, existing: Catalog?, sources: [(id: String, text: String)] = SourceStrings.all
  ) -> (xml: String, report: ExportReport) {
    var report = ExportReport()
    var lines = [
      #"<?xml version="1.0" encoding="UTF-8"?>"#,
      #"<xliff version="1.2" xmlns="\#(namespace)">"#,
      #"  <file original="flowdesk" source-language="en" target-language="\#(language.rawValue)" datatype="plaintext">"#,
      "    <body>",
    ]
    for (id, text) in sources {
      var target = ""
      var state = "new"
      var approved = false
      var notes: [Catalog.Unit.Note] = []
      if let old = existing?.unit(id) {
        target = old.target ?? ""
        notes = old.notes
        if old.source == text {
          state = old.state ?? (old.translation == nil ? "new" : "translated")
          if old.needsReview {
            // `approved="no"` alone is kept as a state, since export writes no `no`.
            if !Catalog.Unit.reviewStates.contains(state) { state = "needs-review-translation" }
          } else {
            approved = old.translation != nil
          }
          report.kept += 1
        } else {
          state = old.translation == nil ? "new" : "needs-review-translation"
          report.needsReview.append(id)
          report.changes.append(.init(id: id, translatedFrom: old.source, english: text))
        }
      } else {
        report.added.append(id)
      }
      lines += unitLines(
        Catalog.Unit(
          id: id, source: text, target: target, state: state, approved: approved ? true : nil, notes: notes,
          line: 0))
    }
    let current = Set(sources.map(\.id))
    report.dropped = existing?.units.map(\.id).filter { !current.contains($0) } ?? []
    lines += ["    </body>", "  </file>", "</xliff>", ""]
    return (lines.joined(separator: "\n"), report)
  }

  /// One `<trans-unit>` as export and `serialize` write it: the approval as read (`yes`,
  /// `no`, or none), the source, the target with its state, then the unit's notes.
  static func unitLines(_ unit: Catalog.Unit) -> [String] {
    let approval = unit.approved.map { #" approved="\#($0 ? "yes" : "no")""# } ?? ""
    let state = unit.state ?? (unit.translation == nil ? "new" : "translated")
    return [
      "      <trans-unit id=\"\(escape(unit.id))\"\(approval)>",
      "        <source>\(escapeText(unit.source))</source>",
      "        <target state=\"\(escape(state))\">\(escapeText(unit.target ?? ""))</target>",
    ]
      + unit.notes.map {
        "        <note\($0.from.map { #" from="\#(escape($0))""# } ?? "")>\(escapeText($0.text))</note>"
      } + ["      </trans-unit>"]
  }

  static func escapeText(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}

extension UInt8 {
  fileprivate var uppercased: UInt8 { (97...122).contains(self) ? self - 32 : self }
}
