/// An HTTP status code and reason phrase (RFC 9110 §15).
public struct HTTPStatus: Hashable, Sendable {
    /// The three-digit code.
    public var code: Int
    /// The reason phrase sent on the status line.
    public var reason: String

    /// Creates a status.
    public init(code: Int, reason: String) {
        self.code = code
        self.reason = reason
    }

    public static let switchingProtocols = HTTPStatus(code: 101, reason: "Switching Protocols")
    public static let ok = HTTPStatus(code: 200, reason: "OK")
    public static let created = HTTPStatus(code: 201, reason: "Created")
    public static let noContent = HTTPStatus(code: 204, reason: "No Content")
    public static let badRequest = HTTPStatus(code: 400, reason: "Bad Request")
    public static let unauthorized = HTTPStatus(code: 401, reason: "Unauthorized")
    public static let forbidden = HTTPStatus(code: 403, reason: "Forbidden")
    public static let notFound = HTTPStatus(code: 404, reason: "Not Found")
    public static let methodNotAllowed = HTTPStatus(code: 405, reason: "Method Not Allowed")
    public static let requestTimeout = HTTPStatus(code: 408, reason: "Request Timeout")
    public static let conflict = HTTPStatus(code: 409, reason: "Conflict")
    public static let payloadTooLarge = HTTPStatus(code: 413, reason: "Content Too Large")
    public static let uriTooLong = HTTPStatus(code: 414, reason: "URI Too Long")
    public static let upgradeRequired = HTTPStatus(code: 426, reason: "Upgrade Required")
    public static let tooManyRequests = HTTPStatus(code: 429, reason: "Too Many Requests")
    public static let headerFieldsTooLarge = HTTPStatus(code: 431, reason: "Request Header Fields Too Large")
    public static let internalServerError = HTTPStatus(code: 500, reason: "Internal Server Error")
    public static let notImplemented = HTTPStatus(code: 501, reason: "Not Implemented")
    public static let serviceUnavailable = HTTPStatus(code: 503, reason: "Service Unavailable")
    public static let httpVersionNotSupported = HTTPStatus(code: 505, reason: "HTTP Version Not Supported")
}

/// An HTTP/1.1 response: status, headers and body. ``serialize(keepAlive:includeBody:)`` adds framing headers.
public struct HTTPResponse: Sendable, Hashable {
    /// The status line's code and reason.
    public var status: HTTPStatus
    /// Header fields; `Content-Length` and `Connection` are added by ``serialize(keepAlive:includeBody:)``.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A UTF-8 body with the given content type.
    public init(status: HTTPStatus, contentType: String, body: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }

    /// A `text/plain` response.
    public static func text(_ body: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: body)
    }

    /// An `application/json` response from already-serialised JSON text.
    public static func json(_ body: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: body)
    }

    /// A short plain-text error response whose body is the reason phrase.
    public static func error(_ status: HTTPStatus, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var response = HTTPResponse.text(status.reason + "\n", status: status)
        for field in headers { response.headers.set(field.name, field.value) }
        return response
    }

    /// The wire bytes: status line, headers (plus `Content-Length` and `Connection`), blank line, body.
    ///
    /// A 101 response gets neither framing header. `includeBody: false` is for HEAD requests.
    public func serialize(keepAlive: Bool, includeBody: Bool = true) -> [UInt8] {
        var text = "HTTP/1.1 \(self.status.code) \(self.status.reason)\r\n"
        for field in self.headers
        where !Self.isFramingHeader(field.name) || self.status.code == 101 {
            text += "\(field.name): \(field.value)\r\n"
        }
        if self.status.code != 101 {
            text += "Content-Length: \(self.body.count)\r\n"
            text += keepAlive ? "" : "Connection: close\r\n"
        }
        text += "\r\n"
        var bytes = Array(text.utf8)
        if includeBody && self.status.code != 101 {
            bytes.append(contentsOf: self.body)
        }
        return bytes
    }

    private static func isFramingHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered == "content-length" || lowered == "connection" || lowered == "transfer-encoding"
    }
}
