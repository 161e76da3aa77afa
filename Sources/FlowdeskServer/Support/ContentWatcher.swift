import Foundation
import Logging
import ServiceLifecycle

/// `flowdesk serve --watch`: polls the modification times and sizes of the content and locales
/// files, and reloads when any file is added, removed or changed. A reload of files that hash
/// the same as the content being served does nothing.
public struct ContentWatcher: Service {
  static let trigger = "watch"

  let content: LiveContent
  let interval: Duration

  public init(content: LiveContent, interval: Duration = .milliseconds(250)) {
    self.content = content
    self.interval = interval
  }

  public func run() async throws {
    await cancelWhenGracefulShutdown {
      // Empty at first, so that an edit made while the service was starting is picked up.
      var last: [String] = []
      while !Task.isCancelled {
        let help = content.current
        let now = ContentVersion.fingerprint(content: help.contentURL, locales: help.localesURL)
        if now != last {
          last = now
          await content.reload(trigger: Self.trigger)
        }
        try? await Task.sleep(for: interval)
      }
    }
  }
}
