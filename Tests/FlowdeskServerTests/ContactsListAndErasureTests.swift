import FlowEngine
import FlowStore
import FlowdeskServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Contacts list and erasure")
struct ContactsListAndErasureTests {
  @Test func contactsArePagedInIdOrderAndFiltered() async throws {
    try await ServiceFixture().test { client in
      for (id, language) in [("c1", "nl-BE"), ("c2", "en"), ("c3", "nl"), ("c4", "sv")] {
        try await client.call(
          .put, "/v1/contacts/\(id)", json: #"{"email": "\#(id)@example.com", "language": "\#(language)"}"#)
      }
      var ids: [String] = []
      var cursor: String?
      repeat {
        let page = try await client.call(
          .get, "/v1/contacts?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""),
          token: ServiceFixture.readerToken)
        #expect(page.status == .ok)
        ids += (page.body["contacts"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        cursor = page.body["next"] as? String
      } while cursor != nil && ids.count < 10
      #expect(ids == ["c1", "c2", "c3", "c4"])
      let dutch = try await client.call(.get, "/v1/contacts?language=nl")
      #expect(
        (dutch.body["contacts"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["c1", "c3"])
      let one = try await client.call(.get, "/v1/contacts?email=C2@EXAMPLE.COM")
      #expect((one.body["contacts"] as? [[String: Any]])?.count == 1)
    }
  }

  @Test func erasureRemovesPersonalDataAndPendingMessagesButKeepsCountsAndAnAudit() async throws {
    let delivery = try await DeliveryFixture(contacts: 2)
    try await delivery.fixture.test { client in
      let reader = try await client.call(.delete, "/v1/contacts/c0", token: ServiceFixture.readerToken)
      #expect(reader.status == .forbidden)
      let erased = try await client.call(.delete, "/v1/contacts/c0")
      #expect(erased.status == .ok)
      #expect(erased.body["droppedMessages"] as? Int == 1)
      #expect(erased.body["flows"] as? [String] == ["flow-1"])
      let contact = try await client.call(.get, "/v1/contacts/c0")
      #expect(contact.body["email"] == nil || contact.body["email"] is NSNull)
      #expect((contact.body["properties"] as? [String: Any])?.isEmpty ?? true)
      let outbox = try await client.call(.get, "/v1/outbox")
      let left = (outbox.body["messages"] as? [[String: Any]] ?? []).compactMap { $0["contactId"] as? String }
      #expect(left == ["c1"])
      let flow = try await client.call(.get, "/v1/flows/flow-1")
      #expect((flow.body["participants"] as? [String: Int])?.values.reduce(0, +) == 2)
      let audit = try await client.call(.get, "/v1/flows/flow-1/audit")
      let actions = (audit.body["entries"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
      #expect(actions.contains("eraseContact"))
      let unknown = try await client.call(.delete, "/v1/contacts/nobody")
      #expect(unknown.status == .notFound)
      #expect(unknown.body["code"] as? String == "FD1402")
    }
  }

  /// A contact's language chooses the variant of its messages: one that is no BCP 47 tag
  /// (`xx-invalid-!!`, found by probing) was stored, and its messages came out in the
  /// default language.
  @Test func aContactsLanguageMustBeALanguageTag() async throws {
    try await ServiceFixture().test { client in
      for bad in ["xx-invalid-!!", ""] {
        let refused = try await client.call(
          .put, "/v1/contacts/lang1", json: #"{"email": "l@example.com", "language": "\#(bad)"}"#)
        #expect(refused.status == .unprocessableContent, "\(refused.raw)")
        #expect(refused.body["field"] as? String == "language", "\(refused.raw)")
      }
      let stored = try await client.call(
        .put, "/v1/contacts/lang1", json: #"{"email": "l@example.com", "language": "nl-BE"}"#)
      #expect(stored.status == .ok, "\(stored.raw)")
      #expect(stored.body["language"] as? String == "nl-BE")
    }
  }

  /// A path id with a NUL character (`%00`) is a coded 400 naming the field. SQLite's text
  /// bindings end at a NUL, so before this `DELETE /v1/contacts/victim%00x` erased the
  /// contact `victim`. Nothing of `victim` changes, whatever the method.
  @Test func anIdWithANulCharacterIsRefusedAndTouchesNoOtherContact() async throws {
    try await ServiceFixture().test { client in
      try await client.call(
        .put, "/v1/contacts/victim", json: #"{"email": "victim@example.com", "consent": true}"#)
      let attempts: [(HTTPRequest.Method, String?)] = [
        (.delete, nil), (.put, #"{"email": "evil@example.com", "consent": false}"#), (.get, nil),
      ]
      for (method, json) in attempts {
        let answer = try await client.call(method, "/v1/contacts/victim%00x", json: json)
        #expect(answer.status == .badRequest, "\(method): \(answer.raw)")
        #expect(answer.body["code"] as? String == "FD1502", "\(method): \(answer.raw)")
        #expect(answer.body["field"] as? String == "id", "\(method): \(answer.raw)")
      }
      let victim = try await client.call(.get, "/v1/contacts/victim")
      #expect(victim.body["email"] as? String == "victim@example.com", "\(victim.raw)")
      #expect(victim.body["consent"] as? Bool == true, "\(victim.raw)")
    }
  }
}
