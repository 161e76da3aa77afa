import FlowEngine
import Foundation

/// The words of the engine's statuses per language, as a termbase (ISO 30042, TBX): one concept
/// per status (`flow.running`, `participant.droppedOut`), each with terms per language marked
/// preferred, admitted or deprecated. Parity and terminology findings are judged by concept.
///
/// Languages are BCP 47 tags as written (`de`, `pt-BR`), so a termbase may hold languages
/// Flowdesk itself has no catalog for.
public struct Termbase: Sendable, Hashable {
  /// A term's administrative status (TBX `administrativeStatus`).
  public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
    case preferred, admitted, deprecated

    /// The TBX value: `preferredTerm-admn-sts`.
    public var tbxValue: String { "\(rawValue)Term-admn-sts" }

    init?(tbxValue: String) {
      let value = tbxValue.trimmingCharacters(in: .whitespacesAndNewlines)
      guard let match = Status.allCases.first(where: { $0.tbxValue == value || $0.rawValue == value }) else {
        return nil
      }
      self = match
    }
  }

  public struct Term: Sendable, Hashable {
    public var text: String
    public var status: Status
    /// The line of the term in the TBX file it was read from.
    public var line: Int?

    public init(text: String, status: Status, line: Int? = nil) {
      self.text = text
      self.status = status
      self.line = line
    }
  }

  public struct Concept: Sendable, Hashable {
    /// `flow.<status>` or `participant.<status>`; other ids (UI terms) are kept as known words.
    public var id: String
    /// Terms by language tag, in the order they were given.
    public var terms: [String: [Term]]

    public init(id: String, terms: [String: [Term]]) {
      self.id = id
      self.terms = terms
    }

    /// Whether the id names an engine status.
    public var isStatus: Bool { Termbase.statusConceptIds.contains(id) }
  }

  public var concepts: [Concept]

  public init(concepts: [Concept]) { self.concepts = concepts }

  /// Every engine status as a concept id, flow statuses first.
  public static let statusConceptIds: [String] =
    FlowStatus.allCases.map { "flow.\($0.rawValue)" }
    + ParticipantStatus.allCases.map { "participant.\($0.rawValue)" }

  /// The languages the termbase has terms for.
  public var languages: [String] {
    Array(Set(concepts.flatMap(\.terms.keys))).sorted()
  }

  public func concept(_ id: String) -> Concept? { concepts.first { $0.id == id } }

  /// The terms of a language: those of the exact tag, else of its primary language
  /// (`de-CH` uses `de`), else of a regional tag of the same language.
  public func terms(of concept: Concept, in language: String) -> [Term] {
    if let exact = concept.terms[language] { return exact }
    let lowered = language.lowercased()
    if let key = concept.terms.keys.first(where: { $0.lowercased() == lowered }) {
      return concept.terms[key]!
    }
    let primary = Self.primary(language)
    if let key = concept.terms.keys.first(where: { $0.lowercased() == primary }) {
      return concept.terms[key]!
    }
    if let key = concept.terms.keys.sorted().first(where: { Self.primary($0) == primary }) {
      return concept.terms[key]!
    }
    return []
  }

  /// The preferred term of a concept in a language (the first admitted one when none is preferred).
  public func preferred(_ id: String, in language: String) -> String? {
    guard let concept = concept(id) else { return nil }
    let terms = terms(of: concept, in: language)
    return (terms.first { $0.status == .preferred } ?? terms.first { $0.status == .admitted })?.text
  }

  /// Whether the termbase has any term in a language.
  public func covers(_ language: String) -> Bool {
    concepts.contains { !terms(of: $0, in: language).isEmpty }
  }

  /// The primary language subtag of a tag, lowercased: `de` for `de-CH`.
  public static func primary(_ tag: String) -> String {
    String(tag.lowercased().split(separator: "-").first ?? "")
  }

  /// English spellings of a drop-out that are admitted next to the catalog label.
  static let admittedEnglish: [String: [String]] = [
    "participant.droppedOut": ["Drop-out", "Drop out", "Dropped-out"]
  ]

  /// Flowdesk's own termbase: every status label of every catalog, preferred. English, the
  /// source language, also admits the usual spellings of a drop-out.
  public static func flowdesk(_ localizer: Localizer) -> Termbase {
    let languages = Language.allCases.filter { $0 == .en || localizer.catalogs[$0] != nil }
    var concepts: [Concept] = []
    for id in statusConceptIds {
      var terms: [String: [Term]] = [:]
      for language in languages {
        guard let label = localizer.stateLabels(in: language).first(where: { $0.key == id })?.label,
          !label.isEmpty
        else { continue }
        var list = [Term(text: label, status: .preferred)]
        if language == .en {
          list += (admittedEnglish[id] ?? []).map { Term(text: $0, status: .admitted) }
        }
        terms[language.rawValue] = list
      }
      concepts.append(Concept(id: id, terms: terms))
    }
    return Termbase(concepts: concepts)
  }
}

/// Why a termbase file could not be read, with where.
public struct TermbaseError: Error, Sendable, Hashable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var reason: String

  public init(file: String, line: Int?, reason: String) {
    self.file = file
    self.line = line
    self.reason = reason
  }

  public var description: String {
    if let line { return "\(file):\(line): \(reason)" }
    return "\(file): \(reason)"
  }
}
