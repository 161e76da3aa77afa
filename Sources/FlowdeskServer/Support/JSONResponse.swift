import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import Localization
import NIOCore

extension HTTPField.Name {
  static let contentLanguage = HTTPField.Name("Content-Language")!
  static let wwwAuthenticate = HTTPField.Name("WWW-Authenticate")!
}

/// Builds JSON and HTML responses with the headers every answer carries.
enum Reply {
  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
    return encoder
  }()

  static func json<T: Encodable>(
    _ value: T, status: HTTPResponse.Status = .ok, language: Language? = nil,
    contentType: String = "application/json; charset=utf-8", headers extra: HTTPFields = [:]
  ) throws -> Response {
    let data = try encoder.encode(value)
    var headers = extra
    headers[.contentType] = contentType
    if let language { headers[.contentLanguage] = language.rawValue }
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }

  static func html(_ page: String, status: HTTPResponse.Status = .ok, language: Language) -> Response {
    var headers: HTTPFields = [:]
    headers[.contentType] = "text/html; charset=utf-8"
    headers[.contentLanguage] = language.rawValue
    headers[HTTPField.Name("Content-Security-Policy")!] =
      "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'"
    return Response(
      status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
  }

  static func text(_ text: String, contentType: String) -> Response {
    var headers: HTTPFields = [:]
    headers[.contentType] = contentType
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }
}

/// Reading request bodies: the content type, the size limit and decoding, each failure coded.
enum RequestBody {
  static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
    if let contentType = request.headers[.contentType],
      !contentType.lowercased().hasPrefix("application/json"),
      !contentType.lowercased().hasPrefix("application/problem+json")
    {
      throw APIProblem(.unsupportedMediaType, .unsupportedMediaType, ["type": contentType])
    }
    let buffer: ByteBuffer
    do {
      buffer = try await request.body.collect(upTo: ServerLimits.maximumBodySize)
    } catch {
      throw APIProblem(.contentTooLarge, .requestTooLarge, ["limit": String(ServerLimits.maximumBodySize)])
    }
    let data = Data(buffer.readableBytesView)
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    do {
      return try decoder.decode(T.self, from: data)
    } catch let error as DecodingError {
      throw problem(for: error)
    }
  }

  /// A decoding error as a coded problem that names the field.
  static func problem(for error: DecodingError) -> APIProblem {
    func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
      var text = ""
      for key in codingPath + (last.map { [$0] } ?? []) {
        if let index = key.intValue {
          text += "[\(index)]"
        } else {
          text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
      }
      return text.isEmpty ? "(body)" : text
    }
    switch error {
    case .dataCorrupted(let context) where context.codingPath.isEmpty:
      let reason = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
      return APIProblem(.badRequest, .malformedRequestBody, ["reason": reason ?? context.debugDescription])
    case .dataCorrupted(let context):
      return APIProblem(
        .unprocessableContent, .invalidField,
        ["field": path(context.codingPath), "reason": context.debugDescription])
    case .keyNotFound(let key, let context):
      return APIProblem(
        .unprocessableContent, .invalidField,
        ["field": path(context.codingPath, key), "reason": "it is required"])
    case .typeMismatch(let type, let context):
      return APIProblem(
        .unprocessableContent, .invalidField,
        ["field": path(context.codingPath), "reason": "expected \(describe(type))"])
    case .valueNotFound(let type, let context):
      return APIProblem(
        .unprocessableContent, .invalidField,
        ["field": path(context.codingPath), "reason": "expected \(describe(type)), found null"])
    @unknown default:
      return APIProblem(.badRequest, .malformedRequestBody, ["reason": "\(error)"])
    }
  }

  static func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "text"
    case is Bool.Type: "true or false"
    case is Int.Type, is Double.Type: "a number"
    case is [Any].Type: "a list"
    default: "an object"
    }
  }
}
