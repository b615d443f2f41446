import Wire

/// Why a connection was refused or closed, with one code per outcome shared by every protocol.
///
/// Plain WebSocket endpoints (`/ws/chat/…`, `/ws/notify`) accept the upgrade and close with ``closeCode``, because a
/// browser cannot read the HTTP status of a refused upgrade; Socket.IO answers CONNECT with CONNECT_ERROR
/// `{message, code}` (``socketIOData``). The codes follow the private range of RFC 6455 §7.4.2 (4000–4999) with the
/// HTTP status in the last digits, so a client can tell "log in again" (4001, 4401, 4403) from "retry later" (1013,
/// 4029). The table is in Docs/events.md; keep this file the only place the numbers live.
public enum AuthOutcome: String, Error, Sendable, CaseIterable {
    /// No token was given: log in.
    case missingToken = "missing_token"
    /// The token is forged, malformed or for a refused role: log in again.
    case badToken = "bad_token"
    /// The token expired (at connect, or while the connection was open): refresh it or log in again.
    case expired
    /// The token was revoked or the user deleted by the host application: log in again.
    case revoked
    /// Authenticated, but not allowed here (not a member, not an admin): do not retry.
    case forbidden
    /// The user already has as many connections as `--max-connections-per-user` allows: close another tab first.
    case tooManyConnections = "too_many_connections"
    /// The user already holds as many joined documents as `--max-documents-per-user` allows (a y-websocket
    /// connection past it is closed with 4029): leave another document first.
    case tooManyDocuments = "too_many_documents"
    /// Authentication could not be checked now (host application unreachable): retry later.
    case unavailable
    /// The channel (or other target named by the path) does not exist: do not retry.
    case notFound = "not_found"

    /// The WebSocket close code of this outcome.
    public var closeCode: WebSocketCloseCode {
        WebSocketCloseCode(rawValue: code)
    }

    /// The numeric code, the same in WebSocket closes and Socket.IO CONNECT_ERROR data.
    public var code: UInt16 {
        switch self {
        case .missingToken, .badToken: return 4001
        case .forbidden: return 4003
        case .notFound: return 4004
        case .tooManyConnections, .tooManyDocuments: return 4029
        case .expired: return 4401
        case .revoked: return 4403
        case .unavailable: return 1013
        }
    }

    /// A short human-readable reason (also the close reason; well under the 123-byte limit).
    public var message: String {
        switch self {
        case .missingToken: return "Missing token: log in again"
        case .badToken: return "Invalid token: log in again"
        case .expired: return "Token expired: log in again"
        case .revoked: return "Token revoked: log in again"
        case .forbidden: return "Forbidden"
        case .notFound: return "Not found"
        case .tooManyConnections: return "Too many connections for this user"
        case .tooManyDocuments: return "Too many documents joined for this user"
        case .unavailable: return "Authentication temporarily unavailable, retry later"
        }
    }

    /// The HTTP status an HTTP route answers with for this outcome.
    public var httpStatus: HTTPStatus {
        switch self {
        case .missingToken, .badToken, .expired, .revoked: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .tooManyConnections, .tooManyDocuments: return .tooManyRequests
        case .unavailable: return .serviceUnavailable
        }
    }

    /// Whether a client should log in again (as opposed to retrying later or giving up).
    public var needsLogin: Bool {
        switch self {
        case .missingToken, .badToken, .expired, .revoked: return true
        case .forbidden, .notFound, .tooManyConnections, .tooManyDocuments, .unavailable: return false
        }
    }

    /// The CONNECT_ERROR data of Socket.IO: `{message, code, reason}` (`reason` is the raw value).
    public var socketIOData: JSONValue {
        ["message": .string(message), "code": .int(Int64(code)), "reason": .string(rawValue)]
    }

    /// The `error` message of the plain WebSocket endpoints, sent just before the close.
    public var plainErrorMessage: String {
        JSONValue.object([
            "type": "error", "message": .string(message), "code": .int(Int64(code)), "reason": .string(rawValue),
        ]).serialized()
    }

    /// The outcome of one of Socket.IO's existing CONNECT_ERROR messages ("Missing token", "Invalid token", …), so
    /// the strict-auth path can add a code without changing its texts.
    public init?(socketIOMessage message: String) {
        switch message {
        case "Missing token": self = .missingToken
        case "Invalid token", "Unsupported token algorithm", "User not allowed", "Authentication unavailable":
            self = .badToken
        case "Token expired": self = .expired
        case "Token revoked": self = .revoked
        case "Authentication temporarily unavailable, retry later": self = .unavailable
        default: return nil
        }
    }

    /// Checks a token with the shared secret and tells which outcome refuses it, or the user it authenticates.
    public static func check(token: String?, verifier: JWTVerifier?, now: Double) -> Result<AuthenticatedUser, AuthOutcome> {
        guard let token, !token.isEmpty else { return .failure(.missingToken) }
        guard let verifier else { return .failure(.badToken) }
        let claims: JSONObject
        do {
            claims = try verifier.verify(token, now: now)
        } catch {
            if case .expired = error { return .failure(.expired) }
            return .failure(.badToken)
        }
        guard let user = AuthenticatedUser(claims: claims, token: token) else { return .failure(.badToken) }
        return .success(user)
    }

    /// ``check(token:verifier:now:)``, then, with a host application (Open WebUI mode), the user confirmed by it as
    /// Socket.IO and y-websocket do: the host's name and role replace the token's; a token the host refuses (or
    /// that names another user) is ``revoked``, a host that cannot be asked ``unavailable``.
    public static func check(
        token: String?, verifier: JWTVerifier?, now: Double, confirmingWith source: (any TokenUserSource)?
    ) async -> Result<AuthenticatedUser, AuthOutcome> {
        let checked = check(token: token, verifier: verifier, now: now)
        guard case .success(let user) = checked, let source, let token, let verifier else { return checked }
        let claims = (try? verifier.verify(token, now: now)) ?? [:]
        switch await source.user(token: token, claims: claims) {
        case .user(let host):
            guard let confirmed = user.confirmed(by: host) else { return .failure(.revoked) }
            return .success(confirmed)
        case .refused: return .failure(.revoked)
        case .unavailable: return .failure(.unavailable)
        }
    }
}
