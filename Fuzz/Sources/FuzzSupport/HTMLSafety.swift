import Localization

/// The HTML sanitizer's promise, checked independently of the sanitizer's own code: the
/// output, parsed again with libxml2's HTML parser, has no `script` or `style` element, no
/// event-handler (`on*`) attribute, and no URL whose scheme is outside the allowed list.
public enum HTMLSafety {
  public static let allowedSchemes: Set<String> = ["http", "https", "mailto"]
  /// Attributes that browsers read as a URL.
  static let urlAttributes: Set<String> = [
    "href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background", "cite", "data",
    "codebase", "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "icon", "srcdoc",
  ]

  /// Every violation found in `html`, as text; empty when the HTML keeps the promise.
  public static func violations(in html: String) -> [String] {
    guard let document = LibXML.parseHTML(html), let root = document.root else { return [] }
    var found: [String] = []
    visit(root, into: &found)
    return found
  }

  static func visit(_ node: LibXML.Node, into found: inout [String]) {
    guard node.isElement else { return }
    let name = node.name
    if name == "script" || name == "style" { found.append("<\(name)> element") }
    for (attribute, value) in node.attributes {
      if attribute.hasPrefix("on") { found.append("\(attribute) attribute on <\(name)>") }
      if urlAttributes.contains(attribute), let scheme = scheme(of: value), !allowedSchemes.contains(scheme) {
        found.append("\(attribute)=\"\(value)\" on <\(name)> has scheme \(scheme)")
      }
      if urlAttributes.contains(attribute), isOtherHost(value) {
        found.append("\(attribute)=\"\(value)\" on <\(name)> names another host without a scheme")
      }
    }
    for child in node.children { visit(child, into: &found) }
  }

  /// The scheme as a browser reads it (WHATWG URL): leading and trailing C0 controls and
  /// spaces go, tabs and newlines go everywhere, then an ASCII letter, letters, digits, `+`,
  /// `-` or `.`, and a colon. Lowercased; nil for a relative URL.
  public static func scheme(of url: String) -> String? {
    let scalars = cleaned(url)
    guard let first = scalars.first, isLetter(first) else { return nil }
    var scheme = ""
    for scalar in scalars {
      if scalar == ":" { return scheme.lowercased() }
      guard isLetter(scalar) || ("0"..."9").contains(scalar) || "+-.".unicodeScalars.contains(scalar) else {
        return nil
      }
      scheme.unicodeScalars.append(scalar)
    }
    return nil
  }

  /// `//host`, `\\host`, `/\host`, `\/host`: a protocol-relative URL to another site.
  public static func isOtherHost(_ url: String) -> Bool {
    let scalars = cleaned(url)
    guard scalars.count >= 2 else { return false }
    return (scalars[0] == "/" || scalars[0] == "\\") && (scalars[1] == "/" || scalars[1] == "\\")
  }

  static func cleaned(_ url: String) -> [Unicode.Scalar] {
    var scalars = Array(url.unicodeScalars)
    while let first = scalars.first, first.value <= 0x20 { scalars.removeFirst() }
    while let last = scalars.last, last.value <= 0x20 { scalars.removeLast() }
    return scalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }
  }

  static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
  }
}
