import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import TestSupport
import Testing

@testable import FlowdeskServer

#if canImport(Glibc)
  import Glibc
#endif

/// HTTP as a client expects it: HEAD, decoded path parameters, security headers, and
/// connections that a client cannot pin.
@Suite("HTTP protocol")
struct ProtocolTests {
  @Test func headWorksWhereverGetDoes() async throws {
    try await ServiceFixture().test { client in
      for path in ["/healthz", "/v1/codes", "/v1/codes/FD1002", "/v1/states", "/help/en", "/v1/flows"] {
        let get = try await client.execute(
          uri: path, method: .get, headers: [.authorization: "Bearer \(ServiceFixture.adminToken)"])
        let head = try await client.execute(
          uri: path, method: .head, headers: [.authorization: "Bearer \(ServiceFixture.adminToken)"])
        #expect(head.status == get.status, "\(path)")
        #expect(head.body.readableBytes == 0, "\(path)")
        #expect(head.headers[.contentType] == get.headers[.contentType], "\(path)")
      }
      // HEAD is read access: it needs a token where GET does.
      #expect(try await client.execute(uri: "/v1/flows", method: .head).status == .unauthorized)
    }
  }

  @Test func pathParametersArePercentDecoded() async throws {
    try await ServiceFixture().test { client in
      let stored = try await client.call(.put, "/v1/contacts/j%C3%B6rg", json: Bodies.contact)
      #expect(stored.status == .ok)
      #expect(stored.body["id"] as? String == "jörg")
      let read = try await client.call(.get, "/v1/contacts/j%C3%B6rg")
      #expect(read.body["id"] as? String == "jörg")
      let code = try await client.call(.get, "/v1/codes/FD%31002", token: nil)
      #expect(code.body["code"] as? String == "FD1002")
      let broken = try await client.call(.get, "/v1/contacts/%E0%A4%A", token: ServiceFixture.adminToken)
      #expect(broken.status == .badRequest)
      #expect(broken.body["field"] as? String == "id")
    }
  }

  @Test func everyAnswerCarriesSecurityHeaders() async throws {
    try await ServiceFixture().test { client in
      for (path, token) in [
        ("/v1/codes", nil), ("/v1/flows", ServiceFixture.adminToken), ("/nowhere", nil), ("/help/en", nil),
        ("/v1/flows", nil),
      ] as [(String, String?)] {
        let response = try await client.call(.get, path, token: token)
        #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(path)")
        #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(path)")
        let policy = response.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
        #expect(policy.contains("frame-ancestors 'none'"), "\(path): \(policy)")
        if token != nil { #expect(response.headers[.cacheControl] == "no-store", "\(path)") }
      }
    }
  }

  /// A client sends the head and part of a 2 MB body that no handler reads, with
  /// `Connection: close`. The server answers, reads the rest and throws it away instead of
  /// holding it, and then closes both directions: the client's next bytes are refused by
  /// the peer (a reset), not left waiting in a half-open socket.
  @Test func unreadBodiesDoNotHoldConnections() async throws {
    let fixture = try ServiceFixture()
    defer { fixture.cleanUp() }
    // A loop of its own: what the rule is about is this server's reading and closing, which a
    // busy shared loop in a parallel run could hold back for reasons of its own.
    let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let app = FlowdeskApplication.application(
      fixture.parts, host: "127.0.0.1", port: 0, logger: Logger(label: "test"), eventLoopGroup: loop)
    try await app.test(.live) { client in
      let port = try #require(client.port)
      for _ in 0..<3 {
        // The exchange blocks in socket calls for seconds, so it runs on a thread of its own:
        // on the cooperative threads it would hold back the server it is talking to.
        let exchange = try await offCooperativePool { try UnreadBodyExchange.run(port: port) }
        #expect(
          exchange.answer.hasPrefix("HTTP/1.1 401"),
          "read ended with errno \(exchange.readError): \(exchange.answer.prefix(80))")
        let code = try #require(
          exchange.sendError, "the server kept the connection open after \(exchange.sent) bytes")
        #expect(
          code == EPIPE || code == ECONNRESET,
          "send failed with errno \(code), not a reset: the server stalled")
      }
    }
    try await loop.shutdownGracefully()
  }
}

extension ProtocolTests {
  /// A request that is not valid HTTP/1.1 gets the FD1524 problem document in English, with
  /// the parser's reason, and the connection closes; a valid request on a fresh connection is
  /// answered as before, so the rewrite touches nothing else.
  @Test(arguments: [
    (
      "a control character in a header value", "GET /v1/flows HTTP/1.1\r\nHost: x\r\nX-Note: a\u{01}b\r\n\r\n"
    ),
    (
      "a Content-Length that is not a number",
      "POST /v1/flows HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n"
    ),
    (
      "both Content-Length and Transfer-Encoding",
      "POST /v1/flows HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
    ),
    ("a request line that is not HTTP", "GARBAGE\r\n\r\n"),
  ])
  func aRequestThatIsNotValidHTTPGetsAProblemDocument(_ what: String, _ request: String) async throws {
    try await Self.withLiveService { client, port in
      let answer = try await Self.rawExchange(request, port: port)
      let parts = answer.components(separatedBy: "\r\n\r\n")
      let head = parts[0].lowercased()
      #expect(head.hasPrefix("http/1.1 400"), "\(what): \(answer.prefix(200))")
      #expect(head.contains("content-type: application/problem+json"), "\(what): \(head)")
      #expect(head.contains("content-language: en"), "\(what): \(head)")
      #expect(head.contains("connection: close"), "\(what): \(head)")
      #expect(head.contains("x-content-type-options: nosniff"), "\(what): \(head)")
      #expect(head.contains("frame-ancestors 'none'"), "\(what): \(head)")
      let body = parts.dropFirst().joined(separator: "\r\n\r\n")
      let document = try #require(
        try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(what): \(answer)")
      #expect(document["code"] as? String == "FD1524", "\(what)")
      #expect(document["status"] as? Int == 400)
      #expect(document["title"] as? String == "Request is not valid HTTP")
      let detail = try #require(document["detail"] as? String)
      #expect(!detail.contains("{reason}") && detail.contains("("), "\(what): \(detail)")
      #expect((document["resolution"] as? [String])?.isEmpty == false)
      #expect(head.contains("content-length: \(body.utf8.count)"), "\(what): \(head)")
      // The next connection is served as ever.
      let healthy = try await client.execute(uri: "/v1/codes/FD1524", method: .get)
      #expect(healthy.status == .ok)
    }
  }
}

extension ProtocolTests {
  /// A body whose chunked framing is broken is FD1524 with the parser's reason, in the
  /// language the request asked for: not "too large", which is what any failure to read a
  /// body used to be called.
  @Test func aBrokenChunkedBodyIsNotValidHTTPNotTooLarge() async throws {
    try await Self.withLiveService { _, port in
      let request =
        "POST /v1/flows HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServiceFixture.adminToken)\r\n"
        + "Accept-Language: nl\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "ZZ\r\n{}\r\n0\r\n\r\n"
      let answer = try await Self.rawExchange(request, port: port)
      let parts = answer.components(separatedBy: "\r\n\r\n")
      #expect(parts[0].hasPrefix("HTTP/1.1 400"), "\(answer.prefix(200))")
      #expect(parts[0].lowercased().contains("content-language: nl"), "\(parts[0])")
      let document = try #require(
        try JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any], "\(answer)")
      #expect(document["code"] as? String == "FD1524")
      #expect(document["title"] as? String == "Verzoek is geen geldig HTTP")
    }
  }
}

extension ProtocolTests {
  /// The whole service, channel handlers included, on a free loopback port.
  static func withLiveService(_ body: @Sendable (any TestClientProtocol, Int) async throws -> Void)
    async throws
  {
    let fixture = try ServiceFixture()
    defer { fixture.cleanUp() }
    let app = FlowdeskApplication.application(
      fixture.parts, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
    try await app.test(.live) { client in try await body(client, try #require(client.port)) }
  }

  /// Sends `request` byte for byte on a connection of its own and reads until the server
  /// closes it, off the cooperative threads.
  static func rawExchange(_ request: String, port: Int) async throws -> String {
    try await offCooperativePool {
      let socket = try RawSocket(port: port)
      defer { socket.close() }
      try socket.send(Array(request.utf8))
      return String(decoding: socket.readToEnd().bytes, as: UTF8.self)
    }
  }
}

/// One client of `unreadBodiesDoNotHoldConnections`, from the first byte to the reset.
struct UnreadBodyExchange: Sendable {
  var answer: String
  var readError: Int32
  var sent: Int
  var sendError: Int32?

  static func run(port: Int) throws -> UnreadBodyExchange {
    let socket = try RawSocket(port: port)
    defer { socket.close() }
    let head =
      "POST /v1/flows HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      + "Content-Length: 2000000\r\nConnection: close\r\n\r\n"
    try socket.send(Array(head.utf8))
    try socket.send([UInt8](repeating: UInt8(ascii: " "), count: 16_384))
    let (bytes, readError) = socket.readToEnd()
    // Send the rest of the body, and then some: the server must close, not stall. How soon
    // it closes is no part of the rule: on a loaded machine it may take seconds to read the
    // rest, so the client keeps sending, slowly, for up to 30 s after the body's end.
    var sent = 16_384
    var sendError: Int32?
    let deadline = ContinuousClock.now + .seconds(30)
    while sendError == nil, sent < 3_000_000 || ContinuousClock.now < deadline {
      do {
        try socket.send([UInt8](repeating: UInt8(ascii: " "), count: 65_536))
        sent += 65_536
        if sent > 2_000_000 { Thread.sleep(forTimeInterval: 0.02) }
      } catch let error as RawSocket.Failure {
        sendError = error.code
      }
    }
    return UnreadBodyExchange(
      answer: String(decoding: bytes, as: UTF8.self), readError: readError, sent: sent, sendError: sendError)
  }
}

/// A blocking TCP client on loopback with time-outs, for what an HTTP client library hides.
struct RawSocket {
  struct Failure: Error { let call: String, code: Int32 }
  let fd: Int32

  init(port: Int) throws {
    fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
    // Generous: under a parallel test run the in-process server can be slow to get a thread.
    // A stalled send (the defect) still fails, after 60 s.
    var timeout = timeval(tv_sec: 60, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard result == 0 else { throw Failure(call: "connect", code: errno) }
  }

  func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      guard written > 0 else { throw Failure(call: "send", code: errno) }
      offset += written
    }
  }

  /// Reads until the peer closes its side, or the read time-out; with the errno that ended
  /// it (0 for an orderly close).
  func readToEnd() -> (bytes: [UInt8], errno: Int32) {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { return (result, count == 0 ? 0 : errno) }
      result += buffer[0..<count]
    }
  }

  func close() { _ = Glibc.close(fd) }
}
