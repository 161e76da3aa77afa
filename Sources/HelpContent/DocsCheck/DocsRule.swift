/// The named rules of `flowdesk docs check`.
public enum DocsRule: String, Sendable, CaseIterable, Codable {
  /// Every registry code has a section in every language; code anchors name real codes;
  /// retired codes are documented as retired; front matter `codes` match the sections.
  case coverage
  /// Missing, obsolete and stale translations in the XLIFF catalogs; placeholders kept.
  case catalogs
  /// Status lists (bullet items that start with a bold label and a colon, most of them
  /// status terms) use exactly the termbase's terms.
  case labels
  /// Translations of one article have the same sections, codes and steps, and each aligned
  /// section, table row and list item names the same status concepts as its source.
  case parity
  /// Status words that are deprecated, or emphasized or table-cell text that is nearly a term.
  case terminology
  /// Relative and reference-style links and images resolve.
  case links
  /// The front matter schema, and translations older than their source.
  case frontMatter = "front-matter"
  /// Hidden scenarios agree with the engine; every active code the engine produces has one.
  case scenarios

  /// The rules that only make sense for Flowdesk's own content: its code registry, its
  /// catalogs and its scenarios. A documentation team leaves them out.
  public static let flowdeskOnly: Set<DocsRule> = [.coverage, .catalogs, .scenarios]
}

/// One finding of the docs check.
public typealias DocsFinding = ContentProblem
