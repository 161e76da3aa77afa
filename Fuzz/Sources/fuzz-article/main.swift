import Foundation
import FuzzSupport

@testable import HelpContent

/// One article file through the loader: UTF-8 check, front matter (Yams), markdown (Ink),
/// structure (libxml2), schema checks. Its sanitized HTML must keep the sanitizer's promise.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArticle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Data(UnsafeBufferPointer(start: data, count: size))
  // The loader rejects a file that is not UTF-8 before it parses anything.
  guard let text = String(data: bytes, encoding: .utf8) else { return 0 }
  let url = URL(fileURLWithPath: "/content/en/fuzz.md")
  let (article, _) = ArticleParser.parse(
    text: text, url: url, path: "content/en/fuzz.md", folderLanguage: "en")
  guard let article else { return 0 }
  _ = ContentLibrary.schemaProblems(of: article)
  _ = ContentLibrary.uniquenessProblems([article, article])
  let violations = HTMLSafety.violations(in: article.sanitizedHTML)
  if !violations.isEmpty {
    fatalError("article HTML is unsafe: \(violations.joined(separator: "; "))\n\(article.sanitizedHTML)")
  }
  return 0
}

runLibFuzzer(fuzzArticle)
