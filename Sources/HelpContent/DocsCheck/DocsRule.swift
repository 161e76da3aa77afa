/// The named rules of `flowdesk docs check`.
public enum DocsRule: String, Sendable, CaseIterable, Codable {
  /// Every registry code has a section in every language; code anchors name real codes;
  /// retired codes are documented as retired; front matter `codes` match the sections.
  case coverage
  /// Missing, obsolete and stale translations in the XLIFF catalogs; placeholders kept.
  case catalogs
  /// Status lists use exactly the catalog labels.
  case labels
  /// Translations of one article have the same sections, codes, steps and state mentions.
  case parity
  /// Relative and reference-style links and images resolve.
  case links
  /// The front matter schema, and translations older than their source.
  case frontMatter = "front-matter"
  /// Hidden scenarios agree with the engine; every active code the engine produces has one.
  case scenarios
}

/// One finding of the docs check.
public typealias DocsFinding = ContentProblem
