import FlowEngine
import Foundation

/// A string in the language it was found in. When the requested language has no
/// translation, the English source is used for that string only, and `isFallback` says so.
public struct LocalizedString: Sendable, Hashable, Codable {
  public var text: String
  public var language: Language
  public var isFallback: Bool

  public init(text: String, language: Language, isFallback: Bool) {
    self.text = text
    self.language = language
    self.isFallback = isFallback
  }
}

/// Catalog strings by language, with English (the registry's source strings) underneath.
public struct Localizer: Sendable {
  public private(set) var catalogs: [Language: Catalog]
  /// Catalogs that were found but refused (a DOCTYPE, malformed XML, an unreadable file), by
  /// the language their file name gives (`nl.xliff`): that language's strings are English.
  public private(set) var refused: [Language: CatalogError]

  public init(catalogs: [Catalog] = [], refused: [Language: CatalogError] = [:]) {
    var byLanguage: [Language: Catalog] = [:]
    for catalog in catalogs { byLanguage[catalog.language] = catalog }
    self.catalogs = byLanguage
    self.refused = refused.filter { byLanguage[$0.key] == nil }
  }

  /// Why a language's strings are all English: its catalog was refused, or there is none.
  /// Nil for English and for a language whose catalog was loaded.
  public func catalogUnavailable(for language: Language) -> CatalogError? {
    guard language != .en, catalogs[language] == nil else { return nil }
    return refused[language]
      ?? CatalogError(file: "locales/\(language.rawValue).xliff", line: nil, reason: "was not found")
  }

  /// Loads `nl.xliff` and `sv.xliff` (any `*.xliff`) from a folder, reporting every bad file.
  public static func load(from folder: URL) -> (localizer: Localizer, errors: [CatalogError]) {
    var catalogs: [Catalog] = []
    var errors: [CatalogError] = []
    var refused: [Language: CatalogError] = [:]
    let files =
      (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil))?
      .filter { $0.pathExtension == "xliff" }.sorted { $0.lastPathComponent < $1.lastPathComponent } ?? []
    if files.isEmpty {
      let exists = FileManager.default.fileExists(atPath: folder.path)
      errors.append(
        CatalogError(
          file: folder.path, line: nil,
          reason: exists ? "holds no .xliff catalogs" : "the locales folder does not exist"))
    }
    for file in files {
      do {
        let catalog = try XLIFF.read(file, displayName: "locales/\(file.lastPathComponent)")
        if file.deletingPathExtension().lastPathComponent != catalog.language.rawValue {
          errors.append(
            CatalogError(
              file: "locales/\(file.lastPathComponent)", line: nil,
              reason: "target-language \(catalog.language.rawValue) does not match the file name"))
        }
        catalogs.append(catalog)
      } catch {
        errors.append(error)
        if let language = Language(rawValue: file.deletingPathExtension().lastPathComponent) {
          refused[language] = error
        }
      }
    }
    return (Localizer(catalogs: catalogs, refused: refused), errors)
  }

  /// The string with this id in a language, falling back to English for this string only.
  /// A translation whose English source no longer matches is still used (it is reported by
  /// `flowdesk docs check` as stale).
  public func string(_ id: String, in language: Language) -> LocalizedString? {
    guard let source = SourceStrings.byId[id] else { return nil }
    if language != .en, let translation = catalogs[language]?.unit(id)?.translation {
      return LocalizedString(text: translation, language: language, isFallback: false)
    }
    return LocalizedString(text: source, language: .en, isFallback: language != .en)
  }

  public func label(_ status: FlowStatus, in language: Language) -> LocalizedString {
    string(SourceStrings.flowStatusKey(status), in: language)!
  }

  public func label(_ status: ParticipantStatus, in language: Language) -> LocalizedString {
    string(SourceStrings.participantStatusKey(status), in: language)!
  }

  public func title(_ code: FlowCode, in language: Language) -> LocalizedString {
    string(SourceStrings.titleKey(code), in: language)!
  }

  /// The one-line message with its parameters filled in.
  /// A `status` is given as its label, and a `reason` that names a reason id as that
  /// reason's text, both in the message's language.
  public func message(_ message: CodedMessage, in language: Language) -> LocalizedString {
    var text = string(SourceStrings.messageKey(message.code), in: language)!
    var parameters = message.parameters
    if let status = parameters["status"] {
      if let flowStatus = FlowStatus(rawValue: status) {
        parameters["status"] = label(flowStatus, in: text.language).text
      } else if let participantStatus = ParticipantStatus(rawValue: status) {
        parameters["status"] = label(participantStatus, in: text.language).text
      }
    }
    var reasonFellBack = false
    text.text = Reasons.fill(text.text, with: parameters) { id in
      let reason = string(id, in: text.language)
      reasonFellBack = reason?.isFallback ?? false
      return reason?.text
    }
    text.isFallback = text.isFallback || reasonFellBack
    return text
  }

  /// Every status label of a language, flow statuses first: what a state mention may be.
  public func stateLabels(in language: Language) -> [(key: String, label: String)] {
    FlowStatus.allCases.map { ("flow.\($0.rawValue)", label($0, in: language).text) }
      + ParticipantStatus.allCases.map { ("participant.\($0.rawValue)", label($0, in: language).text) }
  }
}
