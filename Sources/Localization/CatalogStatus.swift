import FlowEngine
import Foundation

/// Where each catalog stands against the English source strings, in the spirit of Mozilla's
/// compare-locales: what is missing, obsolete, changed since it was translated, or waiting for
/// review. `flowdesk locales status` prints it.
public struct CatalogStatus: Sendable, Hashable, Codable {
  /// A string in one of the report's lists.
  public struct Entry: Sendable, Hashable, Codable {
    public var id: String
    /// The line of the trans-unit, when the catalog has one.
    public var line: Int?
    /// The English the catalog holds (the translation was made from it), for a changed string.
    public var translatedFrom: String?
    /// The English of the registry now, when there is one.
    public var english: String?
  }

  public var language: Language
  /// The file, relative to the locales folder's parent (`locales/nl.xliff`).
  public var file: String
  /// Source strings in the registry.
  public var total: Int
  /// Strings translated, current and not waiting for review.
  public var translated: Int
  /// In the registry, but with no trans-unit or an empty target.
  public var missing: [Entry]
  /// Trans-units for strings the registry no longer has.
  public var obsolete: [Entry]
  /// Translated from an English text the registry no longer has.
  public var changed: [Entry]
  /// Marked for review (`needs-review-translation` by `locales export` after a change, or
  /// another `needs-` state or `approved="no"` by a translator's editor), English unchanged.
  public var needsReview: [Entry]

  /// The share of strings translated, 0 to 100, rounded down.
  public var percentTranslated: Int { total == 0 ? 100 : translated * 100 / total }

  /// Compares a catalog with the source strings. A missing catalog has every string missing.
  public init(
    language: Language, catalog: Catalog?, file: String,
    sources: [(id: String, text: String)] = SourceStrings.all
  ) {
    self.language = language
    self.file = file
    total = sources.count
    translated = 0
    missing = []
    obsolete = []
    changed = []
    needsReview = []
    for (id, english) in sources {
      guard let unit = catalog?.unit(id), unit.translation != nil else {
        missing.append(Entry(id: id, line: catalog?.unit(id)?.line, translatedFrom: nil, english: english))
        continue
      }
      if unit.source != english {
        changed.append(Entry(id: id, line: unit.line, translatedFrom: unit.source, english: english))
      } else if unit.needsReview {
        needsReview.append(Entry(id: id, line: unit.line, translatedFrom: nil, english: english))
      } else {
        translated += 1
      }
    }
    let current = Set(sources.map(\.id))
    obsolete =
      catalog?.units.filter { !current.contains($0.id) }.map {
        Entry(id: $0.id, line: $0.line, translatedFrom: $0.source, english: nil)
      } ?? []
  }

  /// How a string whose English changed is described everywhere (export, status, docs check):
  /// the English as it is now first, then the English the translation was made from.
  public static func changedMessage(_ id: String, english: String, translatedFrom: String) -> String {
    "the English of \(id) is now \"\(english)\"; the translation was made from \"\(translatedFrom)\""
  }

  /// Where the English source strings live: the catalogs' `<source>` elements are copies
  /// that `flowdesk locales export` writes, so editing them changes nothing.
  public static let whereEnglishLives = """
    The English source strings are not in the catalogs: code titles and messages are in \
    Sources/FlowEngine/Codes/FlowCode+Definition.swift, status labels in \
    Sources/Localization/SourceStrings.swift, and reasons in Sources/FlowEngine/Codes/Reasons.swift. \
    Change the English there; each <source> in locales/*.xliff is a copy that export rewrites.
    """
}

extension XLIFF {
  /// Writes a catalog as `locales export` does: every unit in its order, with its source,
  /// target and state. A catalog that export wrote comes back byte for byte.
  public static func serialize(_ catalog: Catalog) -> String {
    var lines = [
      #"<?xml version="1.0" encoding="UTF-8"?>"#,
      #"<xliff version="1.2" xmlns="\#(namespace)">"#,
      #"  <file original="flowdesk" source-language="en" target-language="\#(catalog.language.rawValue)" datatype="plaintext">"#,
      "    <body>",
    ]
    for unit in catalog.units { lines += unitLines(unit) }
    lines += ["    </body>", "  </file>", "</xliff>", ""]
    return lines.joined(separator: "\n")
  }

  /// Why a string cannot be marked reviewed.
  public enum ReviewRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownString(String)
    case notInCatalog(String)
    case notTranslated(String)
    case placeholders(String, expected: [String], found: [String])

    public var description: String {
      switch self {
      case .unknownString(let id): "\(id) is not a source string of the registry"
      case .notInCatalog(let id): "\(id) is not in the catalog; run flowdesk locales export first"
      case .notTranslated(let id): "\(id) has no translation to review; translate it first"
      case .placeholders(let id, let expected, let found):
        "\(id) has placeholders {\(found.joined(separator: "}, {"))} but the English has {\(expected.joined(separator: "}, {"))}; keep every {name} of the English"
      }
    }
  }

  /// Marks strings reviewed: state `translated`, `approved="yes"`, and the source brought up
  /// to the registry's English, so the translation counts as made from the English it was
  /// checked against. Nothing else in the catalog changes.
  public static func markReviewed(_ ids: [String], in catalog: Catalog) throws(ReviewRefusal) -> Catalog {
    var units = catalog.units
    for id in ids {
      guard let english = SourceStrings.byId[id] else { throw .unknownString(id) }
      guard let index = units.firstIndex(where: { $0.id == id }) else { throw .notInCatalog(id) }
      guard let translation = units[index].translation else { throw .notTranslated(id) }
      let expected = Placeholders.names(in: english).sorted()
      let found = Placeholders.names(in: translation).sorted()
      guard Set(expected) == Set(found) else {
        throw .placeholders(id, expected: Array(Set(expected)).sorted(), found: Array(Set(found)).sorted())
      }
      units[index].source = english
      units[index].state = "translated"
      units[index].approved = true
    }
    return Catalog(language: catalog.language, file: catalog.file, units: units)
  }
}
