import FlowEngine
import Foundation
import Testing

@testable import FlowdeskServer

@Suite("Webhook payload")
struct WebhookPayloadTests {
  /// A body is JSON that any parser reads back to the message's own values, whatever they hold.
  @Test func theBodyReadsBackToTheMessageWhateverItsTextsHold() throws {
    let awkward = "quote \" backslash \\ slash / newline \n tab \t bell \u{7} nul \u{0} ü 🎉 \u{2028}"
    let message = OutboxMessage(
      idempotencyKey: "flow-1/jörg/hello/1", channel: .email, flowId: "flow-1", contactId: "jörg",
      stepId: "hello", attempt: 1, to: "j@example.com", from: "news@example.com", replyTo: nil,
      subject: awkward, body: "line one\r\nline two", html: "<p>\(awkward)</p>", language: "nl",
      createdAt: Date(timeIntervalSince1970: 0))
    let at = Date(timeIntervalSince1970: 1_796_150_000)
    let body = WebhookPayload(message, at: at).body
    let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    #expect(object["type"] as? String == "message.email")
    #expect(object["timestamp"] as? String == "2026-12-01T18:33:20Z")
    let data = try #require(object["data"] as? [String: Any])
    #expect(data["messageId"] as? String == message.messageId)
    #expect(data["flowId"] as? String == "flow-1")
    #expect(data["contactId"] as? String == "jörg")
    #expect(data["stepId"] as? String == "hello")
    #expect(data["channel"] as? String == "email")
    #expect(data["language"] as? String == "nl")
    #expect(data["to"] as? String == "j@example.com")
    #expect(data["from"] as? String == "news@example.com")
    #expect(data["replyTo"] is NSNull)
    #expect(data["subject"] as? String == awkward)
    #expect(data["text"] as? String == "line one\r\nline two")
    #expect(data["html"] as? String == "<p>\(awkward)</p>")
    #expect(data.count == 12, "every member is present, null or not: \(data.keys.sorted())")
  }

  @Test func anSMSHasNullsWhereAnEmailHasTexts() throws {
    let message = OutboxMessage(
      idempotencyKey: "flow-2/c1/remind/1", channel: .sms, flowId: "flow-2", contactId: "c1",
      stepId: "remind", attempt: 1, to: "+46700000000", from: nil, replyTo: nil, subject: nil,
      body: "See you", createdAt: Date(timeIntervalSince1970: 0))
    let body = WebhookPayload(message, at: Date(timeIntervalSince1970: 0)).body
    let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    #expect(object["type"] as? String == "message.sms")
    let data = try #require(object["data"] as? [String: Any])
    for name in ["from", "replyTo", "subject", "html", "language"] {
      #expect(data[name] is NSNull, "\(name)")
    }
    #expect(data["text"] as? String == "See you")
  }
}
