import Foundation
import Testing

@testable import FlowStore

@Suite("Flat JSON columns")
struct FlatJSONTests {
  static let awkward = [
    "", "plain", "quote\"inside", "back\\slash", "tab\there", "line\nbreak", "\u{01}control", "é ë ö å",
    "emoji 😀", "a/b", "{not:json}", "[1,2]",
  ]

  @Test func stringListsReadBackExactlyAsWritten() throws {
    let text = try #require(SQLiteFlowStore.jsonText(Self.awkward, isEmpty: false))
    #expect(SQLiteFlowStore.jsonStrings(text) == Self.awkward)
    var reader = FlatJSONReader(text)
    #expect(reader.strings() == Self.awkward, "the fast reader, not the fallback, reads the writer's text")
  }

  @Test func stringMapsReadBackExactlyAsWritten() throws {
    let map = Dictionary(
      uniqueKeysWithValues: Self.awkward.enumerated().map { ("k\($0.offset)\($0.element)", $0.element) })
    let text = try #require(SQLiteFlowStore.jsonText(map, isEmpty: false))
    var reader = FlatJSONReader(text)
    #expect(reader.stringMap() == map)
  }

  @Test func textFromFoundationsWriterReadsTheSame() throws {
    let map = ["path": "a/b", "name": "Zoë", "smile": "😀", "quote": "\"", "empty": ""]
    let data = try JSONSerialization.data(withJSONObject: map, options: [.prettyPrinted])
    var reader = FlatJSONReader(String(decoding: data, as: UTF8.self))
    #expect(reader.stringMap() == map)
    var escaped = FlatJSONReader(#"["\u00e9", "\ud83d\ude00", "\/"]"#)
    #expect(escaped.strings() == ["é", "😀", "/"])
  }

  @Test(arguments: [
    "", "[", "[\"a\"", "[\"a\",]", "[1]", "[\"a\"] x", "{\"a\":1}", "{\"a\":{\"b\":\"c\"}}", "\"a\"",
    "[\"\\x\"]", "[\"\\ud83d\"]", "[\"raw\ncontrol\"]",
  ])
  func unexpectedTextIsLeftToFoundation(text: String) {
    var list = FlatJSONReader(text)
    var map = FlatJSONReader(text)
    #expect(list.strings() == nil)
    #expect(map.stringMap() == nil)
  }
}
