import Foundation
import Localization

/// Makes rendered article HTML safe to serve: only known elements and attributes survive;
/// scripts, styles, frames, event handlers, comments and URLs that could leave the site by
/// another scheme (`javascript:`), a protocol-relative host (`//evil.example`) or a backslash
/// that browsers read as a slash (`\\evil`, `/\evil`) are removed.
public enum HTMLSanitizer {
  static let allowedElements: Set<String> = [
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "br", "hr", "span", "div", "del",
  ]
  /// Elements removed together with everything inside them.
  static let droppedElements: Set<String> = [
    "script", "style", "iframe", "object", "embed", "frame", "frameset", "form", "input", "button",
    "textarea",
    "select", "link", "meta", "base", "svg", "math", "template", "noscript",
  ]
  static let allowedAttributes: [String: Set<String>] = [
    "a": ["href", "id", "title"], "img": ["src", "alt", "title"], "th": ["align"], "td": ["align"],
    "i": ["class", "aria-label"], "span": ["class"], "code": ["class"], "ol": ["start"],
  ]
  static let urlAttributes: Set<String> = ["href", "src"]

  /// Sanitizes an HTML fragment; `rewriteLink` may change each kept `href`. A URL is checked
  /// before and after the rewriting: a link the rewriting made dangerous is removed too.
  public static func sanitize(_ html: String, rewriteLink: (String) -> String = { $0 }) -> String {
    guard let document = LibXML.parseHTML(html), let root = document.root else { return escape(html) }
    return sanitize(body: root.elements.first { $0.name == "body" } ?? root, rewriteLink: rewriteLink)
  }

  /// Sanitizes the children of an already parsed body element.
  static func sanitize(body: LibXML.Node, rewriteLink: (String) -> String = { $0 }) -> String {
    var output = ""
    for child in body.children { write(child, into: &output, rewriteLink: rewriteLink) }
    return output
  }

  /// The help center's link between articles: a relative link to an article file points at
  /// its page (`flow-edit.md#editing` becomes `flow-edit#editing`). Only a `.md` that ends the
  /// path is removed; anything else is returned as written.
  public static func articlePageLink(_ href: String) -> String {
    guard !href.contains(":") else { return href }
    let end = href.firstIndex { $0 == "#" || $0 == "?" } ?? href.endIndex
    let path = href[..<end]
    guard path.hasSuffix(".md"), path.count > 3 else { return href }
    return String(path.dropLast(3)) + href[end...]
  }

  private static func write(_ node: LibXML.Node, into output: inout String, rewriteLink: (String) -> String) {
    if node.isText {
      output += escape(node.text)
      return
    }
    guard node.isElement else { return }  // comments and processing instructions go
    let name = node.name
    if droppedElements.contains(name) { return }
    guard allowedElements.contains(name) else {
      // Unknown elements are unwrapped: their text stays, the element goes.
      for child in node.children { write(child, into: &output, rewriteLink: rewriteLink) }
      return
    }
    output += "<\(name)"
    let allowed = allowedAttributes[name] ?? []
    for (attribute, value) in node.attributes where allowed.contains(attribute) {
      var kept = value
      if urlAttributes.contains(attribute) {
        // `[text](<a file.md>)`: the brackets are Markdown's, not the URL's.
        kept = ArticleParser.destination(value)
        guard isSafeURL(kept) else { continue }
        if attribute == "href" { kept = rewriteLink(kept) }
        guard isSafeURL(kept) else { continue }
      }
      output += " \(attribute)=\"\(escape(kept))\""
    }
    if name == "br" || name == "hr" || name == "img" {
      output += ">"
      return
    }
    output += ">"
    for child in node.children { write(child, into: &output, rewriteLink: rewriteLink) }
    output += "</\(name)>"
  }

  /// Relative URLs on this site, anchors, http(s) and mailto only. Browsers drop white space
  /// and control characters inside a URL and read a backslash as a slash, so the check does
  /// too: `//host`, `\\host`, `/\host` and `\/host` all name another host and are refused.
  public static func isSafeURL(_ value: String) -> Bool {
    let cleaned = value.unicodeScalars.filter {
      !CharacterSet.whitespacesAndNewlines.contains($0) && $0.value >= 0x20 && $0.value != 0x7F
    }
    // Code points, not characters: a combining mark after the colon (`java:\u{301}`) or after
    // a backslash makes one character of the two, and would hide the colon or the backslash
    // from a search by character.
    let lowered = String(String.UnicodeScalarView(cleaned)).lowercased().unicodeScalars.map {
      $0 == "\\" ? "/" : $0
    }
    if lowered.starts(with: ["/", "/"]) { return false }
    guard let colon = lowered.firstIndex(of: ":") else { return true }
    if let slash = lowered.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }), slash < colon {
      return true
    }
    let scheme = String(String.UnicodeScalarView(lowered[..<colon]))
    return ["http", "https", "mailto"].contains(scheme)
  }

  /// Escapes text for HTML element content and attribute values.
  public static func escape(_ text: String) -> String {
    // By bytes: each special character is one ASCII byte, and is escaped even where a
    // combining mark follows it (which makes it part of another character).
    guard text.utf8.contains(where: { entity(for: $0) != nil }) else { return text }
    var result: [UInt8] = []
    result.reserveCapacity(text.utf8.count + 16)
    for byte in text.utf8 {
      if let entity = entity(for: byte) {
        entity.withUTF8Buffer { result.append(contentsOf: $0) }
      } else {
        result.append(byte)
      }
    }
    return String(decoding: result, as: UTF8.self)
  }

  /// The entity that stands for a byte in escaped text, nil for a byte that stays.
  private static func entity(for byte: UInt8) -> StaticString? {
    switch byte {
    case UInt8(ascii: "&"): "&amp;"
    case UInt8(ascii: "<"): "&lt;"
    case UInt8(ascii: ">"): "&gt;"
    case UInt8(ascii: "\""): "&quot;"
    case UInt8(ascii: "'"): "&#39;"
    default: nil
    }
  }
}
