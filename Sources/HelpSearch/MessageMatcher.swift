import FlowEngine
import Foundation
import HelpContent
import Localization

/// Recognizes a pasted message: each code's catalog message, per language, as a set of
/// stems without its placeholders, compared with the query's meaningful stems.
///
/// BM25 ranks sections by their rarest shared words, which cannot tell "Only a running flow
/// can be paused; this flow is not running" from the message about starting a running flow:
/// both are made of the same common words. A pasted message, though, holds (nearly) every
/// word of its code's message, and not much else once its filled-in ids are set aside.
struct MessageMatcher: Sendable {
  struct Match: Sendable, Hashable {
    var code: String
    var language: Language
    /// Dice similarity of the query's stems and the message's, 0...1.
    var similarity: Double
  }

  /// How much of a message's stems a query must hold to be that message pasted.
  static let messageCoverage = 0.8
  /// How much of the query's stems must come from the message (the rest are filled-in words).
  static let queryCoverage = 0.5

  private let codes: [String]
  private let languages: [Language]
  private let sizes: [Int]
  /// Each stem's messages, by their position in `codes`.
  private let messagesByStem: [String: [Int]]

  init(index: HelpIndex) {
    var codes: [String] = []
    var languages: [Language] = []
    var sizes: [Int] = []
    var messagesByStem: [String: [Int]] = [:]
    for code in FlowCode.allCases {
      for language in Language.allCases {
        // A language without its own message would repeat the English one.
        guard let message = index.localizer.string(SourceStrings.messageKey(code), in: language),
          message.language == language
        else { continue }
        let stems = Set(Stemmer.foldedStems(message.text))
        guard !stems.isEmpty else { continue }
        for stem in stems { messagesByStem[stem, default: []].append(codes.count) }
        codes.append(code.id)
        languages.append(language)
        sizes.append(stems.count)
      }
    }
    self.codes = codes
    self.languages = languages
    self.sizes = sizes
    self.messagesByStem = messagesByStem
  }

  /// The codes whose message the query is, best first: one match per code, in the language
  /// it matched best. Empty for a few words typed in by hand.
  func matches(_ stems: Set<String>) -> [Match] {
    guard !stems.isEmpty else { return [] }
    var shared = [Int](repeating: 0, count: codes.count)
    for stem in stems {
      for message in messagesByStem[stem] ?? [] { shared[message] += 1 }
    }
    var best: [String: Match] = [:]
    for (message, count) in shared.enumerated() where count > 0 {
      let size = sizes[message]
      guard Double(count) >= Self.messageCoverage * Double(size),
        Double(count) >= Self.queryCoverage * Double(stems.count)
      else { continue }
      let match = Match(
        code: codes[message], language: languages[message],
        similarity: 2 * Double(count) / Double(size + stems.count))
      if match.similarity > best[match.code]?.similarity ?? 0 { best[match.code] = match }
    }
    return best.values.sorted {
      $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.code < $1.code
    }
  }
}
