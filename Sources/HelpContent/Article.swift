import FlowEngine
import Foundation

/// A help article: front matter, rendered HTML, and the structure read from it.
public struct Article: Sendable {
  /// Where the article was loaded from, for messages (`content/nl/flow-edit.md`).
  public var path: String
  public var url: URL
  /// The language folder the file is in, when the content has language folders.
  public var folderLanguage: String?
  public var frontMatter: FrontMatter
  public var markdown: String
  /// The line in the file where the markdown body starts.
  public var bodyLine: Int
  public var html: String
  /// `html` made safe to serve (`HTMLSanitizer`), once when the article is loaded, with links
  /// between articles pointing at their help-center pages.
  public var sanitizedHTML: String
  /// Sections in document order; text before the first heading is a section with level 0.
  public var sections: [Section]
  public var links: [Link]
  public var images: [Link]
  /// The path below the language folder (`marketing/flows/learn/run.md`), or the file name
  /// when the content has no language folders: translations in the DocFX layout share it.
  public var relativePath: String = ""

  public var uid: String { frontMatter.uid }
  public var language: String { frontMatter.language }
  public var title: String { frontMatter.title }
  /// The file name without its extension.
  public var slug: String { url.deletingPathExtension().lastPathComponent }

  /// The section explaining a code.
  public func section(for code: FlowCode) -> Section? { sections.first { $0.anchor == code.id } }
}

/// A heading and what follows it up to the next heading.
public struct Section: Sendable, Hashable {
  public var level: Int
  /// The id of the `<a id="..."></a>` anchor in the heading.
  public var anchor: String?
  /// The heading text without its anchor.
  public var heading: String
  public var line: Int
  /// The last line of the section (before the next heading).
  public var endLine: Int
  /// Paragraph texts before the first ordered list: what a code means.
  public var meaning: [String]
  /// Items of each ordered list, in order. The first one holds a code's resolution steps.
  public var orderedLists: [[String]]
  /// Status lists: bullet lists whose items start with a bold label and a colon.
  public var statusLists: [[String]]
  /// Bold and italic texts outside status lists, trimmed of a trailing colon.
  public var emphasis: [String]
  /// HTML comments, such as hidden scenarios, with their lines.
  public var comments: [(text: String, line: Int)]
  /// All text of the section, for search.
  public var text: String

  /// The code this section explains, when its anchor is a code id (`FD1002`).
  public var codeAnchor: String? {
    guard let anchor, Self.looksLikeCode(anchor) else { return nil }
    return anchor
  }

  /// `FD` and four digits. Checked by hand: a regex literal here was parsed again on every
  /// call and cost a tenth of content loading.
  static func looksLikeCode(_ text: String) -> Bool {
    let bytes = text.utf8
    guard bytes.count == 6, bytes.starts(with: "FD".utf8) else { return false }
    return bytes.dropFirst(2).allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
  }

  /// The ordered steps to fix the code: the first ordered list.
  public var resolution: [String] { orderedLists.first ?? [] }

  public static func == (lhs: Section, rhs: Section) -> Bool {
    lhs.anchor == rhs.anchor && lhs.heading == rhs.heading && lhs.line == rhs.line && lhs.text == rhs.text
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(anchor)
    hasher.combine(line)
  }
}

/// A link or image reference in an article.
public struct Link: Sendable, Hashable {
  public var target: String
  public var text: String
  public var line: Int
}
