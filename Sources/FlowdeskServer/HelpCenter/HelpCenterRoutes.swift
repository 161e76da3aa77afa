import FlowEngine
import Foundation
import HelpContent
import HelpSearch
import Hummingbird
import Localization

/// The help center: HTML pages rendered from the articles, one per article and per code,
/// with a search box and a language switcher. Article HTML is sanitized before it is served.
struct HelpCenterRoutes {
  let help: HelpService

  static let labels:
    [Language: (
      search: String, codes: String, steps: String, article: String, noResults: String, home: String
    )] = [
      .en: ("Search", "Codes", "How to fix it", "Read more in", "Nothing found.", "Help center"),
      .nl: ("Zoeken", "Codes", "Zo los je het op", "Lees meer in", "Niets gevonden.", "Helpcentrum"),
      .sv: ("Sök", "Koder", "Så åtgärdar du det", "Läs mer i", "Inget hittades.", "Hjälpcenter"),
    ]

  func register(on router: Router<FlowdeskContext>) {
    router.get("/help") { _, context -> Response in
      Response(status: .found, headers: [.location: "/help/\(context.language.language.rawValue)"])
    }
    router.get("/help/:lang") { _, context -> Response in
      let language = try pageLanguage(context)
      return Reply.html(index(language), language: language)
    }
    router.get("/help/:lang/search") { request, context -> Response in
      let language = try pageLanguage(context)
      let query = request.uri.queryParameters.get("q") ?? ""
      return Reply.html(try search(query, language), language: language)
    }
    router.get("/help/:lang/codes/:code") { _, context -> Response in
      let language = try pageLanguage(context)
      let text = try context.parameters.require("code")
      guard let code = FlowCode(lookup: text) else {
        throw APIProblem(.notFound, .unknownCode, ["code": text])
      }
      return Reply.html(codePage(code, language), language: language)
    }
    router.get("/help/:lang/:slug") { _, context -> Response in
      let language = try pageLanguage(context)
      let slug = try context.parameters.require("slug")
      guard let article = help.index.articles(in: language).first(where: { $0.slug == slug }) else {
        throw APIProblem(.notFound, .routeNotFound, ["path": "/help/\(language.rawValue)/\(slug)"])
      }
      return Reply.html(articlePage(article, language), language: language)
    }
  }

  /// The language in the path wins over the negotiated one.
  func pageLanguage(_ context: FlowdeskContext) throws -> Language {
    let text = try context.parameters.require("lang")
    guard let tag = LanguageTag(text) else {
      throw APIProblem(.badRequest, .invalidLanguageTag, ["tag": text])
    }
    guard let language = tag.supported else {
      throw APIProblem(.notFound, .routeNotFound, ["path": "/help/\(text)"])
    }
    return language
  }

  // MARK: Pages

  func layout(_ title: String, _ language: Language, path: (Language) -> String, _ body: String) -> String {
    let l = Self.labels[language]!
    let switcher = Language.allCases.map { other in
      other == language
        ? "<strong>\(other.endonym)</strong>"
        : "<a href=\"\(esc(path(other)))\" hreflang=\"\(other.rawValue)\" lang=\"\(other.rawValue)\">\(other.endonym)</a>"
    }.joined(separator: " · ")
    return """
      <!DOCTYPE html>
      <html lang="\(language.rawValue)">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(esc(title)) · Flowdesk</title>
      <style>
      body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1d2330; }
      header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap; border-bottom: 1px solid #d6dae3; padding-bottom: .5rem; }
      nav.languages { font-size: .9rem; }
      form.search input[type=search] { width: 16rem; padding: .3rem; }
      ol.steps li { margin: .4rem 0; }
      code { background: #f1f3f7; padding: 0 .2rem; border-radius: 3px; }
      blockquote { border-left: 4px solid #c4541b; margin-left: 0; padding-left: 1rem; }
      .code-id { font-family: ui-monospace, monospace; color: #5a6275; }
      </style>
      </head>
      <body>
      <header>
      <a href="/help/\(language.rawValue)">\(esc(l.home))</a>
      <form class="search" action="/help/\(language.rawValue)/search" method="get" role="search">
      <input type="search" name="q" aria-label="\(esc(l.search))" placeholder="\(esc(l.search))…">
      <button type="submit">\(esc(l.search))</button>
      </form>
      <nav class="languages">\(switcher)</nav>
      </header>
      <main>
      \(body)
      </main>
      </body>
      </html>
      """
  }

  func index(_ language: Language) -> String {
    let l = Self.labels[language]!
    let articles = help.index.articles(in: language).sorted { $0.title < $1.title }.map {
      "<li><a href=\"/help/\(language.rawValue)/\(esc($0.slug))\">\(esc($0.title))</a> — \(esc($0.frontMatter.description))</li>"
    }.joined(separator: "\n")
    let codes = FlowCode.allCases.sorted().map { code -> String in
      let title = help.localizer.title(code, in: language).text
      return
        "<li><a href=\"/help/\(language.rawValue)/codes/\(code.id)\"><span class=\"code-id\">\(code.id)</span> \(esc(title))</a></li>"
    }.joined(separator: "\n")
    return layout(
      l.home, language, path: { "/help/\($0.rawValue)" },
      """
      <h1>Flowdesk · \(esc(l.home))</h1>
      <ul>\(articles)</ul>
      <h2>\(esc(l.codes))</h2>
      <ul class="codes">\(codes)</ul>
      """)
  }

  func articlePage(_ article: Article, _ language: Language) -> String {
    let body = HTMLSanitizer.sanitize(article.html) { href in
      // Links between articles point at their pages: flow-edit.md#editing -> flow-edit#editing.
      guard !href.contains("://"), let range = href.range(of: ".md") else { return href }
      return href.replacingCharacters(in: range, with: "")
    }
    return layout(article.title, language, path: { "/help/\($0.rawValue)/\(article.slug)" }, body)
  }

  func codePage(_ code: FlowCode, _ language: Language) -> String {
    let l = Self.labels[language]!
    let explanation = help.index.explain(code, in: language)
    let steps = explanation.resolution.map { "<li>\(esc($0))</li>" }.joined(separator: "\n")
    let meaning = explanation.meaning.split(separator: "\n\n").map { "<p>\(esc(String($0)))</p>" }.joined(
      separator: "\n")
    var link = ""
    if let article = explanation.article {
      link =
        "<p>\(esc(l.article)) <a href=\"/help/\(language.rawValue)/\(esc(article.slug))#\(esc(article.anchor))\">\(esc(article.title))</a></p>"
    }
    return layout(
      "\(code.id) \(explanation.title)", language, path: { "/help/\($0.rawValue)/codes/\(code.id)" },
      """
      <h1><span class="code-id">\(code.id)</span> \(esc(explanation.title))</h1>
      <p class="message">\(esc(explanation.message))</p>
      \(meaning)
      <h2>\(esc(l.steps))</h2>
      <ol class="steps">\(steps)</ol>
      \(link)
      """)
  }

  func search(_ query: String, _ language: Language) throws -> String {
    let l = Self.labels[language]!
    let results = query.isEmpty ? [] : try help.search.search(query, language: language)
    let items = results.map { result -> String in
      let href =
        result.code.map { "/help/\(language.rawValue)/codes/\($0)" }
        ?? "/help/\(result.language.rawValue)/\(help.index.article(uid: result.uid)?.slug ?? "")#\(result.anchor ?? "")"
      return
        "<li><a href=\"\(esc(href))\">\(esc(result.title))</a><br><small>\(esc(result.snippet))</small></li>"
    }.joined(separator: "\n")
    let encoded = query.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? ""
    return layout(
      l.search, language, path: { "/help/\($0.rawValue)/search?q=\(encoded)" },
      """
      <h1>\(esc(l.search)): \(esc(query))</h1>
      \(results.isEmpty ? "<p>\(esc(l.noResults))</p>" : "<ol>\(items)</ol>")
      """)
  }

  func esc(_ text: String) -> String { HTMLSanitizer.escape(text) }
}
