import FlowEngine
import Localization

/// The help center's own words (headings, buttons, the page-not-found text), per language.
/// Codes, statuses and articles bring their words from the catalogs and the content.
struct HelpCenterStrings: Sendable {
  let home: String
  let search: String
  let codes: String
  let allCodes: String
  let steps: String
  let article: String
  let noResults: String
  let retired: String
  let retiredNote: String
  let notFoundTitle: String
  let notFoundText: String
  let notFoundBack: String
  /// The heading of each kind of code on the codes page, in the registry's order of kinds.
  let kinds: [CodeKind: String]

  static func of(_ language: Language) -> HelpCenterStrings {
    switch language {
    case .en: english
    case .nl: dutch
    case .sv: swedish
    }
  }

  static let english = HelpCenterStrings(
    home: "Help center", search: "Search", codes: "Codes", allCodes: "All codes", steps: "How to fix it",
    article: "Read more in", noResults: "Nothing found.", retired: "retired",
    retiredNote: "This code is retired: the engine no longer produces it.",
    notFoundTitle: "Page not found", notFoundText: "There is no help page at this address.",
    notFoundBack: "Go to the help center",
    kinds: [
      .refusal: "Refusals", .dropOut: "Drop-outs", .actionError: "Action errors", .skip: "Skipped actions",
      .reschedule: "Rescheduled actions", .deliveryFailure: "Delivery failures",
    ])

  static let dutch = HelpCenterStrings(
    home: "Helpcentrum", search: "Zoeken", codes: "Codes", allCodes: "Alle codes", steps: "Zo los je het op",
    article: "Lees meer in", noResults: "Niets gevonden.", retired: "uitgefaseerd",
    retiredNote: "Deze code is uitgefaseerd: de engine geeft haar niet meer.",
    notFoundTitle: "Pagina niet gevonden", notFoundText: "Op dit adres staat geen helppagina.",
    notFoundBack: "Naar het helpcentrum",
    kinds: [
      .refusal: "Weigeringen", .dropOut: "Uitval", .actionError: "Actiefouten", .skip: "Overgeslagen stappen",
      .reschedule: "Opnieuw geplande acties", .deliveryFailure: "Bezorgfouten",
    ])

  static let swedish = HelpCenterStrings(
    home: "Hjälpcenter", search: "Sök", codes: "Koder", allCodes: "Alla koder", steps: "Så åtgärdar du det",
    article: "Läs mer i", noResults: "Inget hittades.", retired: "utfasad",
    retiredNote: "Den här koden är utfasad: motorn ger den inte längre.",
    notFoundTitle: "Sidan hittades inte", notFoundText: "Det finns ingen hjälpsida på den här adressen.",
    notFoundBack: "Till hjälpcentret",
    kinds: [
      .refusal: "Avvisningar", .dropOut: "Bortfall", .actionError: "Åtgärdsfel", .skip: "Överhoppade steg",
      .reschedule: "Omplanerade åtgärder", .deliveryFailure: "Leveransfel",
    ])
}
