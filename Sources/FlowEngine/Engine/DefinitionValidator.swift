import Foundation

/// The rules a flow definition must follow: structure always, settings before it runs.
public enum DefinitionValidator {
  /// Problems that make a definition unusable: duplicate or empty step ids, branches that
  /// jump backwards or nowhere, a split without its everyone-else branch.
  public static func structuralProblems(of definition: FlowDefinition) -> [CodedMessage] {
    var problems: [CodedMessage] = []
    func invalid(_ reason: String, _ parameters: [String: String] = [:]) {
      problems.append(
        CodedMessage(.invalidFlowDefinition, parameters.merging(["reason": "reason.\(reason)"]) { $1 }))
    }
    if definition.name.trimmingCharacters(in: .whitespaces).isEmpty { invalid("nameEmpty") }
    // Every list of flows carries each name: a name of a megabyte made one list tens of
    // megabytes, and its answer seconds and hundreds of megabytes of memory.
    let nameLength = definition.name.count
    if nameLength > FlowDefinition.maximumNameLength {
      invalid("nameTooLong", ["count": "\(nameLength)", "maximum": "\(FlowDefinition.maximumNameLength)"])
    }
    let defaultLanguage = definition.settings.defaultLanguage ?? MessageTemplates.fallbackLanguage
    var positions: [String: Int] = [:]
    for (offset, step) in definition.steps.enumerated() {
      if step.id.isEmpty { invalid("stepIdEmpty", ["position": "\(offset + 1)"]) }
      if positions[step.id] != nil { invalid("stepIdRepeated", ["step": step.id]) }
      positions[step.id] = positions[step.id] ?? offset
    }
    for (offset, step) in definition.steps.enumerated() {
      func checkTarget(_ target: String?) {
        guard let target else { return }
        guard let position = positions[target] else {
          return invalid("branchTargetUnknown", ["step": step.id, "target": target])
        }
        if position <= offset { invalid("branchGoesBack", ["step": step.id, "target": target]) }
      }
      switch step.action {
      case .split(let split):
        var seen: Set<String> = []
        for branch in split.branches {
          if branch.id.isEmpty || !seen.insert(branch.id).inserted {
            invalid("branchIdRepeated", ["step": step.id, "branch": branch.id])
          }
          checkTarget(branch.next)
        }
        if let everyoneElse = split.everyoneElse {
          checkTarget(everyoneElse.next)
        } else {
          problems.append(CodedMessage(.everyoneElseBranchRequired, ["step": step.id]))
        }
      case .sendEmail(let email):
        problems += MessageTemplates.problems(
          step: step.id, base: email.base, variants: email.content, defaultLanguage: defaultLanguage)
      case .sendSMS(let sms):
        problems += MessageTemplates.problems(
          step: step.id, base: sms.base, variants: sms.content, defaultLanguage: defaultLanguage)
      case .waitTime(.duration(let seconds)) where !(seconds > 0):
        invalid("waitNotPositive", ["step": step.id])
      case .waitForAction(let wait):
        if wait.action.isEmpty { invalid("waitForActionNeedsAction", ["step": step.id]) }
        if !(wait.timeout > 0) { invalid("waitForActionNeedsTimeout", ["step": step.id]) }
      case .updateContact(let update):
        if update.property.isEmpty { invalid("updateNeedsProperty", ["step": step.id]) }
        if update.property == "lifecycleStage", case .set(let value) = update.operation,
          LifecycleStage(rawValue: value) == nil
        {
          invalid(
            "unknownLifecycleStage",
            [
              "step": step.id, "value": value,
              "expected": LifecycleStage.allCases.map(\.rawValue).joined(separator: ", "),
            ])
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
      problems.append(
        CodedMessage(.invalidTimeWindow, reason.parameters.merging(["reason": "reason.\(reason.key)"]) { $1 })
      )
    }
    return problems
  }
}
