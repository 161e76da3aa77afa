import Foundation
import Testing

@Suite("flowdesk codes")
struct CodesCommandTests {
  struct Entry: Decodable {
    let code: String
    let kind: String
    let title: String
    let message: String
  }

  @Test func codesJSONListsEveryOutcomeOfTheDesignWithDistinctCodes() async throws {
    let result = try await CLI.run(["codes", "--format", "json"])
    #expect(result.status == 0)
    let entries = try JSONDecoder().decode([Entry].self, from: Data(result.stdout.utf8))
    #expect(Set(entries.map(\.code)).count == entries.count, "codes are distinct")
    let titles = Dictionary(uniqueKeysWithValues: entries.map { ($0.title, $0.kind) })
    // Each refusal, drop-out reason and action outcome that DESIGN.md names, by its title.
    let named: [String: String] = [
      "From address missing": "refusal", "Reply-to address missing": "refusal",
      "Flow must be ended first": "refusal", "Pause the flow to edit it": "refusal",
      "Flow administrator right needed": "refusal", "Flow is already paused": "refusal",
      "Step has active participants": "refusal", "Everyone else branch required": "refusal",
      "Branch has active participants": "refusal", "Contact is a former employee": "dropOut",
      "Contact was excluded": "dropOut", "No valid consent": "dropOut", "Not subscribed": "dropOut",
      "No email address": "dropOut", "Email address already in the flow": "dropOut",
      "Email address blocked": "dropOut", "No mobile number": "dropOut",
      "No associated record": "actionError",
      "Contact has no company": "actionError", "Lifecycle stage would move backwards": "actionError",
      "Not a marketing contact": "actionError", "Previously unsubscribed": "actionError",
      "Previously hard-bounced": "actionError", "Suppressed for low engagement": "actionError",
      "Skipped: the date has passed": "skip", "Rescheduled outside the time window": "reschedule",
    ]
    for (title, kind) in named {
      #expect(titles[title] == kind, "\(title) should be a \(kind)")
    }
  }

  @Test func codesTextPrintsOneCodePerEntry() async throws {
    let result = try await CLI.run(["codes"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("FD1002  refusal"))
    #expect(result.stdout.contains("(retired)"))
  }
}
