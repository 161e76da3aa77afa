import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Bounds what one connection can hold on to.
///
/// - When the answer is complete but its request's body is not (the handler refused it
///   without reading it), the rest of the body is read and thrown away instead of being
///   buffered, for at most `lingerTimeout`; a request that asked for `Connection: close` is
///   then closed in both directions. The client still gets the answer (closing with unread
///   data would reset the connection and lose it), and an unread body of megabytes can pin
///   neither a socket nor its buffers.
/// - A request must arrive whole, head and body, within `readTimeout`; a client that sends
///   slowly, or stops, is disconnected.
///
/// Idle keep-alive connections are closed by Hummingbird's own idle time-out.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPRequestPart
  typealias InboundOut = HTTPRequestPart
  typealias OutboundIn = HTTPResponsePart
  typealias OutboundOut = HTTPResponsePart

  let readTimeout: TimeAmount
  let lingerTimeout: TimeAmount
  private var requestComplete = true
  private var closeAfterRequest = false
  private var discarding = false
  /// Request heads read and response ends written on this connection. A client that has the
  /// whole answer (by its Content-Length) may send its next request before the answer's end
  /// part passes here; that end belongs to the earlier request and must not discard the body
  /// of the next one.
  private var requestsStarted = 0
  private var responsesEnded = 0
  private var readDeadline: Scheduled<Void>?
  private var lingerDeadline: Scheduled<Void>?

  init(readTimeout: TimeAmount, lingerTimeout: TimeAmount) {
    self.readTimeout = readTimeout
    self.lingerTimeout = lingerTimeout
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      requestsStarted += 1
      requestComplete = false
      discarding = false
      closeAfterRequest = head.headerFields[.connection]?.lowercased().contains("close") ?? false
      readDeadline?.cancel()
      readDeadline = closeLater(context, after: readTimeout)
    case .body:
      // Nobody will read it: drop it rather than hold it.
      if discarding { return }
    case .end:
      requestComplete = true
      readDeadline?.cancel()
      readDeadline = nil
      if discarding {
        discarding = false
        lingerDeadline?.cancel()
        lingerDeadline = nil
        if closeAfterRequest {
          context.close(promise: nil)
          return
        }
      }
    }
    context.fireChannelRead(data)
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    // While discarding, keep reading whatever the application's back-pressure says.
    if discarding { context.read() }
    context.fireChannelReadComplete()
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    guard case .end = unwrapOutboundIn(data) else {
      context.write(data, promise: promise)
      return
    }
    responsesEnded += 1
    if responsesEnded == requestsStarted, !requestComplete, !discarding {
      discarding = true
      lingerDeadline = closeLater(context, after: lingerTimeout)
      context.write(data, promise: promise)
      context.read()
      return
    }
    context.write(data, promise: promise)
  }

  private func closeLater(_ context: ChannelHandlerContext, after delay: TimeAmount) -> Scheduled<Void> {
    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
    return context.eventLoop.scheduleTask(in: delay) { bound.value.close(promise: nil) }
  }

  private func cancelDeadlines() {
    readDeadline?.cancel()
    readDeadline = nil
    lingerDeadline?.cancel()
    lingerDeadline = nil
  }

  func handlerRemoved(context: ChannelHandlerContext) { cancelDeadlines() }

  func channelInactive(context: ChannelHandlerContext) {
    cancelDeadlines()
    context.fireChannelInactive()
  }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}
