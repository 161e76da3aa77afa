import Foundation
import HTTPTypes
import Localization
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request that is not valid HTTP/1.1 with a problem document (FD1524) naming the
/// parser's reason, instead of the empty 400 that Hummingbird writes for it.
///
/// The HTTP decoder's error passes this handler on its way to Hummingbird, which then answers
/// `400` with `Content-Length: 0` and closes the connection. This handler remembers the error
/// and gives that answer a body: the problem in English (the request's language could not be
/// read), with `Content-Type: application/problem+json` and the headers every answer carries.
/// Any other answer passes unchanged.
final class MalformedRequestProblem: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPRequestPart
  typealias InboundOut = HTTPRequestPart
  typealias OutboundIn = HTTPResponsePart
  typealias OutboundOut = HTTPResponsePart

  /// The body and headers of the problem for a parser's reason.
  let problem: @Sendable (_ reason: String) -> (body: ByteBuffer, headers: HTTPFields)?
  /// The parser's reason, once the decoder failed.
  private var parserFailure: String?
  /// The body still to write before the end of the rewritten answer.
  private var pendingBody: ByteBuffer?

  init(problem: @escaping @Sendable (_ reason: String) -> (body: ByteBuffer, headers: HTTPFields)?) {
    self.problem = problem
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let error = error as? HTTPParserError { parserFailure = "\(error)" }
    context.fireErrorCaught(error)
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    switch unwrapOutboundIn(data) {
    case .head(var head)
    where parserFailure != nil && head.status == .badRequest && head.headerFields[.contentLength] == "0":
      guard let (body, headers) = problem(parserFailure!) else {
        context.write(data, promise: promise)
        return
      }
      for field in headers { head.headerFields[field.name] = field.value }
      head.headerFields[.contentLength] = String(body.readableBytes)
      pendingBody = body
      context.write(wrapOutboundOut(.head(head)), promise: promise)
    case .end(let trailers) where pendingBody != nil:
      context.write(wrapOutboundOut(.body(pendingBody!)), promise: nil)
      pendingBody = nil
      context.write(wrapOutboundOut(.end(trailers)), promise: promise)
    default:
      context.write(data, promise: promise)
    }
  }
}

@available(*, unavailable)
extension MalformedRequestProblem: Sendable {}

extension ProblemMiddleware {
  /// The FD1524 problem for a request the HTTP parser refused, in English.
  func malformedRequest(reason: String) -> (body: ByteBuffer, headers: HTTPFields)? {
    let (document, headers) = document(
      APIProblem(.badRequest, .malformedHTTPRequest, ["reason": reason]), language: .en, instance: nil)
    guard let data = try? Reply.encoder.encode(document) else { return nil }
    var fields = headers
    fields[.contentType] = "application/problem+json"
    SecurityHeadersMiddleware.add(to: &fields)
    return (ByteBuffer(bytes: data), fields)
  }
}
