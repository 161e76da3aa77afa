import Foundation

/// The rules a flow definition must follow: structure always, settings before it runs.
public enum DefinitionValidator {
  /// Problems that make a definition unusable: duplicate or empty step ids, branches that
  /// jump backwards or nowhere, a split without its everyone-else branch.
  public static func structuralProblems(of definition: FlowDefinition) -> [CodedMessage] {
    var problems: [CodedMessage] = []
    func invalid(_ reason: String) {
      problems.append(CodedMessage(.invalidFlowDefinition, ["reason": reason]))
    }
    if definition.name.trimmingCharacters(in: .whitespaces).isEmpty { invalid("name is empty") }
    var positions: [String: Int] = [:]
    for (offset, step) in definition.steps.enumerated() {
      if step.id.isEmpty { invalid("step \(offset + 1) has an empty id") }
      if positions[step.id] != nil { invalid("step id \(step.id) is used twice") }
      positions[step.id] = positions[step.id] ?? offset
    }
    for (offset, step) in definition.steps.enumerated() {
      func checkTarget(_ target: String?, _ what: String) {
        guard let target else { return }
        guard let position = positions[target] else {
          return invalid("\(what) of step \(step.id) goes to unknown step \(target)")
        }
        if position <= offset {
          invalid("\(what) of step \(step.id) goes back to step \(target); branches only go forward")
        }
      }
      switch step.action {
      case .split(let split):
        var seen: Set<String> = []
        for branch in split.branches {
          if branch.id.isEmpty || !seen.insert(branch.id).inserted {
            invalid("split \(step.id) has an empty or repeated branch id \(branch.id)")
          }
          checkTarget(branch.next, "branch \(branch.id)")
        }
        if let everyoneElse = split.everyoneElse {
          checkTarget(everyoneElse.next, "the everyone else branch")
        } else {
          problems.append(CodedMessage(.everyoneElseBranchRequired, ["step": step.id]))
        }
      case .waitTime(.duration(let seconds)) where !(seconds > 0):
        invalid("wait time \(step.id) must be longer than zero")
      case .waitForAction(let wait):
        if wait.action.isEmpty { invalid("wait for action \(step.id) names no action") }
        if !(wait.timeout > 0) { invalid("wait for action \(step.id) needs a timeout longer than zero") }
      case .updateContact(let update):
        if update.property.isEmpty { invalid("update contact \(step.id) names no property") }
        if update.property == "lifecycleStage", case .set(let value) = update.operation,
          LifecycleStage(rawValue: value) == nil
        {
          invalid(
            "update contact \(step.id) sets an unknown lifecycle stage \(value); known: "
              + LifecycleStage.allCases.map(\.rawValue).joined(separator: ", "))
        }
      default: break
      }
    }
    return problems
  }

  /// Everything that keeps a flow from starting, each missing setting its own reason.
  public static func startProblems(of definition: FlowDefinition) -> [CodedMessage] {
    var problems = structuralProblems(of: definition)
    let settings = definition.settings
    func missing(_ value: String?) -> Bool { (value ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
    if definition.steps.isEmpty { problems.append(CodedMessage(.flowHasNoSteps)) }
    let hasEmail = definition.steps.contains { if case .sendEmail = $0.action { true } else { false } }
    let hasSMS = definition.steps.contains { if case .sendSMS = $0.action { true } else { false } }
    if hasEmail {
      if missing(settings.emailFrom) {
        problems.append(CodedMessage(.missingEmailFrom, ["setting": "emailFrom"]))
      }
      if missing(settings.emailReplyTo) {
        problems.append(CodedMessage(.missingEmailReplyTo, ["setting": "emailReplyTo"]))
      }
      if missing(settings.subscriptionType) {
        problems.append(CodedMessage(.missingSubscriptionType, ["setting": "subscriptionType"]))
      }
    }
    if hasSMS, missing(settings.smsSender) {
      problems.append(CodedMessage(.missingSmsSender, ["setting": "smsSender"]))
    }
    if let reason = settings.timeWindow?.problem {
      problems.append(CodedMessage(.invalidTimeWindow, ["reason": reason]))
    }
    return problems
  }
}
