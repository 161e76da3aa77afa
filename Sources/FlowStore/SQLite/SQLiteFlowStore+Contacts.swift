import FlowEngine
import Foundation
internal import GRDB

/// Contacts as a list, and the erasure of one person's data.
extension SQLiteFlowStore {
  static func contactPage(_ db: Database, after: String?, limit: Int, filter: ContactFilter) throws
    -> [Contact]
  {
    var conditions = ["id > ?"]
    var arguments: [any DatabaseValueConvertible] = [after ?? ""]
    if let email = filter.email {
      conditions.append("lower(email) = lower(?)")
      arguments.append(email)
    }
    if let language = filter.language {
      // `nl` matches `nl` and `nl-BE`. A prefix compared as text, not with LIKE, where a `%` or
      // `_` in the filter would be a wildcard.
      conditions.append(
        "(lower(language) = lower(?) OR substr(lower(language), 1, length(?) + 1) = lower(?) || '-')")
      arguments += [language, language, language]
    }
    if let bounced = filter.emailBounced {
      conditions.append("coalesce(email_bounced, 0) = ?")
      arguments.append(bounced ? 1 : 0)
    }
    arguments.append(limit)
    let decoder = JSONDecoder()
    return try Row.fetchAll(
      db,
      sql: """
        SELECT \(contactColumns) FROM contacts WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT ?
        """, arguments: StatementArguments(arguments)
    ).map { try contact(from: $0, decoder: decoder) }
  }

  /// Erases a contact's personal data where it is stored: the contact keeps only its id (no
  /// address, number, properties, language, company, consent or subscriptions); pending and
  /// dead messages are dropped (neither reached the receiver, and a dead one retried would be
  /// sent to the erased address); sent messages keep no address or text; the history's
  /// parameters lose the address and number. Counts and the history's codes stay.
  static func eraseContact(_ db: Database, _ id: String, placeholder: String) throws -> ContactErasure? {
    guard
      let row = try Row.fetchOne(
        db, sql: "SELECT \(contactColumns) FROM contacts WHERE id = ?", arguments: [id])
    else { return nil }
    let old = try contact(from: row, decoder: JSONDecoder())
    try db.execute(
      sql: """
        UPDATE contacts SET data = x'', email = NULL, mobile = NULL, consent = 0, subscriptions = NULL,
          marketing_contact = 0, company_id = NULL, lifecycle_stage = NULL, properties = NULL, language = NULL
        WHERE id = ?
        """, arguments: [id])
    try db.execute(
      sql: "DELETE FROM outbox WHERE contact_id = ? AND status IN ('pending', 'dead')", arguments: [id])
    let dropped = db.changesCount
    try db.execute(
      sql: """
        UPDATE outbox SET recipient = ?, subject = NULL, body = NULL, html = NULL, data = x''
        WHERE contact_id = ?
        """, arguments: [placeholder, id])
    try db.execute(
      sql: "UPDATE participants SET email_claim = NULL WHERE contact_id = ? AND email_claim IS NOT NULL",
      arguments: [id])
    let decoder = JSONDecoder()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    for history in try Row.fetchAll(
      db, sql: "SELECT id, parameters FROM history WHERE contact_id = ?", arguments: [id])
    {
      let parameters = try decoder.decode([String: String].self, from: history["parameters"] as Data)
      if let erased = old.erasing(from: parameters, placeholder: placeholder) {
        try db.execute(
          sql: "UPDATE history SET parameters = ? WHERE id = ?",
          arguments: [try encoder.encode(erased), history["id"] as Int64])
      }
    }
    let flows = try String.fetchAll(
      db, sql: "SELECT DISTINCT flow_id FROM participants WHERE contact_id = ? ORDER BY flow_id",
      arguments: [id])
    return ContactErasure(contactId: id, flows: flows, droppedMessages: dropped)
  }
}

extension SQLiteTransaction {
  func contactPage(after: String?, limit: Int, filter: ContactFilter) throws -> [Contact] {
    try SQLiteFlowStore.contactPage(db, after: after, limit: limit, filter: filter)
  }

  func eraseContact(_ id: String, placeholder: String) throws -> ContactErasure? {
    try SQLiteFlowStore.eraseContact(db, id, placeholder: placeholder)
  }
}
