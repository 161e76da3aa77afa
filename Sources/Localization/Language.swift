import Foundation

/// A language Flowdesk has content for. English is the source language.
public enum Language: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
  case en, nl, sv

  /// The language's name in itself, for language switchers.
  public var endonym: String {
    switch self {
    case .en: "English"
    case .nl: "Nederlands"
    case .sv: "Svenska"
    }
  }

  /// The language's name in English, for messages to operators.
  public var englishName: String {
    switch self {
    case .en: "English"
    case .nl: "Dutch"
    case .sv: "Swedish"
    }
  }

  public static func < (lhs: Language, rhs: Language) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }
}

/// A BCP 47 language tag, checked for its shape: `nl`, `nl-BE`, `sv-FI`, `zh-Hant-TW`.
public struct LanguageTag: Sendable, Hashable, CustomStringConvertible {
  /// The primary language subtag, lowercased.
  public let language: String
  /// The remaining subtags as written, for the record.
  public let subtags: [String]

  /// Parses a tag; nil when it is not a well-formed BCP 47 tag.
  public init?(_ text: String) {
    let parts = text.trimmingCharacters(in: .whitespaces).split(
      separator: "-", omittingEmptySubsequences: false)
    guard let first = parts.first, (2...8).contains(first.count),
      first.allSatisfy({ $0.isASCII && $0.isLetter })
    else { return nil }
    for part in parts.dropFirst() {
      guard (1...8).contains(part.count), part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
      else {
        return nil
      }
    }
    language = first.lowercased()
    subtags = parts.dropFirst().map(String.init)
  }

  public var description: String { ([language] + subtags).joined(separator: "-") }

  /// The supported language this tag falls back to: `nl-BE` to `nl`, `sv-FI` to `sv`.
  public var supported: Language? { Language(rawValue: language) }
}
