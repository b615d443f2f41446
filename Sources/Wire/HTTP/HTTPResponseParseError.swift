/// Why an HTTP response from an upstream server was rejected by ``HTTPResponseParser``.
///
/// A client that gets one of these closes the connection: the byte stream can no longer be framed. None of them is
/// the server's "no" (that is a well-formed 4xx); they all mean "the upstream spoke broken HTTP or too much of it".
public enum HTTPResponseParseError: Error, Hashable, Sendable {
    /// The status line is longer than the limit.
    case statusLineTooLong(limit: Int)
    /// The status line is not `HTTP/1.x SP 3DIGIT [SP reason]`.
    case malformedStatusLine
    /// A version other than HTTP/1.0 or HTTP/1.1.
    case unsupportedVersion
    /// The head (status line plus headers) is larger than the limit.
    case headersTooLarge(limit: Int)
    /// More header fields than the limit.
    case tooManyHeaders(limit: Int)
    /// A header line without a colon, with whitespace before the colon, a bad name, or a control character.
    case malformedHeader
    /// A `Content-Length` that is not a decimal number, or several that disagree.
    case invalidContentLength
    /// A body (declared or received so far) larger than the limit.
    case bodyTooLarge(limit: Int)
    /// A `Transfer-Encoding` other than `chunked` alone.
    case unsupportedTransferEncoding
    /// A chunk-size line that is not hexadecimal, too long, or a chunk not followed by CRLF.
    case malformedChunk
    /// The connection ended before the body was complete.
    case truncatedBody
}

/// Why ``HTTPRequest/serializedForClient(host:keepAlive:)`` refused to encode a request.
public enum HTTPRequestEncodeError: Error, Hashable, Sendable {
    /// The target is empty, does not start with `/`, or has spaces or control characters.
    case invalidTarget
    /// The method is not a token.
    case invalidMethod
    /// A header name is not a token, or a value holds CR, LF or another control character (header injection).
    case invalidHeader(name: String)
}
