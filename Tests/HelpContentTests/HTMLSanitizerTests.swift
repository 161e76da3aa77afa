import HelpContent
import Testing

@Suite("HTML sanitizer")
struct HTMLSanitizerTests {
  @Test func scriptsEventHandlersAndJavascriptURLsAreRemoved() {
    let dirty = """
      <p onclick="steal()">Hi <a href="javascript:alert(1)">x</a> <a href=" JaVaScRiPt:alert(2)">y</a>
      <a href="flow-edit#editing">ok</a></p><script>alert(3)</script><img src="x.png" onerror="alert(4)">
      <iframe src="https://example.com"></iframe><style>body{}</style><!-- scenario do: [start] -->
      """
    let clean = HTMLSanitizer.sanitize(dirty)
    #expect(!clean.lowercased().contains("script"))
    #expect(!clean.contains("onclick"))
    #expect(!clean.contains("onerror"))
    #expect(!clean.contains("iframe"))
    #expect(!clean.contains("<style"))
    #expect(!clean.contains("scenario"))
    #expect(clean.contains("<a href=\"flow-edit#editing\">ok</a>"))
    #expect(clean.contains("<img src=\"x.png\">"))
    #expect(clean.contains("<a>x</a>"))
  }

  @Test func anchorsIconsAndTextSurviveEscaped() {
    let clean = HTMLSanitizer.sanitize(
      #"<h2><a id="status"></a>A &amp; B &lt;tag&gt;</h2><i class="ph ph-dots" aria-label="Menu"></i>"#)
    #expect(
      clean
        == #"<h2><a id="status"></a>A &amp; B &lt;tag&gt;</h2><i class="ph ph-dots" aria-label="Menu"></i>"#)
  }
}
