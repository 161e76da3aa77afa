import Foundation

/// One target language's catalog: translations of the English source strings.
public struct Catalog: Sendable, Hashable {
  /// One translated string.
  public struct Unit: Sendable, Hashable {
    public var id: String
    /// The English source the translation was made from.
    public var source: String
    public var target: String?
    /// The XLIFF state, such as `translated`, `needs-review-translation` or `new`.
    public var state: String?
    /// The trans-unit's `approved` attribute: true for `yes`, false for `no`, nil without one.
    /// XLIFF 1.2 marks a final translation with `approved="yes"`; translate-toolkit and the
    /// editors built on it read a translation without it as fuzzy.
    public var approved: Bool?
    /// The unit's `<note>` elements (a translator's or a reviewer's), kept when the catalog is
    /// written again.
    public var notes: [Note] = []
    /// The line of the trans-unit in its file.
    public var line: Int

    /// A `<note>`: its text, and who wrote it (`from`), if it says.
    public struct Note: Sendable, Hashable {
      public var from: String?
      public var text: String

      public init(from: String?, text: String) {
        self.from = from
        self.text = text
      }
    }

    public init(
      id: String, source: String, target: String?, state: String?, approved: Bool? = nil, notes: [Note] = [],
      line: Int
    ) {
      self.id = id
      self.source = source
      self.target = target
      self.state = state
      self.approved = approved
      self.notes = notes
      self.line = line
    }

    /// The XLIFF 1.2 states that say a target is not final: `locales export` writes
    /// `needs-review-translation`; an editor that marks a string fuzzy writes another of them.
    public static let reviewStates: Set<String> = [
      "needs-translation", "needs-adaptation", "needs-l10n", "needs-review-translation",
      "needs-review-adaptation", "needs-review-l10n",
    ]

    /// Marked as waiting for review: by a `needs-` state, or by `approved="no"` (what an
    /// editor writes when a translator takes the approval back).
    public var needsReview: Bool {
      approved == false || state.map(Self.reviewStates.contains) == true
    }

    /// The translation, when there is one that is not blank.
    public var translation: String? {
      guard let target, !target.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
      return target
    }
  }

  public var language: Language
  public var file: URL?
  public var units: [Unit]
  public private(set) var byId: [String: Int]

  public init(language: Language, file: URL? = nil, units: [Unit]) {
    self.language = language
    self.file = file
    self.units = units
    self.byId = [:]
    for (offset, unit) in units.enumerated() where byId[unit.id] == nil { byId[unit.id] = offset }
  }

  public func unit(_ id: String) -> Unit? { byId[id].map { units[$0] } }
}

/// A problem with a catalog file, with where it is.
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var reason: String

  public var description: String {
    if let line { return "\(file):\(line): \(reason)" }
    return "\(file): \(reason)"
  }
}
