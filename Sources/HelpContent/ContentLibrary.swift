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

  /// Articles by uid.
  public var byUID: [String: Article] {
    Dictionary(articles.map { ($0.uid, $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// Loads a content folder. With `en`, `nl` and `sv` folders inside (like `content/`), each
  /// article's language must match its folder; otherwise every `.md` and `.txt` file of the
  /// folder is read as an article (like the seeds).
  public static func load(from root: URL, displayRoot: String? = nil, logger: Logger? = nil) -> ContentLibrary
  {
    let display = displayRoot ?? root.lastPathComponent
    var library = ContentLibrary(root: root, articles: [], problems: [], rejectedFiles: [])
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      library.problems.append(
        ContentProblem(
          file: display, line: nil, rule: "load", message: "the content folder does not exist",
          fix: "point --content at a folder of articles"))
      return library
    }
    let languageFolders = Language.allCases.map(\.rawValue).filter {
      var dir: ObjCBool = false
      return FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path, isDirectory: &dir)
        && dir.boolValue
    }
    var files: [(url: URL, path: String, folder: String?)] = []
    if languageFolders.isEmpty {
      files = articleFiles(in: root).map { ($0, "\(display)/\($0.lastPathComponent)", nil) }
    } else {
      for language in languageFolders {
        let folder = root.appendingPathComponent(language)
        files += articleFiles(in: folder).map {
          ($0, "\(display)/\(language)/\($0.lastPathComponent)", language)
        }
      }
    }
    for file in files {
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
        text: text, url: file.url, path: file.path, folderLanguage: file.folder)
      library.problems += problems
      guard let article else {
        library.rejectedFiles.append(file.path)
        continue
      }
      library.problems += schemaProblems(of: article)
      library.articles.append(article)
    }
    library.problems += uniquenessProblems(library.articles)
    logger?.debug(
      "loaded content",
      metadata: ["articles": "\(library.articles.count)", "problems": "\(library.problems.count)"])
    return library
  }

  private mutating func reject(_ path: String, _ problem: ContentProblem) {
    rejectedFiles.append(path)
    problems.append(problem)
  }

  static func articleFiles(in folder: URL) -> [URL] {
    let files =
      (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
    return files.filter {
      ["md", "txt", "markdown"].contains($0.pathExtension.lowercased()) && $0.lastPathComponent != "README.md"
    }
    .sorted { $0.lastPathComponent < $1.lastPathComponent }
  }

  /// Schema rules that need the whole article: language, codes named, anchors with codes.
  static func schemaProblems(of article: Article) -> [ContentProblem] {
    var problems: [ContentProblem] = []
    let matter = article.frontMatter
    func problem(_ line: Int?, _ message: String, _ fix: String) {
      problems.append(
        ContentProblem(file: article.path, line: line, rule: "front-matter", message: message, fix: fix))
    }
    if let folder = article.folderLanguage, folder != matter.language {
      problem(
        matter.lines["language"], "language \(matter.language) does not match the folder \(folder)",
        "set language: \(folder), or move the file")
    } else if LanguageTag(matter.language)?.supported == nil {
      problem(
        matter.lines["language"], "language \(matter.language) is not one of en, nl, sv",
        "set language to en, nl or sv")
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
