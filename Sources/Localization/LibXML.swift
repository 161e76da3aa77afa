import CLibXML2
import Foundation

/// Thin, safe helpers over libxml2, shared by the catalog and article readers.
public enum LibXML {
  /// The parser is set up once per process, before any parse.
  private static let initialized: Bool = {
    xmlInitParser()
    return true
  }()

  /// Options for untrusted XML: no network, no DTD loading, no entity substitution.
  static let safeXMLOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue)

  /// A parsed document, freed when the value goes away.
  public final class Document {
    let pointer: xmlDocPtr
    init(_ pointer: xmlDocPtr) { self.pointer = pointer }
    deinit { xmlFreeDoc(pointer) }

    /// The root element.
    public var root: Node? { xmlDocGetRootElement(pointer).map(Node.init) }
    /// Whether the document declares a DOCTYPE (an internal or external subset).
    public var hasDoctype: Bool { pointer.pointee.intSubset != nil || pointer.pointee.extSubset != nil }
  }

  /// An element or text node of a document; valid while its document lives.
  public struct Node {
    let pointer: xmlNodePtr

    public var isElement: Bool { pointer.pointee.type == XML_ELEMENT_NODE }
    public var isText: Bool { pointer.pointee.type == XML_TEXT_NODE }
    public var isComment: Bool { pointer.pointee.type == XML_COMMENT_NODE }
    /// The element's local name, lowercased.
    public var name: String {
      pointer.pointee.name.map { String(cString: $0).lowercased() } ?? ""
    }
    public var line: Int { Int(xmlGetLineNo(pointer)) }

    public var children: [Node] {
      var result: [Node] = []
      var child = pointer.pointee.children
      while let current = child {
        result.append(Node(pointer: current))
        child = current.pointee.next
      }
      return result
    }

    public var elements: [Node] { children.filter(\.isElement) }

    /// Every attribute, in document order, names lowercased.
    public var attributes: [(name: String, value: String)] {
      var result: [(String, String)] = []
      var attribute = pointer.pointee.properties
      while let current = attribute {
        let name = current.pointee.name.map { String(cString: $0).lowercased() } ?? ""
        var value = ""
        if let content = xmlNodeListGetString(pointer.pointee.doc, current.pointee.children, 1) {
          value = String(cString: content)
          flowdesk_xml_free(content)
        }
        result.append((name, value))
        attribute = current.pointee.next
      }
      return result
    }

    public func attribute(_ name: String) -> String? {
      guard let value = xmlGetProp(pointer, name) else { return nil }
      defer { flowdesk_xml_free(value) }
      return String(cString: value)
    }

    /// All text inside the node.
    public var text: String {
      guard let content = xmlNodeGetContent(pointer) else { return "" }
      defer { flowdesk_xml_free(content) }
      return String(cString: content)
    }

    /// Elements below this one, depth first, in document order.
    public func descendants(named wanted: Set<String>) -> [Node] {
      var found: [Node] = []
      for child in elements {
        if wanted.contains(child.name) { found.append(child) }
        found += child.descendants(named: wanted)
      }
      return found
    }
  }

  /// A parse failure with libxml2's own line and message.
  public struct ParseFailure: Error {
    public var line: Int?
    public var message: String
  }

  /// Parses XML from untrusted bytes: no network, no DTD, no entity expansion.
  public static func parseXML(_ data: Data, url: String) throws(ParseFailure) -> Document {
    _ = initialized
    xmlResetLastError()
    let document = data.withUnsafeBytes { buffer -> xmlDocPtr? in
      guard let base = buffer.baseAddress else { return nil }
      return xmlReadMemory(
        base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), url, nil, safeXMLOptions)
    }
    guard let document else { throw lastFailure(default: "not well-formed XML") }
    return Document(document)
  }

  /// Parses an HTML fragment (such as rendered markdown) leniently, without network access.
  public static func parseHTML(_ html: String) -> Document? {
    _ = initialized
    let wrapped = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\(html)</body></html>"
    let options = Int32(
      HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
        | HTML_PARSE_NOBLANKS.rawValue)
    let document = wrapped.withCString { htmlReadMemory($0, Int32(strlen($0)), nil, "UTF-8", options) }
    return document.map(Document.init)
  }

  private static func lastFailure(default message: String) -> ParseFailure {
    guard let error = xmlGetLastError() else { return ParseFailure(line: nil, message: message) }
    let text = error.pointee.message.map { String(cString: $0) } ?? message
    let line = Int(error.pointee.line)
    return ParseFailure(
      line: line > 0 ? line : nil, message: text.trimmingCharacters(in: .whitespacesAndNewlines))
  }
}
