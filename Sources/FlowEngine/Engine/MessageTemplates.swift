import Foundation
import Mustache
import Synchronization

/// A message's content: the variant for a contact's language, and its templates rendered
/// with swift-mustache. Templates are checked when a flow is saved, so a send never meets
/// one that does not parse.
public enum MessageTemplates {
  /// The language of a step's own texts when the flow names none.
  public static let fallbackLanguage = "en"

  /// One problem (FD1205) for each template of a step that does not parse, naming the step,
  /// the language, the field and where the parser stopped.
  static func problems(
    step: String, base: MessageContent, variants: [String: MessageContent], defaultLanguage: String
  ) -> [CodedMessage] {
    var problems: [CodedMessage] = []
    let contents = [(defaultLanguage, base)] + variants.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    for (language, content) in contents {
      for (field, template) in [("subject", content.subject), ("text", content.text), ("html", content.html)]
      {
        guard let template else { continue }
        do {
          _ = try MustacheTemplate(string: template)
        } catch let error as MustacheTemplate.ParserError {
          problems.append(
            CodedMessage(
              .templateDoesNotParse,
              [
                "step": step, "language": language, "field": field,
                "line": String(error.context.lineNumber), "column": String(error.context.columnNumber),
              ]))
        } catch {
          problems.append(
            CodedMessage(
              .templateDoesNotParse,
              ["step": step, "language": language, "field": field, "line": "1", "column": "1"]))
        }
      }
    }
    return problems
  }

  /// The content for a contact's language, negotiated like `Accept-Language`: the variant
  /// whose tag is the contact's, else one of the same primary language (`nl-BE` takes `nl`),
  /// else the flow's default language. What a variant leaves out comes from the step's own
  /// texts.
  static func variant(
    for language: String?, base: MessageContent, variants: [String: MessageContent], defaultLanguage: String
  ) -> (language: String, content: MessageContent) {
    let byTag = Dictionary(
      variants.map { ($0.key.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
    if let wanted = language?.trimmingCharacters(in: .whitespaces).lowercased(), !wanted.isEmpty {
      if let match = byTag[wanted] { return (match.key, match.value.over(base)) }
      let primary = String(wanted.prefix { $0 != "-" && $0 != "_" })
      if let match = byTag[primary] { return (match.key, match.value.over(base)) }
      let sameLanguage = variants.keys.sorted().first {
        $0.lowercased().prefix { $0 != "-" && $0 != "_" } == primary
      }
      if let key = sameLanguage, let content = variants[key] { return (key, content.over(base)) }
    }
    if let own = byTag[defaultLanguage.lowercased()] { return (own.key, own.value.over(base)) }
    return (defaultLanguage, base)
  }

  /// Templates parsed before, by source: a flow's step renders the same few templates for
  /// every participant, and parsing cost more than rendering. Emptied when it grows past
  /// `cachedTemplateLimit`, so edits that keep changing a template cannot grow it for ever.
  private static let parsed = Mutex<[String: MustacheTemplate]>([:])
  static let cachedTemplateLimit = 512

  /// `source` parsed, from the cache when it was parsed before; nil when it does not parse.
  static func parsedTemplate(_ source: String) -> MustacheTemplate? {
    if let cached = parsed.withLock({ $0[source] }) { return cached }
    guard let template = try? MustacheTemplate(string: source) else { return nil }
    parsed.withLock { cache in
      if cache.count >= cachedTemplateLimit { cache.removeAll(keepingCapacity: true) }
      cache[source] = template
    }
    return template
  }

  /// Renders every text of `content` for `contact`; only `html` escapes what it inserts.
  static func render(_ content: MessageContent, for contact: Contact) -> MessageContent {
    // Without "{{" there is no tag (even a delimiter change starts with one): the text is its
    // own rendering, and the contact's values are not even gathered.
    let texts = [content.subject, content.text, content.html]
    guard texts.contains(where: { $0.map(hasTag) ?? false }) else { return content }
    var values: [String: Any] = [:]
    for (key, value) in contact.properties { values[key] = value }
    values["id"] = contact.id
    values["email"] = contact.email ?? ""
    values["mobile"] = contact.mobile ?? ""
    values["language"] = contact.language ?? ""
    values["companyId"] = contact.companyId ?? ""
    values["lifecycleStage"] = contact.lifecycleStage?.rawValue ?? ""
    values["properties"] = contact.properties
    let context: [String: Any] = ["contact": values]
    func render(_ template: String?, html: Bool) -> String? {
      guard let template else { return nil }
      guard hasTag(template) else { return template }
      guard let parsed = parsedTemplate(html ? template : "{{% CONTENT_TYPE: TEXT}}" + template) else {
        return template
      }
      return parsed.render(context)
    }
    return MessageContent(
      subject: render(content.subject, html: false), text: render(content.text, html: false),
      html: render(content.html, html: true))
  }

  /// Whether `template` has "{{", found in its bytes (Foundation's `contains` compares as
  /// Unicode text, at many times the cost).
  static func hasTag(_ template: String) -> Bool {
    var previous: UInt8 = 0
    for byte in template.utf8 {
      if byte == UInt8(ascii: "{"), previous == byte { return true }
      previous = byte
    }
    return false
  }
}
