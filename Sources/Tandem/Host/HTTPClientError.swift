import Wire

/// Why an upstream HTTP exchange failed before a response arrived (a well-formed 4xx/5xx is not an error here).
///
/// Every case means "the upstream could not be asked", which Open WebUI mode turns into "try again later",
/// never into "access denied". ``isRetryableOnFreshConnection`` marks the keep-alive race (the server closed an
/// idle pooled connection just as it was reused), which the client retries once by itself.
public enum HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL was refused (https, malformed).
    case invalidURL(HTTPURL.Error)
    /// The request could not be encoded (a header value with CR/LF, a bad path).
    case invalidRequest(HTTPRequestEncodeError)
    /// Name resolution or TCP connect failed (refused, unreachable).
    case connectFailed(String)
    /// Connecting, sending or waiting for the whole response took longer than its timeout.
    case timedOut(String)
    /// The connection broke (reset, EOF) before a complete response arrived.
    case connectionClosed(String)
    /// The upstream answered with bytes that are not a valid, within-limits HTTP response.
    case invalidResponse(HTTPResponseParseError)
    /// Too many requests already in flight for longer than the request timeout.
    case overloaded
    /// The client was shut down.
    case shutDown

    /// True for a failure on a reused idle connection before any response byte arrived.
    var isRetryableOnFreshConnection: Bool {
        if case .connectionClosed = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .invalidURL(let error): return "\(error)"
        case .invalidRequest(let error): return "cannot encode request: \(error)"
        case .connectFailed(let why): return "connect failed: \(why)"
        case .timedOut(let what): return "timed out \(what)"
        case .connectionClosed(let why): return "connection closed: \(why)"
        case .invalidResponse(let error): return "invalid HTTP response: \(error)"
        case .overloaded: return "too many upstream requests in flight"
        case .shutDown: return "HTTP client shut down"
        }
    }
}
