import FlowEngine
import Foundation
import HelpContent
import HelpSearch
import Localization

// The models the templates render. Mustache reads their stored properties by name.

/// What every page shows around its content: title, home link, search box, language switcher.
struct Chrome {
  struct LanguageLink {
    let lang: String
    let name: String
    let href: String
    let current: Bool
    /// Whether a separator comes before this link.
    let separated: Bool
  }

  let lang: String
  let title: String
  let home: String
  let search: String
  /// The search box's value: the query of a search page, else empty.
  let query: String
  let switcher: [LanguageLink]

  /// `path` gives this page's address in each language, for the switcher.
  init(_ title: String, _ language: Language, query: String = "", path: (Language) -> String) {
    let strings = HelpCenterStrings.of(language)
    self.lang = language.rawValue
    self.title = title
    self.home = strings.home
    self.search = strings.search
    self.query = query
    self.switcher = Language.allCases.enumerated().map { index, other in
      LanguageLink(
        lang: other.rawValue, name: other.endonym, href: path(other), current: other == language,
        separated: index > 0)
    }
  }
}

struct IndexPage {
  struct ArticleItem {
    let href: String
    let title: String
    let description: String
  }
  struct CodeItem {
    let href: String
    let id: String
    let title: String
  }

  let chrome: Chrome
  let heading: String
  let articles: [ArticleItem]
  let codesHref: String
  let codesLabel: String
  let codes: [CodeItem]
}

struct ArticlePage {
  let chrome: Chrome
  /// Sanitized when the content was loaded (`Article.sanitizedHTML`).
  let sanitizedHTML: String
}

struct CodePage {
  struct ArticleLink {
    let href: String
    let title: String
  }

  let chrome: Chrome
  let id: String
  let title: String
  let retired: Bool
  /// Says that the code is retired, shown on a retired code's page.
  let retiredNote: String
  let message: String
  let meaning: [String]
  let hasSteps: Bool
  let stepsLabel: String
  let steps: [String]
  let article: ArticleLink?
  let articleLabel: String
}

struct CodesPage {
  struct Group {
    let kind: String
    let name: String
    let codes: [Item]
  }
  struct Item {
    let href: String
    let id: String
    let title: String
    let retired: Bool
    /// The word "retired", for a retired code whose title does not already say it.
    let retiredMark: String?
  }

  let chrome: Chrome
  let heading: String
  let groups: [Group]
}

struct SearchPage {
  struct Result {
    let href: String
    let title: String
    let snippet: String
  }

  let chrome: Chrome
  let searchLabel: String
  let query: String
  let hasResults: Bool
  let results: [Result]
  let noResults: String
}

struct NotFoundPage {
  let chrome: Chrome
  let heading: String
  let text: String
  let homeHref: String
  let back: String
}

/// Placeholders in help-center text read as names: `{setting}` is shown as `‹setting›`.
enum PlaceholderDisplay {
  static func named(_ text: String) -> String {
    let names = Placeholders.names(in: text)
    guard !names.isEmpty else { return text }
    return Placeholders.fill(text, with: Dictionary(uniqueKeysWithValues: names.map { ($0, "‹\($0)›") }))
  }
}
