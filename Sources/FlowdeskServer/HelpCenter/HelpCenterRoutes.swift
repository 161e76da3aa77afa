import FlowEngine
import Foundation
import HelpContent
import HelpSearch
import Hummingbird
import Localization

/// The help center: HTML pages rendered from the articles, one per article and per code, a
/// list of every code, and search, each with a search box and a language switcher. Pages go
/// through the Mustache templates in `Templates/`; article HTML was sanitized when the
/// content was loaded. An address that names no page gets a page-not-found page (status 404)
/// in the page's language.
struct HelpCenterRoutes {
  let help: HelpService

  /// Each page is built by a value made for its request over the content being served at the
  /// time, so one page never mixes two loads of the content.
  static func register(on router: Router<FlowdeskContext>, content: LiveContent) {
    // The templates are read and parsed here, at start-up, once for the life of the process.
    _ = HelpCenterTemplates.library
    router.get("/help") { _, context -> Response in
      Response(
        status: .found,
        headers: [.location: "/help/\(context.language.language.rawValue)", .vary: "Accept-Language"])
    }
    router.get("/help/:lang") { _, context -> Response in
      let pages = Self(help: content.current)
      guard let language = pages.pageLanguage(context) else { return try pages.notFound(context) }
      return try pages.page(pages.index(language), "index", language)
    }
    router.get("/help/:lang/search") { request, context -> Response in
      let pages = Self(help: content.current)
      guard let language = pages.pageLanguage(context) else { return try pages.notFound(context) }
      // Hummingbird's query parameters keep `+` as written; a form sends a space as `+`.
      let query = FormEncoding.value("q", in: request.uri.query) ?? ""
      return try pages.page(pages.search(query, language), "search", language)
    }
    router.get("/help/:lang/codes") { _, context -> Response in
      let pages = Self(help: content.current)
      guard let language = pages.pageLanguage(context) else { return try pages.notFound(context) }
      return try pages.page(pages.codes(language), "codes", language)
    }
    router.get("/help/:lang/codes/:code") { _, context -> Response in
      let pages = Self(help: content.current)
      guard let language = pages.pageLanguage(context),
        let code = context.parameters.get("code").flatMap({ FlowCode(lookup: $0) })
      else { return try pages.notFound(context) }
      return try pages.page(pages.codePage(code, language), "code", language)
    }
    router.get("/help/:lang/:slug") { _, context -> Response in
      let pages = Self(help: content.current)
      guard let language = pages.pageLanguage(context),
        let slug = context.parameters.get("slug"),
        let article = pages.help.index.articles(in: language).first(where: { $0.slug == slug })
      else { return try pages.notFound(context) }
      return try pages.page(pages.articlePage(article, language), "article", language)
    }
  }

  /// The language in the path wins over the negotiated one; nil when it names none of ours.
  func pageLanguage(_ context: FlowdeskContext) -> Language? {
    context.parameters.get("lang").flatMap { LanguageTag($0)?.supported }
  }

  func page(_ model: Any, _ template: String, _ language: Language, status: HTTPResponse.Status = .ok) throws
    -> Response
  {
    Reply.html(try HelpCenterTemplates.render(model, with: template), status: status, language: language)
  }

  /// The page-not-found page, in the path's language, else the negotiated one.
  func notFound(_ context: FlowdeskContext) throws -> Response {
    let language = pageLanguage(context) ?? context.language.language
    return try page(notFoundPage(language), "not-found", language, status: .notFound)
  }

  // MARK: Pages

  func index(_ language: Language) -> IndexPage {
    let strings = HelpCenterStrings.of(language)
    let lang = language.rawValue
    return IndexPage(
      chrome: Chrome(strings.home, language) { "/help/\($0.rawValue)" }, heading: strings.home,
      articles: help.index.articles(in: language).sorted { $0.title < $1.title }.map {
        IndexPage.ArticleItem(
          href: "/help/\(lang)/\($0.slug)", title: $0.title, description: $0.frontMatter.description)
      },
      codesHref: "/help/\(lang)/codes", codesLabel: strings.codes,
      codes: FlowCode.allCases.sorted().map {
        IndexPage.CodeItem(
          href: "/help/\(lang)/codes/\($0.id)", id: $0.id, title: help.localizer.title($0, in: language).text)
      })
  }

  func articlePage(_ article: Article, _ language: Language) -> ArticlePage {
    ArticlePage(
      chrome: Chrome(article.title, language) { "/help/\($0.rawValue)/\(article.slug)" },
      sanitizedHTML: article.sanitizedHTML)
  }

  func codePage(_ code: FlowCode, _ language: Language) -> CodePage {
    let strings = HelpCenterStrings.of(language)
    let explanation = help.index.explain(code, in: language)
    // The article is the English one when the language has no section for the code.
    let articleLanguage = explanation.fallbacks.contains("meaning") ? Language.en : language
    let named = PlaceholderDisplay.named
    return CodePage(
      chrome: Chrome("\(code.id) \(explanation.title)", language) { "/help/\($0.rawValue)/codes/\(code.id)" },
      id: code.id, title: explanation.title, retired: explanation.retired, retiredNote: strings.retiredNote,
      message: named(explanation.message),
      meaning: explanation.meaning.split(separator: "\n\n").map { named(String($0)) },
      hasSteps: !explanation.resolution.isEmpty, stepsLabel: strings.steps,
      steps: explanation.resolution.map(named),
      article: explanation.article.map {
        CodePage.ArticleLink(
          href: "/help/\(articleLanguage.rawValue)/\($0.slug)#\($0.anchor)", title: $0.title)
      },
      articleLabel: strings.article)
  }

  func codes(_ language: Language) -> CodesPage {
    let strings = HelpCenterStrings.of(language)
    let byKind = Dictionary(grouping: FlowCode.allCases.sorted(), by: \.kind)
    return CodesPage(
      chrome: Chrome(strings.allCodes, language) { "/help/\($0.rawValue)/codes" }, heading: strings.allCodes,
      groups: CodeKind.allCases.compactMap { kind in
        guard let codes = byKind[kind] else { return nil }
        return CodesPage.Group(
          kind: kind.rawValue, name: strings.kinds[kind] ?? kind.rawValue,
          codes: codes.map { code in
            let title = help.localizer.title(code, in: language).text
            let retired = code.definition.isRetired
            // Catalog titles of retired codes usually say so already; the word is not repeated.
            let saysRetired = title.localizedCaseInsensitiveContains(strings.retired)
            return CodesPage.Item(
              href: "/help/\(language.rawValue)/codes/\(code.id)", id: code.id, title: title,
              retired: retired,
              retiredMark: retired && !saysRetired ? strings.retired : nil)
          })
      })
  }

  func search(_ query: String, _ language: Language) throws -> SearchPage {
    let strings = HelpCenterStrings.of(language)
    let results = query.isEmpty ? [] : try help.search.search(query, language: language)
    return SearchPage(
      chrome: Chrome(strings.search, language, query: query) {
        "/help/\($0.rawValue)/search?" + FormEncoding.encode([("q", query)])
      },
      searchLabel: strings.search, query: query, hasResults: !results.isEmpty,
      results: results.map { result in
        let href =
          result.code.map { "/help/\(language.rawValue)/codes/\($0)" }
          ?? "/help/\(result.language.rawValue)/\(help.index.article(uid: result.uid)?.slug ?? "")"
          + (result.anchor.map { "#\($0)" } ?? "")
        return SearchPage.Result(href: href, title: result.title, snippet: result.snippet)
      },
      noResults: strings.noResults)
  }

  func notFoundPage(_ language: Language) -> NotFoundPage {
    let strings = HelpCenterStrings.of(language)
    return NotFoundPage(
      chrome: Chrome(strings.notFoundTitle, language) { "/help/\($0.rawValue)" },
      heading: strings.notFoundTitle,
      text: strings.notFoundText, homeHref: "/help/\(language.rawValue)", back: strings.notFoundBack)
  }
}
