import FlowEngine
import Foundation

/// A row that goes to PostgreSQL in a `jsonb_to_recordset` document: an object whose keys
/// are its table's column names.
protocol JSONRow {
  func append(to row: inout JSONRowWriter) throws
}

/// Writes rows as a JSON array of objects, directly. Through `JSONEncoder` (with its
/// snake-case keys) the rows of a scheduler batch took 38% of the engine's process in the
/// PostgreSQL benchmark, the key conversion alone 15%.
struct JSONRowWriter {
  private(set) var text = ""
  private var first = true

  /// The array of `rows`, each an object with the members its `append(to:)` writes.
  static func array<Row: JSONRow>(_ rows: [Row]) throws -> String {
    var writer = JSONRowWriter()
    writer.text = "["
    writer.text.reserveCapacity(rows.count * 200)
    for (index, row) in rows.enumerated() {
      writer.text += index == 0 ? "{" : ",{"
      writer.first = true
      try row.append(to: &writer)
      writer.text += "}"
    }
    writer.text += "]"
    return writer.text
  }

  private mutating func key(_ name: String) {
    JSONText.appendMemberName(name, first: &first, to: &text)
  }

  mutating func add(_ name: String, _ value: String?) {
    key(name)
    JSONText.appendString(orNull: value, to: &text)
  }

  mutating func add(_ name: String, _ value: Double?) throws {
    key(name)
    guard let value else {
      text += "null"
      return
    }
    // JSON has no infinity or NaN; a time that is not finite is refused, as JSONEncoder did.
    guard value.isFinite else {
      throw EncodingError.invalidValue(
        value, .init(codingPath: [], debugDescription: "\(name) is not a finite number"))
    }
    text += value.description
  }

  mutating func add(_ name: String, _ value: Int) {
    key(name)
    text += String(value)
  }

  mutating func add(_ name: String, _ value: Int64) {
    key(name)
    text += String(value)
  }

  mutating func add(_ name: String, _ value: Bool) {
    key(name)
    text += value ? "true" : "false"
  }
}
