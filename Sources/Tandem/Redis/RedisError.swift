import Wire

/// Everything that can go wrong talking to Redis, from a bad URL to an error reply.
///
/// Whether a failed command ran is unknown for ``connectionLost(_:)`` and ``timeout``: the bytes may have reached the
/// server. Callers retry only idempotent commands.
public enum RedisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Redis URL cannot be parsed (the text says why; passwords are never echoed).
    case invalidURL(String)
    /// `rediss://` (or `valkeys://`): Tandem has no TLS; put a TLS proxy (stunnel, a sidecar) in front instead.
    case tlsUnsupported
    /// The TCP or Unix socket connection could not be opened.
    case connectFailed(String)
    /// AUTH or SELECT was refused (wrong password, unknown user, bad database index).
    case handshakeFailed(String)
    /// No connection became available before the command's deadline; carries the last connection error.
    case notConnected(String)
    /// The connection dropped while the command was in flight.
    case connectionLost(String)
    /// No reply within the command timeout; the connection is closed and re-opened, since a late reply could no
    /// longer be matched to its command.
    case timeout
    /// The client was closed.
    case closed
    /// An error reply (`-ERR …`, `-NOSCRIPT …`, `-WRONGTYPE …`): the whole message, code first.
    case server(String)
    /// The server broke RESP (malformed bytes, a reply nobody asked for, an over-limit value).
    case protocolViolation(String)

    /// The first word of a ``server(_:)`` message (`NOSCRIPT`, `WRONGTYPE`, …); nil for other errors.
    public var serverErrorCode: String? {
        guard case .server(let message) = self else { return nil }
        return String(message.prefix { $0 != " " })
    }

    public var description: String {
        switch self {
        case .invalidURL(let reason): return "invalid Redis URL: \(reason)"
        case .tlsUnsupported: return "rediss:// (TLS) is not supported: connect through a TLS proxy with redis://"
        case .connectFailed(let reason): return "cannot connect to Redis: \(reason)"
        case .handshakeFailed(let reason): return "Redis refused AUTH/SELECT: \(reason)"
        case .notConnected(let reason): return "not connected to Redis (\(reason))"
        case .connectionLost(let reason): return "Redis connection lost: \(reason)"
        case .timeout: return "Redis command timed out"
        case .closed: return "Redis client closed"
        case .server(let message): return "Redis error: \(message)"
        case .protocolViolation(let reason): return "Redis protocol violation: \(reason)"
        }
    }
}
