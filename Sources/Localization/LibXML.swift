import CLibXML2
import Foundation

/// Thin, safe helpers over libxml2, shared by the catalog and article readers.
public enum LibXML {
  /// The parser is set up once per process, before any parse.
  private static let initialized: Bool = {
    xmlInitParser()
    return true
  }()

  /// Options for untrusted XML: no network, no DTD loading, no entity substitution. The text
  /// is always handed over as UTF-8 (see `XMLText`), so a declared encoding is ignored.
  static let safeXMLOptions = Int32(
    XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_IGNORE_ENC.rawValue)

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
  public struct ParseFailure: Error, Sendable, Hashable {
    public var line: Int?
    public var message: String
  }

  /// One message libxml2 reported while parsing.
  public struct Diagnostic: Sendable, Hashable {
    /// An error or a fatal error, rather than a warning.
    public var isError: Bool
    public var line: Int?
    public var message: String
  }

  /// What libxml2 reports during one parse, kept instead of written to standard error.
  private final class DiagnosticCollector {
    var diagnostics: [Diagnostic] = []
  }

  /// Runs `body` with a libxml2 error handler that collects every message libxml2 reports on
  /// this thread, and puts the previous handler back afterwards. libxml2's handler is
  /// per-thread state, and the C callback cannot capture anything: the collector travels as
  /// the handler's context pointer, and lives for the call.
  static func collectingDiagnostics<T>(_ body: () -> T) -> (result: T, diagnostics: [Diagnostic]) {
    _ = initialized
    let collector = DiagnosticCollector()
    let context = Unmanaged.passUnretained(collector).toOpaque()
    let previous = flowdesk_xml_set_error_handler(
      { context, error in
        guard let context, let error else { return }
        let collector = Unmanaged<DiagnosticCollector>.fromOpaque(context).takeUnretainedValue()
        let line = Int(error.pointee.line)
        let message = error.pointee.message.map { String(cString: $0) } ?? "unknown libxml2 error"
        collector.diagnostics.append(
          Diagnostic(
            isError: error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue, line: line > 0 ? line : nil,
            message: message.trimmingCharacters(in: .whitespacesAndNewlines)))
      }, context)
    let result = withExtendedLifetime(collector) { body() }
    flowdesk_xml_restore_error_handler(previous)
    return (result, collector.diagnostics)
  }

  /// Parses XML from untrusted UTF-8 bytes: no network, no DTD, no entity expansion.
  /// libxml2's messages come back in the failure, never on standard error.
  public static func parseXML(_ data: Data, url: String) throws(ParseFailure) -> Document {
    let (document, diagnostics) = collectingDiagnostics {
      data.withUnsafeBytes { buffer -> xmlDocPtr? in
        guard let base = buffer.baseAddress else { return nil }
        return xmlReadMemory(
          base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), url, "UTF-8", safeXMLOptions)
      }
    }
    guard let document else {
      let first = diagnostics.first(where: \.isError) ?? diagnostics.first
      throw ParseFailure(line: first?.line, message: first?.message ?? "not well-formed XML")
    }
    return Document(document)
  }

  /// Parses an HTML fragment (such as rendered markdown) leniently, without network access.
  public static func parseHTML(_ html: String) -> Document? {
    let wrapped = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\(html)</body></html>"
    let options = Int32(
      HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
        | HTML_PARSE_NOBLANKS.rawValue)
    let (document, _) = collectingDiagnostics {
      wrapped.withCString { htmlReadMemory($0, Int32(strlen($0)), nil, "UTF-8", options) }
    }
    return document.map(Document.init)
  }
}
