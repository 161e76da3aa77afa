import AsyncHTTPClient
import FlowEngine
import Foundation
import NIOCore
import NIOHTTP1

/// Sends one claimed batch, its POSTs started and finished on one event loop.
///
/// Through the async `execute`, every message hopped between Swift's cooperative threads and
/// the event loop several times (request, head, body, end); with the delivery run CPU-bound,
/// those hops were much of the cost. Here the loop keeps up to `senders` POSTs on their way,
/// starts the next as each one ends, and hands the batch's answers back once: one hop per
/// batch. A message's deadline starts when its POST does, never while it waits its turn.
struct WebhookBatchSender {
  let client: HTTPClient
  let senders: Int
  let timeout: TimeAmount

  /// A message with its POST built (body signed), ready for the loop.
  struct Outgoing: Sendable {
    let index: Int
    let request: HTTPClient.Request
    let sentAt: Date
  }

  /// What each POST came to, with how long it took, in the order of `outgoing`.
  func send(_ outgoing: [Outgoing]) async -> [(DeliveryService.Attempt, Duration)] {
    guard !outgoing.isEmpty else { return [] }
    let loop = client.eventLoopGroup.next()
    let run = Run(client: client, loop: loop, outgoing: outgoing, timeout: timeout)
    loop.execute {
      for _ in 0..<max(1, senders) { run.startNext() }
    }
    // The promise is always completed: every started POST ends, by its answer or its deadline.
    return (try? await run.promise.futureResult.get()) ?? []
  }

  /// One batch on its way; its bookkeeping is touched only on `loop`.
  final class Run: Sendable {
    let client: HTTPClient
    let loop: any EventLoop
    let outgoing: [Outgoing]
    let timeout: TimeAmount
    let promise: EventLoopPromise<[(DeliveryService.Attempt, Duration)]>
    let progress: NIOLoopBoundBox<Progress>

    init(client: HTTPClient, loop: any EventLoop, outgoing: [Outgoing], timeout: TimeAmount) {
      self.client = client
      self.loop = loop
      self.outgoing = outgoing
      self.timeout = timeout
      promise = loop.makePromise()
      progress = .makeBoxSendingValue(
        Progress(results: Array(repeating: nil, count: outgoing.count)), eventLoop: loop)
    }

    /// Starts the next POST, or completes the batch when none is left and none is running.
    func startNext() {
      guard progress.value.next < outgoing.count else {
        if progress.value.running == 0 { promise.succeed(progress.value.results.map { $0! }) }
        return
      }
      let position = progress.value.next
      let message = outgoing[position]
      progress.value.next += 1
      progress.value.running += 1
      let started = ContinuousClock.now
      let task = client.execute(
        request: message.request, delegate: AnswerReader(), eventLoop: .delegate(on: loop),
        deadline: .now() + timeout)
      task.futureResult.hop(to: loop).whenComplete { result in
        self.progress.value.running -= 1
        self.progress.value.results[position] = (
          WebhookBatchSender.attempt(result, sentAt: message.sentAt), ContinuousClock.now - started
        )
        self.startNext()
      }
    }
  }

  /// A batch's bookkeeping.
  struct Progress {
    var results: [(DeliveryService.Attempt, Duration)?]
    var next = 0
    var running = 0
  }

  static func attempt(_ result: Result<Answer, any Error>, sentAt: Date) -> DeliveryService.Attempt {
    switch result {
    case .success(let answer):
      let retryAfter = answer.retryAfter.flatMap { DeliveryService.retryAfter($0, now: sentAt) }
      return .answered(status: answer.status, retryAfter: retryAfter)
    case .failure(let error as HTTPClientError)
    where [.deadlineExceeded, .readTimeout, .writeTimeout].contains(error):
      return .timedOut
    case .failure(let error):
      return .unreachable(DeliveryService.describe(error))
    }
  }
}

/// The part of an answer the worker uses.
struct Answer: Sendable {
  let status: Int
  let retryAfter: String?
}

/// Keeps an answer's status and `Retry-After` and drops its body as it arrives, so a receiver
/// that answers with megabytes costs no memory.
///
/// `@unchecked Sendable`: AsyncHTTPClient calls a delegate only on its task's event loop, one
/// call at a time, which is what guards `head`.
final class AnswerReader: HTTPClientResponseDelegate, @unchecked Sendable {
  typealias Response = Answer
  private var head: HTTPResponseHead?

  func didReceiveHead(task: HTTPClient.Task<Answer>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
    self.head = head
    return task.eventLoop.makeSucceededVoidFuture()
  }

  func didReceiveBodyPart(task: HTTPClient.Task<Answer>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
    task.eventLoop.makeSucceededVoidFuture()
  }

  func didFinishRequest(task: HTTPClient.Task<Answer>) throws -> Answer {
    guard let head else { throw HTTPClientError.remoteConnectionClosed }
    return Answer(status: Int(head.status.code), retryAfter: head.headers.first(name: "retry-after"))
  }
}
