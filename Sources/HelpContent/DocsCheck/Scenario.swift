import FlowEngine
import Foundation
import Yams

/// A hidden, machine-run example in an English code section: a short sequence of engine
/// actions and what it must produce. Written as YAML inside an HTML comment:
///
/// ```
/// <!-- scenario
/// flow: {settings: {emailReplyTo: null}}
/// do: [start]
/// expect: {code: FD1002}
/// -->
/// ```
///
/// - `flow`: changes to the default flow (complete settings; steps: email, wait 24 hours,
///   finish). `settings` and `trigger` are merged key by key; other keys replace.
/// - `contacts`: contact id to changed fields; `ann` exists and is reachable by default.
/// - `do`: actions in order: `start`, `pause`, `resume`, `end`, `delete`, `advance`,
///   `{setAside: ID}` (what a host does when a participant's step cannot be stored);
///   `{enroll: ID}`, `{reenroll: ID}`, `{advance: 24h}` (s, m, h, d), `{edit: CHANGES}`,
///   `{editAsReader: CHANGES}`, `{contact: {ID: CHANGES}}`, `{action: {contact: ID, name: NAME}}`.
///   A refused action ends the run.
/// - `expect`: `code` (produced as a refusal, drop-out reason or history event), `status`
///   (the flow's status at the end, or `deleted`), `participants` (contact id to status).
public struct Scenario: Sendable {
  public var source: String
  public var line: Int

  /// The marker that starts a scenario comment.
  public static let marker = "scenario"

  /// What running a scenario showed.
  public struct Outcome: Sendable {
    public var codes: [String]
    public var flowStatus: String
    public var participants: [String: String]
    public var disagreements: [String]
  }

  public struct Invalid: Error, Sendable, CustomStringConvertible {
    public var description: String
  }

  static let start = Date(timeIntervalSince1970: 1_767_258_000)  // 2026-01-01 09:00 UTC

  static var defaultFlow: [String: Any] {
    [
      "name": "Scenario",
      "settings": [
        "emailFrom": "news@example.com", "emailReplyTo": "help@example.com", "smsSender": "Flowdesk",
        "subscriptionType": "newsletter",
      ],
      "trigger": [String: Any](),
      "steps": [
        ["id": "welcome", "type": "sendEmail", "subject": "Welcome"],
        ["id": "wait", "type": "waitTime", "hours": 24],
        ["id": "done", "type": "finish"],
      ],
    ]
  }

  static var defaultContact: [String: Any] {
    [
      "email": "ann@example.com", "mobile": "+46700000000", "consent": true, "subscriptions": ["newsletter"],
    ]
  }

  /// Runs the scenario on a fresh engine and compares what happened with `expect`.
  public func run() throws(Invalid) -> Outcome {
    let document: [String: Any]
    do {
      guard let loaded = try Yams.load(yaml: source) as? [String: Any] else {
        throw Invalid(description: "the scenario is not a YAML mapping")
      }
      document = Self.plain(loaded) as? [String: Any] ?? [:]
    } catch let error as Invalid {
      throw error
    } catch {
      throw Invalid(description: "the scenario is not valid YAML: \(error)")
    }
    let known: Set<String> = ["flow", "contacts", "do", "expect"]
    if let unknown = document.keys.first(where: { !known.contains($0) }) {
      throw Invalid(description: "unknown scenario key \(unknown); use flow, contacts, do, expect")
    }
    guard let expect = document["expect"] as? [String: Any], !expect.isEmpty else {
      throw Invalid(description: "the scenario has no expect")
    }
    let clock = ManualClock(Self.start)
    var engine = FlowEngine(clock: clock)
    var contacts: [String: [String: Any]] = ["ann": Self.defaultContact]
    for (id, changes) in document["contacts"] as? [String: Any] ?? [:] {
      contacts[id] = Self.merge(Self.defaultContact, changes as? [String: Any] ?? [:], deep: false)
    }
    for (id, fields) in contacts { engine.upsertContact(try Self.contact(id, fields)) }

    var definitionFields = Self.merge(Self.defaultFlow, document["flow"] as? [String: Any] ?? [:], deep: true)
    var codes: [String] = []
    var flowId = ""
    do {
      flowId = try engine.createFlow(try Self.definition(definitionFields)).id
      actions: for action in document["do"] as? [Any] ?? [] {
        let (verb, argument) = try Self.verb(action)
        do {
          switch verb {
          case "start": try engine.start(flowId)
          case "pause": try engine.pause(flowId)
          case "resume": try engine.resume(flowId)
          case "end": try engine.end(flowId)
          case "delete": try engine.delete(flowId)
          case "enroll": try engine.enroll(try Self.text(argument, verb), in: flowId)
          case "reenroll": try engine.reenroll(try Self.text(argument, verb), in: flowId)
          case "setAside": try engine.setAside(try Self.text(argument, verb), in: flowId)
          case "advance":
            if let argument { clock.advance(by: try Self.duration(argument)) }
            engine.advance()
          case "edit", "editAsReader":
            definitionFields = Self.merge(definitionFields, argument as? [String: Any] ?? [:], deep: true)
            try engine.edit(
              flowId, to: try Self.definition(definitionFields),
              as: verb == "edit" ? .flowAdministrator : .reader)
          case "contact":
            for (id, changes) in argument as? [String: Any] ?? [:] {
              contacts[id] = Self.merge(
                contacts[id] ?? Self.defaultContact, changes as? [String: Any] ?? [:], deep: false)
              engine.upsertContact(try Self.contact(id, contacts[id]!))
            }
          case "action":
            let fields = argument as? [String: Any] ?? [:]
            engine.recordAction(
              try Self.text(fields["name"], "action name"),
              by: try Self.text(fields["contact"], "action contact"))
          default:
            throw Invalid(description: "unknown action \(verb)")
          }
        } catch let refusal as Refusal {
          codes += refusal.codes.map(\.id)
          break actions
        }
      }
    } catch let refusal as Refusal {
      codes += refusal.codes.map(\.id)
    } catch let invalid as Invalid {
      throw invalid
    } catch {
      throw Invalid(description: "\(error)")
    }

    var participants: [String: String] = [:]
    var status = "deleted"
    if let flow = try? engine.flow(flowId) {
      status = flow.status.rawValue
      for participant in (try? engine.participants(in: flowId)) ?? [] {
        participants[participant.contactId] = participant.status.rawValue
        if let reason = participant.reason { codes.append(reason.code.id) }
      }
      codes += ((try? engine.history(of: flowId)) ?? []).map(\.code.id)
    }
    var outcome = Outcome(codes: codes, flowStatus: status, participants: participants, disagreements: [])
    let produced = codes.isEmpty ? "no code" : codes.joined(separator: ", ")
    if let code = expect["code"] {
      let wanted = "\(code)"
      if !codes.contains(wanted) {
        outcome.disagreements.append("expected \(wanted), the engine produced \(produced)")
      }
    }
    if let wanted = expect["status"].map({ "\($0)" }), wanted != status {
      outcome.disagreements.append("expected the flow to be \(wanted), it is \(status)")
    }
    for (contact, wanted) in expect["participants"] as? [String: Any] ?? [:] {
      let actual = participants[contact] ?? "not a participant"
      if "\(wanted)" != actual {
        outcome.disagreements.append("expected \(contact) to be \(wanted), it is \(actual)")
      }
    }
    return outcome
  }

  /// Every scenario comment in an article, with its line.
  public static func all(in article: Article) -> [Scenario] {
    var result: [Scenario] = []
    let lines = ArticleParser.lines(of: article.markdown)
    var index = 0
    while index < lines.count {
      let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("<!--"),
        trimmed.dropFirst(4).trimmingCharacters(in: .whitespaces).hasPrefix(marker)
      {
        let startLine = index
        var body: [String] = []
        let firstRest = trimmed.dropFirst(4).trimmingCharacters(in: .whitespaces).dropFirst(marker.count)
        if firstRest.contains("-->") {
          body.append(firstRest.replacingOccurrences(of: "-->", with: ""))
        } else {
          if !firstRest.trimmingCharacters(in: .whitespaces).isEmpty { body.append(String(firstRest)) }
          index += 1
          while index < lines.count, !lines[index].contains("-->") {
            body.append(lines[index])
            index += 1
          }
          if index < lines.count {
            body.append(lines[index].replacingOccurrences(of: "-->", with: ""))
          }
        }
        result.append(Scenario(source: body.joined(separator: "\n"), line: article.bodyLine + startLine))
      }
      index += 1
    }
    return result
  }

  // MARK: Helpers

  /// Turns YAML values into JSON-compatible ones (dates become ISO 8601 text).
  static func plain(_ value: Any) -> Any {
    switch value {
    case let date as Date: return Date.ISO8601FormatStyle().format(date)
    case let dictionary as [String: Any]: return dictionary.mapValues(plain)
    case let dictionary as [AnyHashable: Any]:
      return Dictionary(uniqueKeysWithValues: dictionary.map { ("\($0.key)", plain($0.value)) })
    case let array as [Any]: return array.map(plain)
    case Optional<Any>.none: return NSNull()
    default: return value
    }
  }

  static func merge(_ base: [String: Any], _ changes: [String: Any], deep: Bool) -> [String: Any] {
    var result = base
    for (key, value) in changes {
      if deep, ["settings", "trigger"].contains(key), let old = base[key] as? [String: Any],
        let new = value as? [String: Any]
      {
        result[key] = merge(old, new, deep: false)
      } else {
        result[key] = value
      }
    }
    return result
  }

  static func decode<T: Decodable>(_ type: T.Type, _ fields: [String: Any], _ what: String) throws(Invalid)
    -> T
  {
    do {
      let data = try JSONSerialization.data(withJSONObject: fields)
      let decoder = JSONDecoder()
      decoder.dateDecodingStrategy = .iso8601
      return try decoder.decode(T.self, from: data)
    } catch {
      throw Invalid(description: "the \(what) is not valid: \(error)")
    }
  }

  static func definition(_ fields: [String: Any]) throws(Invalid) -> FlowDefinition {
    var cleaned = fields
    if var settings = cleaned["settings"] as? [String: Any] {
      settings = settings.filter { !($0.value is NSNull) }
      cleaned["settings"] = settings
    }
    return try decode(FlowDefinition.self, cleaned, "flow")
  }

  static func contact(_ id: String, _ fields: [String: Any]) throws(Invalid) -> Contact {
    var fields = fields.filter { !($0.value is NSNull) }
    fields["id"] = id
    return try decode(Contact.self, fields, "contact \(id)")
  }

  static func verb(_ action: Any) throws(Invalid) -> (String, Any?) {
    if let verb = action as? String { return (verb, nil) }
    if let mapping = action as? [String: Any], mapping.count == 1, let (verb, argument) = mapping.first {
      return (verb, argument)
    }
    throw Invalid(description: "an action is a word (start) or a one-key mapping ({enroll: ann})")
  }

  static func text(_ value: Any?, _ what: String) throws(Invalid) -> String {
    guard let value, !(value is NSNull) else { throw Invalid(description: "\(what) needs a value") }
    return "\(value)"
  }

  static func duration(_ value: Any) throws(Invalid) -> TimeInterval {
    let text = "\(value)".trimmingCharacters(in: .whitespaces)
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    guard let unit = text.last, let factor = units[unit], let amount = Double(text.dropLast()), amount >= 0
    else {
      throw Invalid(description: "advance takes a duration such as 30m, 24h or 7d, not \(text)")
    }
    return amount * factor
  }
}
