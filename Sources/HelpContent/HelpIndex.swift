import FlowEngine
import Foundation
import Localization

/// What a code means and how to fix it, in one language.
public struct Explanation: Sendable, Hashable, Codable {
  public struct ArticleReference: Sendable, Hashable, Codable {
    public var uid: String
    public var title: String
    /// The article's file name without extension, as used in help-center paths.
    public var slug: String
    public var anchor: String
  }

  public var code: String
  public var kind: String
  public var title: String
  /// The one-line message; parameters filled in when the explanation is for an engine result.
  public var message: String
  public var meaning: String
  public var resolution: [String]
  public var article: ArticleReference?
  /// The language of the answer.
  public var language: Language
  /// Fields that were missing in the requested language and are given in English.
  public var fallbacks: [String]
  public var retired: Bool
  /// Set when the requested language's catalog was refused or is missing, so its title and
  /// message are English: which file, and why. Absent (not encoded) otherwise.
  public var catalogProblem: CatalogProblem?

  /// A catalog that could not be used for the answer's language.
  public struct CatalogProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The catalog's language, whose strings were replaced by English.
    public var language: Language
    /// `refused` (the file is there but was not loaded) or `missing`.
    public var status: String
    public var file: String
    public var line: Int?
    public var reason: String

    public var description: String {
      let place = line.map { "\(file):\($0)" } ?? file
      let what = status == "missing" ? "is missing" : "was refused: \(reason)"
      return "the \(language.englishName) catalog \(place) \(what); titles and messages are in English"
    }
  }

  /// The help-center path of the code's section: `/help/nl/flow-run-pause-end#FD1002`.
  public var helpPath: String? { article.map { "/help/\(language.rawValue)/\($0.slug)#\($0.anchor)" } }
}

/// A flow or participant status with its label in one language.
public struct StateLabel: Sendable, Hashable, Codable {
  public var kind: String
  public var code: String
  public var label: String
  public var language: Language
  public var isFallback: Bool
}

/// Everything help content says, indexed once at load: code to explanation per language,
/// status to label, uid to article.
public struct HelpIndex: Sendable {
  public let library: ContentLibrary
  public let localizer: Localizer
  private let codeSections: [Language: [FlowCode: (article: Int, section: Int)]]
  private let uids: [String: Int]
  /// Every code's explanation in every language, built once: a lookup copies a value.
  private var explanations: [Language: [FlowCode: Explanation]] = [:]

  public init(library: ContentLibrary, localizer: Localizer) {
    self.library = library
    self.localizer = localizer
    var codeSections: [Language: [FlowCode: (Int, Int)]] = [:]
    var uids: [String: Int] = [:]
    for (a, article) in library.articles.enumerated() {
      if uids[article.uid] == nil { uids[article.uid] = a }
      guard let language = LanguageTag(article.language)?.supported else { continue }
      for (s, section) in article.sections.enumerated() {
        guard let anchor = section.codeAnchor, let code = FlowCode(rawValue: anchor) else { continue }
        if codeSections[language]?[code] == nil { codeSections[language, default: [:]][code] = (a, s) }
      }
    }
    self.codeSections = codeSections
    self.uids = uids
    for language in Language.allCases {
      for code in FlowCode.allCases {
        explanations[language, default: [:]][code] = explain(
          CodedMessage(code), in: language, fillParameters: false)
      }
    }
  }

  /// Loads content and catalogs from folders and indexes them.
  public static func load(content: URL, locales: URL) -> (index: HelpIndex, problems: [ContentProblem]) {
    let library = ContentLibrary.load(from: content)
    let (localizer, catalogErrors) = Localizer.load(from: locales)
    let problems =
      library.problems
      + catalogErrors.map {
        ContentProblem(
          file: $0.file, line: $0.line, rule: "catalog", message: $0.reason, fix: "correct the catalog file")
      }
    return (HelpIndex(library: library, localizer: localizer), problems)
  }

  public func article(uid: String) -> Article? { uids[uid].map { library.articles[$0] } }

  public func articles(in language: Language) -> [Article] {
    library.articles.filter { $0.language == language.rawValue }
  }

  /// The article and section explaining a code in a language, if written.
  public func section(for code: FlowCode, in language: Language) -> (article: Article, section: Section)? {
    guard let (a, s) = codeSections[language]?[code] else { return nil }
    return (library.articles[a], library.articles[a].sections[s])
  }

  /// Explains a code in a language. Whatever is missing in that language comes from English,
  /// field by field, and `fallbacks` names those fields.
  public func explain(_ code: FlowCode, in language: Language) -> Explanation {
    explanations[language]?[code] ?? explain(CodedMessage(code), in: language, fillParameters: false)
  }

  /// Explains a code in the best language of an Accept-Language header (English when none
  /// fits). This is the help desk's hot path: it allocates nothing beyond the result.
  public func explain(_ code: FlowCode, acceptLanguage: String) -> Explanation {
    explain(code, in: LanguageNegotiation.bestMatch(acceptLanguage: acceptLanguage) ?? .en)
  }

  /// Explains an engine result: the same as for its code, with the message's parameters filled in.
  public func explain(_ message: CodedMessage, in language: Language) -> Explanation {
    explain(message, in: language, fillParameters: true)
  }

  private func explain(_ coded: CodedMessage, in language: Language, fillParameters: Bool) -> Explanation {
    let code = coded.code
    var fallbacks: [String] = []
    let title = localizer.title(code, in: language)
    if title.isFallback { fallbacks.append("title") }
    let message =
      fillParameters
      ? localizer.message(coded, in: language)
      : localizer.string(SourceStrings.messageKey(code), in: language)!
    if message.isFallback { fallbacks.append("message") }
    var found = section(for: code, in: language)
    if found == nil, language != .en, let english = section(for: code, in: .en) {
      found = english
      fallbacks += ["meaning", "resolution"]
    }
    let reference = found.map {
      Explanation.ArticleReference(
        uid: $0.article.uid, title: $0.article.title, slug: $0.article.slug,
        anchor: $0.section.anchor ?? code.id)
    }
    let problem = localizer.catalogUnavailable(for: language).map {
      Explanation.CatalogProblem(
        language: language, status: localizer.refused[language] == nil ? "missing" : "refused", file: $0.file,
        line: $0.line, reason: $0.reason)
    }
    return Explanation(
      code: code.id, kind: code.kind.rawValue, title: title.text, message: message.text,
      meaning: found?.section.meaning.joined(separator: "\n\n") ?? "",
      resolution: found?.section.resolution ?? [],
      article: reference, language: language, fallbacks: fallbacks, retired: code.definition.isRetired,
      catalogProblem: problem)
  }

  /// Every flow and participant status with its label.
  public func states(in language: Language) -> [StateLabel] {
    FlowStatus.allCases.map {
      let label = localizer.label($0, in: language)
      return StateLabel(
        kind: "flow", code: $0.rawValue, label: label.text, language: language, isFallback: label.isFallback)
    }
      + ParticipantStatus.allCases.map {
        let label = localizer.label($0, in: language)
        return StateLabel(
          kind: "participant", code: $0.rawValue, label: label.text, language: language,
          isFallback: label.isFallback)
      }
  }
}

extension Article {
  /// The uid that ties the translations of one article together: the English source's uid.
  /// `translates` names it; without it, the uid's language part is replaced
  /// (`help-nl-flow-run-pause-end` belongs with `help-en-flow-run-pause-end`).
  public var translationGroup: String {
    if let source = frontMatter.translates { return source }
    // The first language part of the uid, wherever it is.
    let first = ["-en-", "-nl-", "-sv-"].compactMap { uid.range(of: $0) }
      .filter { $0.lowerBound > uid.startIndex && $0.upperBound < uid.endIndex }.min {
        $0.lowerBound < $1.lowerBound
      }
    return first.map { uid.replacingCharacters(in: $0, with: "-en-") } ?? uid
  }
}
