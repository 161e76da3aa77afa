import FlowEngine
import Foundation
import Testing

@Suite("Code registry")
struct RegistryTests {
  @Test func codesFollowTheFormatAndKindDigit() {
    for code in FlowCode.allCases {
      #expect(code.id.wholeMatch(of: /FD[1-6][0-9]{3}/) != nil, "\(code.id)")
    }
    #expect(FlowCode.missingEmailReplyTo.kind == .refusal)
    #expect(FlowCode.consentMissing.kind == .dropOut)
    #expect(FlowCode.graymailSuppressed.kind == .actionError)
    #expect(FlowCode.actionDatePassed.kind == .skip)
    #expect(FlowCode.rescheduledOutsideTimeWindow.kind == .reschedule)
    #expect(FlowCode.receiverRejected.kind == .deliveryFailure)
  }

  @Test func everyKindOfOutcomeHasCodes() {
    let kinds = Set(FlowCode.active.map(\.kind))
    #expect(kinds == Set(CodeKind.allCases))
  }

  /// Codes are never reused or removed: every code ever published stays in the registry.
  @Test func publishedCodesAreNeverRemoved() throws {
    let published = try String(
      contentsOf: Bundle.module.url(forResource: "published-codes", withExtension: "txt")!, encoding: .utf8)
    let ids = published.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("#") }
    #expect(!ids.isEmpty)
    for id in ids {
      #expect(FlowCode(rawValue: id) != nil, "published code \(id) was removed from the registry")
    }
  }

  @Test func everyCodeHasTitleAndMessage() {
    for code in FlowCode.allCases {
      #expect(!code.definition.title.isEmpty)
      #expect(code.definition.message.hasSuffix("."), "\(code.id) message is one sentence")
    }
  }

  @Test func messagesNameTheirParameters() {
    #expect(FlowCode.missingEmailReplyTo.definition.parameters == ["setting"])
    #expect(FlowCode.rescheduledOutsideTimeWindow.definition.parameters == ["step", "time"])
    #expect(FlowCode.branchHasActiveParticipants.definition.parameters == ["branch", "step"])
    let message = CodedMessage(.missingEmailReplyTo, ["setting": "emailReplyTo"]).englishMessage
    #expect(
      message == "The flow has an email step but no reply-to address; set emailReplyTo before starting.")
  }

  @Test func everyCodeHasItsOwnTitle() {
    let titles = FlowCode.allCases.map(\.definition.title)
    #expect(Set(titles).count == titles.count)
  }

  @Test func retiredCodeStaysInRegistry() {
    #expect(FlowCode.noConsentOrSubscription.definition.isRetired)
    #expect(!FlowCode.active.contains(.noConsentOrSubscription))
  }

  @Test func codeLookupIgnoresCaseAndSpace() {
    #expect(FlowCode(lookup: " fd1002\n") == .missingEmailReplyTo)
    #expect(FlowCode(lookup: "FD9999") == nil)
  }
}
