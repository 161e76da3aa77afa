import Foundation
import Mustache

/// The help center's Mustache templates (`Templates/*.mustache`, bundled with the package),
/// read and parsed once, the first time a page is rendered. A value written `{{name}}` is
/// escaped for HTML; the only `{{{unescaped}}}` value is an article's sanitized HTML.
enum HelpCenterTemplates {
  static let names = ["layout", "index", "article", "code", "codes", "search", "not-found"]

  struct Missing: Error, CustomStringConvertible {
    let name: String
    var description: String { "the help-center template \(name).mustache is not in the package's resources" }
  }

  /// The parsed templates, or why they could not be read.
  static let library: Result<MustacheLibrary, any Error> = Result { try load() }

  static func load() throws -> MustacheLibrary {
    var library = MustacheLibrary()
    for name in names {
      guard
        let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates")
      else { throw Missing(name: name) }
      try library.register(String(contentsOf: url, encoding: .utf8), named: name)
    }
    return library
  }

  /// Renders a page model (its stored properties are the template's names) with a template.
  static func render(_ page: Any, with name: String) throws -> String {
    let library = try library.get()
    guard let html = library.render(page, withTemplate: name) else { throw Missing(name: name) }
    return html
  }
}
