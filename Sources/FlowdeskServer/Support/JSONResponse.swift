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

extension HTTPFields {
  /// Content-Language, with `Vary: Accept-Language`: the language was chosen from that
  /// header (or `?lang=`), so a shared cache must not give this answer to another language.
  mutating func setLanguage(_ value: String) {
    self[.contentLanguage] = value
    self[.vary] = "Accept-Language"
  }
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
    json(
      body: ByteBuffer(bytes: try encoder.encode(value)), status: status, language: language,
      contentType: contentType, headers: extra)
  }

  /// JSON text written by hand (`BulkEnrollmentJSON.swift`), sent as `json(_:)` sends a value.
  static func json(text: String, status: HTTPResponse.Status = .ok, language: Language? = nil) -> Response {
    json(body: ByteBuffer(string: text), status: status, language: language)
  }

  private static func json(
    body: ByteBuffer, status: HTTPResponse.Status, language: Language?,
    contentType: String = "application/json; charset=utf-8", headers extra: HTTPFields = [:]
  ) -> Response {
    var headers = extra
    headers[.contentType] = contentType
    if let language { headers.setLanguage(language.rawValue) }
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
  }

  static func html(_ page: String, status: HTTPResponse.Status = .ok, language: Language) -> Response {
    var headers: HTTPFields = [:]
    headers[.contentType] = "text/html; charset=utf-8"
    headers.setLanguage(language.rawValue)
    headers[HTTPField.Name("Content-Security-Policy")!] =
      "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return Response(
      status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
  }

  static func text(_ text: String, contentType: String) -> Response {
    var headers: HTTPFields = [:]
    headers[.contentType] = contentType
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }
}

/// Reading request bodies: the content type, the size limit, strict JSON with bounded
/// nesting, and decoding, each failure coded and placed (a field, or a line and column).
enum RequestBody {
  /// The whole body, at most `ServerLimits.maximumBodySize` bytes. A larger one is the 413
  /// problem (FD1503); one the HTTP parser could not read (a chunk size that is not a number,
  /// a body cut short) is the 400 problem FD1524 with the parser's reason.
  static func whole(_ request: Request) async throws -> ByteBuffer {
    do {
      return try await request.body.collect(upTo: ServerLimits.maximumBodySize)
    } catch is NIOTooManyBytesError {
      throw APIProblem(.contentTooLarge, .requestTooLarge, ["limit": String(ServerLimits.maximumBodySize)])
    } catch {
      throw APIProblem(.badRequest, .malformedHTTPRequest, ["reason": "\(error)"])
    }
  }

  /// Reads the body as strict JSON; `mediaTypes` are the content types accepted.
  static func json(_ request: Request, accepting mediaTypes: [String] = ["application/json"]) async throws
    -> (value: JSONValue, data: Data)
  {
    // A patch must say what kind of patch it is; plain JSON may come without a type.
    if request.headers[.contentType] == nil, !mediaTypes.contains("application/json") {
      throw APIProblem(
        .unsupportedMediaType, .unsupportedMediaType,
        ["type": "-", "expected": mediaTypes.joined(separator: ", ")])
    }
    if let contentType = request.headers[.contentType] {
      let mediaType = contentType.split(separator: ";").first.map {
        $0.trimmingCharacters(in: .whitespaces).lowercased()
      }
      guard let mediaType, mediaTypes.contains(mediaType) else {
        throw APIProblem(
          .unsupportedMediaType, .unsupportedMediaType,
          ["type": contentType, "expected": mediaTypes.joined(separator: ", ")])
      }
    }
    let buffer = try await whole(request)
    let data = Data(buffer.readableBytesView)
    do {
      return (try StrictJSONParser.parse(data), data)
    } catch {
      throw problem(for: error)
    }
  }

  /// Reads and decodes the body as `T`.
  static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
    try decode(type, from: try await json(request).data)
  }

  static let decoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return decoder
  }()

  /// Decodes JSON text that the strict parser has accepted.
  static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
    do {
      return try decoder.decode(T.self, from: data)
    } catch let error as DecodingError {
      throw problem(for: error)
    }
  }

  /// A syntax error as a coded problem with its line and column.
  static func problem(for error: JSONSyntaxError) -> APIProblem {
    if let field = error.field { return invalidField(field, "nulCharacter") }
    let members: [String: APIProblem.Member] = [
      "line": .number(error.line), "column": .number(error.column), "offset": .number(error.offset),
    ]
    if error.reason == .tooDeep {
      return APIProblem(
        .badRequest, .requestNestedTooDeep, ["limit": String(StrictJSONParser.maximumDepth)], members: members
      )
    }
    return APIProblem(
      .badRequest, .malformedRequestBody,
      [
        "reason": "json.\(error.reason.rawValue)", "line": String(error.line), "column": String(error.column),
      ],
      members: members)
  }

  /// A field's problem: the field by its path, the reason as a catalog string.
  static func invalidField(_ field: String, _ reason: String, _ parameters: [String: String] = [:])
    -> APIProblem
  {
    APIProblem(
      .unprocessableContent, .invalidField,
      parameters.merging(["field": field, "reason": "reason.\(reason)"]) { $1 },
      members: ["field": .text(field)])
  }

  /// A decoding error as a coded problem that names the field.
  static func problem(for error: DecodingError) -> APIProblem {
    func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
      FieldPathStep.name(
        of: (codingPath + (last.map { [$0] } ?? [])).map { key in
          key.intValue.map(FieldPathStep.index) ?? .key(key.stringValue)
        })
    }
    switch error {
    case .dataCorrupted(let context):
      if let reason = context.underlyingError as? FieldReason {
        return invalidField(path(context.codingPath), reason.key, reason.parameters)
      }
      return invalidField(path(context.codingPath), "notAllowed")
    case .keyNotFound(let key, let context):
      return invalidField(path(context.codingPath, key), "required")
    case .typeMismatch(let type, let context):
      return invalidField(path(context.codingPath), expected(type))
    case .valueNotFound(_, let context):
      return invalidField(path(context.codingPath), "notNull")
    @unknown default:
      return invalidField("(body)", "notAllowed")
    }
  }

  /// The reason for a value of the wrong type.
  static func expected(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "expectedText"
    case is Bool.Type: "expectedBoolean"
    case is Int.Type, is Double.Type: "expectedNumber"
    case is [Any].Type: "expectedList"
    default: "expectedObject"
    }
  }
}
