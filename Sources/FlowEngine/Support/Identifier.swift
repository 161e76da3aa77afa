import Foundation

/// Contact ids as the engine and the stores compare them.
///
/// Swift compares strings by canonical equivalence, so `é` written as one character and as
/// `e` with a combining accent are one key to every dictionary and set of the engine, while
/// a store compares bytes and keeps them as two contacts. A bulk enrollment of both enrolled
/// one and refused the other as already enrolled, and one participant table slot would
/// have held two contacts. So an id must be in Unicode Normalization Form C (composed), the
/// form almost every system writes: then two ids are equal to Swift exactly when their bytes
/// are equal.
public enum Identifier {
  /// Whether `id` is in Unicode Normalization Form C. ASCII always is.
  public static func isNFC(_ id: String) -> Bool {
    id.utf8.allSatisfy { $0 < 0x80 } || id.utf8.elementsEqual(id.precomposedStringWithCanonicalMapping.utf8)
  }
}
