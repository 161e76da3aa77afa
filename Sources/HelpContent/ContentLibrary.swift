import FlowEngine
import Foundation
import Localization
import Logging

/// Every article of a content folder, with every problem found while loading it.
public struct ContentLibrary: Sendable {
  public var root: URL
  public var articles: [Article]
  /// Problems found while loading: one bad file never hides the others.
  public var problems: [ContentProblem]
  /// Files that could not become articles.
  public var rejectedFiles: [String]
  /// Files left out on purpose (`excluding`): not read, and not among the rejected.
  public var excludedFiles: [String] = []
  /// The code anchors (`<a id="FD1002">`) in files that could not become articles, by the
  /// language folder they are in: the codes those files would hold once they load.
  public var rejectedCodeAnchors: [String: Set<String>] = [:]
  /// The language folders found, as written (`de`, `pt-BR`); empty for a flat folder.
  public var languageFolders: [String] = []
  /// The article files in no language folder when there are language folders (named with
  /// `languages:`, or beside the ones found, such as a `LICENSE.md`): not read, and counted
  /// so that the check cannot pass for having read them.
  public var filesOutsideLanguages: [String] = []

  /// Articles by uid.
  public var byUID: [String: Article] {
    Dictionary(articles.map { ($0.uid, $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// Loads a content folder. When folders named by BCP 47 language tags are inside (`en`, `nl`,
  /// `de`, `pt-BR`; like `content/` or a DocFX repository), each is read with its subfolders,
  /// and each article's language must match its folder; otherwise every `.md` and `.txt` file of
  /// the folder and its subfolders is read as an article (like the seeds).
  /// `requiredKeys`: the front-matter keys every article must have; Flowdesk's own content
  /// has them all, a documentation team's repository may ask for fewer. `excluding`: regular
  /// expressions for files not to read, matched anywhere in the path below `root` (with `/`,
  /// such as `en/_common/x.md`); such a file still exists for the links that reach it.
  public static func load(
    from root: URL, displayRoot: String? = nil, logger: Logger? = nil,
    requiredKeys: Set<String> = Set(FrontMatter.requiredKeys), excluding: [Regex<AnyRegexOutput>] = [],
    languages: [String]? = nil
  ) -> ContentLibrary {
    let display = displayRoot ?? root.lastPathComponent
    var library = ContentLibrary(root: root, articles: [], problems: [], rejectedFiles: [])
    guard isFolder(root) else {
      library.problems.append(
        ContentProblem(
          file: display, line: nil, rule: ContentProblem.folderRule,
          message: "the content folder \(root.path) does not exist",
          fix: "point --content at a folder of articles"))
      return library
    }
    // Every article file, once, then sorted into language folders, if there are any.
    let all = articleFiles(in: root)
    let languageFolders = languages ?? languageFolderNames(in: root)
    func folder(of relative: String) -> String? {
      languageFolders.first { relative.hasPrefix($0 + "/") }
    }
    for language in languages ?? [] where !isFolder(root.appendingPathComponent(language)) {
      library.problems.append(
        ContentProblem(
          file: "\(display)/\(language)", line: nil, rule: ContentProblem.folderRule,
          message: "languages names \(language), but the content folder has no folder \(language)",
          fix: "correct languages in \(DocsConfiguration.fileName), or add the folder"))
    }
    var files: [(url: URL, path: String, relative: String, folder: String?)] = []
    if languages == nil,
      languageFolders.isEmpty
        || all.contains(where: { $0.relative.contains("/") && folder(of: $0.relative) == nil })
    {
      // Folders named like languages (`api` is a tag too) are the languages only when no
      // other folder holds an article; else every file is read, and none is left out unseen.
      // Files beside the language folders (a LICENSE.md) are counted, not read.
      files = all.map { ($0.url, "\(display)/\($0.relative)", $0.relative, nil) }
    } else {
      library.languageFolders = languageFolders
      for file in all {
        guard let language = folder(of: file.relative) else {
          library.filesOutsideLanguages.append("\(display)/\(file.relative)")
          continue
        }
        files.append(
          (
            file.url, "\(display)/\(file.relative)", String(file.relative.dropFirst(language.count + 1)),
            language
          ))
      }
    }
    for file in files {
      let below = file.folder.map { "\($0)/\(file.relative)" } ?? file.relative
      if excluding.contains(where: { below.contains($0) }) {
        library.excludedFiles.append(file.path)
        continue
      }
      guard let data = try? Data(contentsOf: file.url) else {
        library.reject(
          file.path,
          ContentProblem(
            file: file.path, line: nil, rule: "load", message: "the file cannot be read",
            fix: "check its permissions"))
        continue
      }
      guard let text = String(data: data, encoding: .utf8) else {
        library.reject(
          file.path,
          ContentProblem(
            file: file.path, line: nil, rule: "load", message: "the file is not UTF-8 text",
            fix: "save it as UTF-8"))
        continue
      }
      let (article, problems) = ArticleParser.parse(
        text: text, url: file.url, path: file.path, folderLanguage: file.folder, required: requiredKeys)
      library.problems += problems
      guard var article else {
        library.rejectedFiles.append(file.path)
        let anchors = codeAnchors(in: text)
        if !anchors.isEmpty { library.rejectedCodeAnchors[file.folder ?? "", default: []].formUnion(anchors) }
        continue
      }
      article.relativePath = file.relative
      library.problems += schemaProblems(of: article)
      library.articles.append(article)
    }
    library.problems += uniquenessProblems(library.articles)
    if library.articles.isEmpty, library.rejectedFiles.isEmpty {
      // A check that read nothing must not pass for one that found nothing.
      let left = library.excludedFiles.count + library.filesOutsideLanguages.count
      library.problems.append(
        ContentProblem(
          file: display, line: nil, rule: ContentProblem.folderRule,
          message: left == 0
            ? "the content folder \(root.path) holds no article (.md, .markdown or .txt file)"
            : "no article was read: \(library.excludedFiles.count) file(s) excluded, "
              + "\(library.filesOutsideLanguages.count) outside the language folders",
          fix: left == 0
            ? "point --content at the folder of the articles (folders linked to are not followed)"
            : "check exclude and languages in \(DocsConfiguration.fileName)"))
    }
    logger?.debug(
      "loaded content",
      metadata: ["articles": "\(library.articles.count)", "problems": "\(library.problems.count)"])
    return library
  }

  private mutating func reject(_ path: String, _ problem: ContentProblem) {
    rejectedFiles.append(path)
    problems.append(problem)
  }

  /// Subfolders whose names are BCP 47 tags with a two- or three-letter language
  /// (`en`, `de`, `pt-BR`, `zh-Hant`): a `media` or `images` folder is not a language.
  static func languageFolderNames(in root: URL) -> [String] {
    let entries =
      (try? FileManager.default.contentsOfDirectory(
        at: root, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles])) ?? []
    return entries.filter { url in
      let name = url.lastPathComponent
      guard (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true,
        let tag = LanguageTag(name), (2...3).contains(tag.language.count)
      else { return false }
      return true
    }
    .map(\.lastPathComponent).sorted()
  }

  private static func isFolder(_ url: URL) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
      && isDirectory.boolValue
  }

  /// The article files below a folder, with their paths relative to it, in path order.
  /// Hidden files and folders, and README.md files, are not articles.
  static func articleFiles(in folder: URL) -> [(url: URL, relative: String)] {
    guard
      let enumerator = FileManager.default.enumerator(
        at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
    else { return [] }
    let base = folder.standardizedFileURL.pathComponents
    var found: [(url: URL, relative: String)] = []
    for case let url as URL in enumerator {
      guard ["md", "txt", "markdown"].contains(url.pathExtension.lowercased()),
        url.lastPathComponent != "README.md",
        (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
      else { continue }
      let components = url.standardizedFileURL.pathComponents
      let relative = components.dropFirst(base.count).joined(separator: "/")
      found.append((url, relative))
    }
    return found.sorted { $0.relative < $1.relative }
  }

  /// The code ids of `<a id="FD....">` anchors in a text, read without parsing it.
  static func codeAnchors(in text: String) -> Set<String> {
    Set(text.matches(of: /id\s*=\s*["'](FD[0-9]{4})["']/).map { String($0.1) })
  }

  /// Schema rules that need the whole article: language, codes named, anchors with codes.
  static func schemaProblems(of article: Article) -> [ContentProblem] {
    var problems: [ContentProblem] = []
    let matter = article.frontMatter
    func problem(_ line: Int?, _ message: String, _ fix: String) {
      problems.append(
        ContentProblem(file: article.path, line: line, rule: "front-matter", message: message, fix: fix))
    }
    if let folder = article.folderLanguage, folder.lowercased() != matter.language.lowercased() {
      problem(
        matter.lines["language"], "language \(matter.language) does not match the folder \(folder)",
        "set language: \(folder), or move the file")
    } else if LanguageTag(matter.language) == nil {
      problem(
        matter.lines["language"], "language \(matter.language) is not a BCP 47 language tag",
        "set language to a tag such as en, nl, sv or de")
    }
    for code in matter.codes where FlowCode(rawValue: code) == nil {
      problem(
        matter.lines["codes"], "codes names \(code), which is not in the registry",
        "remove \(code) or correct it (flowdesk codes lists them)")
    }
    for section in article.sections {
      if let code = section.codeAnchor, FlowCode(rawValue: code) == nil {
        problems.append(
          ContentProblem(
            file: article.path, line: section.line, rule: "coverage",
            message: "the anchor \(code) names a code that is not in the registry",
            fix: "correct the code in the anchor, or remove the section"))
      }
    }
    return problems
  }

  static func uniquenessProblems(_ articles: [Article]) -> [ContentProblem] {
    var first: [String: Article] = [:]
    var problems: [ContentProblem] = []
    for article in articles {
      if let earlier = first[article.uid] {
        problems.append(
          ContentProblem(
            file: article.path, line: article.frontMatter.lines["uid"], rule: "front-matter",
            message: "uid \(article.uid) is already used by \(earlier.path)",
            fix: "give each article its own uid"))
      } else {
        first[article.uid] = article
      }
    }
    return problems
  }
}
