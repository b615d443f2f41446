/// Why an HTTP request was rejected, each with the status the server answers before closing the connection.
public enum HTTPParseError: Error, Hashable, Sendable {
    /// The request line is longer than the limit (414).
    case requestLineTooLong(limit: Int)
    /// The request line is not `METHOD SP target SP HTTP/1.x` (400).
    case malformedRequestLine(offset: Int)
    /// A version other than HTTP/1.0 or HTTP/1.1 (505).
    case unsupportedVersion
    /// The head (request line plus headers) is larger than the limit (431).
    case headersTooLarge(limit: Int)
    /// More header fields than the limit (431).
    case tooManyHeaders(limit: Int)
    /// A header line without a colon, with whitespace before the colon, a bad name, or obsolete line folding (400).
    case malformedHeader(offset: Int)
    /// A `Content-Length` that is not a decimal number, or several that disagree (400).
    case invalidContentLength
    /// A body longer than the limit (413).
    case bodyTooLarge(length: Int, limit: Int)
    /// A `Transfer-Encoding` (chunked bodies are not supported) (501).
    case unsupportedTransferEncoding

    /// The response status to send for this error.
    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: return .uriTooLong
        case .headersTooLarge, .tooManyHeaders: return .headerFieldsTooLarge
        case .unsupportedVersion: return .httpVersionNotSupported
        case .bodyTooLarge: return .payloadTooLarge
        case .unsupportedTransferEncoding: return .notImplemented
        case .malformedRequestLine, .malformedHeader, .invalidContentLength: return .badRequest
        }
    }
}
