import FlowEngine
import Foundation
import Testing

@Suite("Message content")
struct MessageContentTests {
  static let welcome = SendEmail(
    subject: "Welcome, {{contact.firstName}}", text: "Your plan: {{contact.properties.plan}}",
    html: "<p>Hello {{contact.firstName}}</p>",
    content: [
      "nl": MessageContent(subject: "Welkom, {{contact.firstName}}"),
      "sv-FI": MessageContent(subject: "Välkommen, {{contact.firstName}}"),
    ])

  /// The message the welcome step writes for a contact with `language` and `firstName`.
  func message(language: String?, firstName: String = "Ann") throws -> OutboxMessage {
    var f = Fixture()
    var contact = Fixture.reachableContact("ann")
    contact.language = language
    contact.properties = ["firstName": firstName, "plan": "Pro & more"]
    f.engine.upsertContact(contact)
    var definition = Fixture.emailFlow()
    definition.steps[0] = Step(id: "welcome", .sendEmail(Self.welcome))
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    return try #require(f.engine.drainOutbox().first)
  }

  @Test func theVariantOfTheContactsLanguageIsRenderedWithTheStepsTextsForWhatItLeavesOut() throws {
    let dutch = try message(language: "nl-BE")
    #expect(dutch.language == "nl")
    #expect(dutch.subject == "Welkom, Ann")
    #expect(dutch.body == "Your plan: Pro & more")
  }

  @Test func aContactWithoutAMatchingVariantGetsTheDefaultLanguage() throws {
    let german = try message(language: "de")
    #expect(german.language == "en")
    #expect(german.subject == "Welcome, Ann")
    let none = try message(language: nil)
    #expect(none.language == "en")
  }

  @Test func aRegionalVariantServesItsLanguage() throws {
    let swedish = try message(language: "sv")
    #expect(swedish.language == "sv-FI")
    #expect(swedish.subject == "Välkommen, Ann")
  }

  @Test func onlyHTMLEscapesWhatATemplateInserts() throws {
    let sent = try message(language: "en", firstName: "<b>Ann</b>")
    #expect(sent.html == "<p>Hello &lt;b&gt;Ann&lt;/b&gt;</p>")
    #expect(sent.subject == "Welcome, <b>Ann</b>")
    #expect(sent.body == "Your plan: Pro & more")
  }

  @Test func aTemplateRenderedBeforeRendersEachContactsOwnValues() throws {
    // The second message comes from the parsed template the first one left in the cache.
    let first = try message(language: "en", firstName: "Ann")
    let second = try message(language: "en", firstName: "Bo")
    #expect(first.subject == "Welcome, Ann")
    #expect(second.subject == "Welcome, Bo")
    #expect(second.html == "<p>Hello Bo</p>")
  }

  @Test func textWithoutTagsIsSentAsWritten() throws {
    var f = Fixture()
    f.engine.upsertContact(Fixture.reachableContact("ann"))
    var definition = Fixture.emailFlow()
    let text = "Price: 5 < 6 & {braces} and {single} }"
    definition.steps[0] = Step(
      id: "welcome", .sendEmail(SendEmail(subject: "Hello & welcome", text: text, html: "<p>5 < 6</p>")))
    let id = try f.runningFlow(definition)
    try f.engine.enroll("ann", in: id)
    f.engine.advance()
    let sent = try #require(f.engine.drainOutbox().first)
    #expect(sent.subject == "Hello & welcome")
    #expect(sent.body == text)
    #expect(sent.html == "<p>5 < 6</p>")
  }

  /// Message ids are base64url of the idempotency key without padding (RFC 4648, section 5).
  /// Receivers deduplicate by them, so an id never changes between versions.
  @Test func messageIdsAreBase64URLOfTheKeyAndReadBack() {
    let known = [
      "flow-1/c1/hello/1": "msg_Zmxvdy0xL2MxL2hlbGxvLzE",
      "flow-7/jörg/stap?>/2": "msg_Zmxvdy03L2rDtnJnL3N0YXA_Pi8y",
      "~~~>>>???": "msg_fn5-Pj4-Pz8_",
    ]
    for (key, id) in known {
      #expect(OutboxMessage.messageId(forKey: key) == id)
      #expect(OutboxMessage.idempotencyKey(forMessageId: id) == key)
    }
    for id in ["msg_Zmxvdy0xL2MxL2hlbGxvLzE=", "msg_Zm+v", "msg_Zm/v", "msg_%%%", "Zmxvdy0x"] {
      #expect(OutboxMessage.idempotencyKey(forMessageId: id) == nil, "\(id)")
    }
  }

  @Test func aTemplateThatDoesNotParseIsRefusedNamingStepLanguageAndPosition() throws {
    var f = Fixture()
    var definition = Fixture.emailFlow()
    var email = Self.welcome
    email.content["nl"] = MessageContent(text: "Hallo\n{{#contact.firstName}} daar")
    definition.steps[0] = Step(id: "welcome", .sendEmail(email))
    do {
      _ = try f.engine.createFlow(definition)
      Issue.record("a flow with a broken template was created")
    } catch {
      let reason = try #require(error.reasons.first)
      #expect(reason.code == .templateDoesNotParse)
      #expect(reason.parameters["step"] == "welcome")
      #expect(reason.parameters["language"] == "nl")
      #expect(reason.parameters["field"] == "text")
      #expect(reason.parameters["line"] == "2")
    }
  }
}
