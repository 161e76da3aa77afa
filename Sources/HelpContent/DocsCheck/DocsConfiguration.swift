import Foundation
import Localization
import Yams

/// What `flowdesk docs check` runs, read from `.flowdesk-docs.yml` at the content root and
/// overridden by flags:
///
/// ```yaml
/// rules: [front-matter, links, labels, parity, terminology]
/// source_language: en
/// termbase: terms/status.tbx     # relative to the content root
/// link_roots: [..]               # folders outside the content root that links may reach
/// required_keys: [title]         # front-matter keys every article must have
/// ignore_links: ['^g$', '^\{\{']  # link and image targets not to check (regular expressions)
/// exclude: ['^en/_common/']      # files not to check, by their path below the content root
/// definition_term_anchors: true   # definition-list terms have ids, as Hugo can give them
/// languages: [en, zh]            # the language folders; other files are counted, not read
/// site_links: true               # links as VitePress, Docusaurus, MkDocs write them
/// ```
///
/// Without a file, every rule runs, English is the source and the catalogs' labels are the
/// termbase.
public struct DocsConfiguration: Sendable, Hashable {
  public static let fileName = ".flowdesk-docs.yml"

  public var rules: Set<DocsRule>
  public var sourceLanguage: String
  /// A TBX file; nil means Flowdesk's own termbase (the catalogs' labels).
  public var termbase: URL?
  /// Folders, besides the content root, inside which a link's target is checked. A link that
  /// leaves all of them cannot be resolved, and is not reported.
  public var linkRoots: [URL]
  /// The front-matter keys every article must have: by default all of Flowdesk's schema
  /// (`FrontMatter.requiredKeys`). A repository whose articles carry other keys lists the ones
  /// it wants, or none: an article may then have no front matter at all, and is known by its
  /// path. A key that is there is checked all the same (a date must be a date).
  public var requiredKeys: Set<String>
  /// Regular expressions for link and image targets that are not paths to check: a site
  /// generator's own forms (Hugo's glossary links `[term](g)`, a `{{< ref >}}` shortcode). A
  /// target that one of them matches, anywhere in it, is not checked by the links rule.
  public var ignoredLinks: [String]
  /// Regular expressions for files not to read at all, matched anywhere in a file's path
  /// below the content root (`en/_common/intro.md`): fragments that a site generator pulls
  /// into other pages, drafts, vendored files. An excluded file still exists for the links
  /// that reach it; its anchors are not known, so a link's anchor into it is not checked.
  public var excludedFiles: [String]
  /// Whether each term of a definition list (`Term` then `: definition`) has an id made like
  /// a heading's, as Hugo gives them with Goldmark's `autoDefinitionTermID`. Off by default:
  /// GitHub and most renderers give terms no id, and a link to one would not land.
  public var definitionTermAnchors: Bool
  /// The language folders below the content root (`[en, zh]`). Nil: folders named by
  /// language tags, when no other folder holds an article (`api`, say, is a tag too, but a
  /// folder of the same repository's articles). Files in no language folder are not read,
  /// and are counted in the summary.
  public var languages: [String]?
  /// Links as a site generator that builds a page per Markdown file writes them (VitePress,
  /// Docusaurus, MkDocs): `intro` and `intro.html` go to `intro.md`, and `/guide/intro`
  /// starts at the content root. Off: a link names a file, and one from `/` is not checked.
  public var siteLinks = false
  /// The file the configuration was read from, if any.
  public var file: URL?

  public init(
    rules: Set<DocsRule> = Set(DocsRule.allCases), sourceLanguage: String = "en", termbase: URL? = nil,
    linkRoots: [URL] = [], requiredKeys: Set<String> = Set(FrontMatter.requiredKeys),
    ignoredLinks: [String] = [], excludedFiles: [String] = [],
    definitionTermAnchors: Bool = false, file: URL? = nil
  ) {
    self.rules = rules
    self.sourceLanguage = sourceLanguage
    self.termbase = termbase
    self.linkRoots = linkRoots
    self.requiredKeys = requiredKeys
    self.ignoredLinks = ignoredLinks
    self.excludedFiles = excludedFiles
    self.definitionTermAnchors = definitionTermAnchors
    self.file = file
  }

  /// A problem with the configuration file: the check cannot run as asked.
  public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var reason: String

    public var description: String {
      if let line { return "\(file):\(line): \(reason)" }
      return "\(file): \(reason)"
    }
  }

  /// Reads `.flowdesk-docs.yml` from a content root; the defaults when there is none.
  public static func load(contentRoot: URL) throws(Failure) -> DocsConfiguration {
    let url = contentRoot.appendingPathComponent(fileName)
    guard FileManager.default.fileExists(atPath: url.path) else { return DocsConfiguration() }
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw Failure(file: fileName, line: nil, reason: "cannot be read as UTF-8 text")
    }
    return try parse(text, contentRoot: contentRoot, file: url)
  }

  public static func parse(_ text: String, contentRoot: URL, file: URL? = nil) throws(Failure)
    -> DocsConfiguration
  {
    let name = file?.lastPathComponent ?? fileName
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      throw Failure(file: name, line: nil, reason: "is not valid YAML: \(error)")
    }
    var configuration = DocsConfiguration(file: file)
    guard let node else { return configuration }
    guard let mapping = node.mapping else {
      throw Failure(file: name, line: 1, reason: "is not a mapping of keys to values")
    }
    for (key, value) in mapping {
      // Yams counts lines from 1, and the configuration is YAML from its first line.
      let line = key.mark?.line
      func strings() throws(Failure) -> [String] {
        if let sequence = value.sequence {
          var result: [String] = []
          for item in sequence {
            guard let string = item.scalar?.string else {
              throw Failure(file: name, line: line, reason: "\(key.string ?? "") must list text values")
            }
            result.append(string)
          }
          return result
        }
        if let scalar = value.scalar { return [scalar.string] }
        throw Failure(file: name, line: line, reason: "\(key.string ?? "") must be text or a list")
      }
      func flag(of key: String) throws(Failure) -> Bool {
        guard let flag = value.scalar.flatMap({ Bool.construct(from: $0) }) else {
          throw Failure(file: name, line: line, reason: "\(key) must be true or false")
        }
        return flag
      }
      func patterns(of key: String, matching what: String) throws(Failure) -> [String] {
        let patterns = value.sequence?.isEmpty == true ? [] : try strings()
        for pattern in patterns {
          if let problem = patternProblem(pattern, matching: what) {
            throw Failure(file: name, line: line, reason: "\(key) has \(problem)")
          }
        }
        return patterns
      }
      switch key.string ?? "" {
      case "rules":
        var rules: Set<DocsRule> = []
        for rule in try strings() {
          guard let parsed = DocsRule(rawValue: rule) else {
            throw Failure(
              file: name, line: line,
              reason:
                "unknown rule \(rule); rules: \(DocsRule.allCases.map(\.rawValue).joined(separator: ", "))")
          }
          rules.insert(parsed)
        }
        configuration.rules = rules
      case "source_language":
        guard let tag = try strings().first, LanguageTag(tag) != nil else {
          throw Failure(file: name, line: line, reason: "source_language must be a BCP 47 language tag")
        }
        configuration.sourceLanguage = tag
      case "termbase":
        guard let path = try strings().first else { continue }
        configuration.termbase = resolve(path, against: contentRoot)
      case "link_roots":
        configuration.linkRoots = try strings().map { resolve($0, against: contentRoot) }
      case "required_keys":
        let keys = value.sequence?.isEmpty == true ? [] : try strings()
        if keys.contains("") {
          throw Failure(
            file: name, line: line,
            reason: "required_keys has an empty value; list the keys, or write [] to require none")
        }
        for key in keys where !FrontMatter.requiredKeys.contains(key) {
          throw Failure(
            file: name, line: line,
            reason:
              "required_keys names \(key), which is not a front-matter key the checker reads; keys: "
              + FrontMatter.requiredKeys.joined(separator: ", "))
        }
        configuration.requiredKeys = Set(keys)
      case "ignore_links":
        configuration.ignoredLinks = try patterns(of: key.string ?? "", matching: "link")
      case "exclude":
        configuration.excludedFiles = try patterns(of: key.string ?? "", matching: "file")
      case "languages":
        let tags = value.sequence?.isEmpty == true ? [] : try strings()
        guard !tags.isEmpty else {
          throw Failure(file: name, line: line, reason: "languages must name at least one language folder")
        }
        if let bad = tags.first(where: { LanguageTag($0) == nil }) {
          throw Failure(
            file: name, line: line, reason: "languages has \(bad), which is not a BCP 47 language tag")
        }
        configuration.languages = tags
      case "definition_term_anchors":
        configuration.definitionTermAnchors = try flag(of: "definition_term_anchors")
      case "site_links":
        configuration.siteLinks = try flag(of: "site_links")
      default:
        throw Failure(
          file: name, line: line,
          reason:
            "unknown key \(key.string ?? ""); keys: rules, source_language, termbase, link_roots, required_keys, "
            + "ignore_links, exclude, definition_term_anchors, languages, site_links"
        )
      }
    }
    return configuration
  }

  /// What is wrong with a pattern of `ignore_links` or `exclude`, worded to follow
  /// "ignore_links has", nil when it is a usable regular expression. An empty pattern is
  /// refused: it would match every `what`.
  public static func patternProblem(_ pattern: String, matching what: String) -> String? {
    if pattern.isEmpty { return "an empty pattern, which would match every \(what); remove it" }
    do {
      _ = try Regex(pattern)
      return nil
    } catch {
      return "\(pattern), which is not a regular expression: \(error)"
    }
  }

  static func resolve(_ path: String, against root: URL) -> URL {
    path.hasPrefix("/")
      ? URL(fileURLWithPath: path).standardizedFileURL
      : root.appendingPathComponent(path).standardizedFileURL
  }
}
