/// Why an Open WebUI look-up gave no answer, split so callers can tell "refuse" from "retry later".
///
/// Open WebUI answers 401 for a bad, expired, revoked or logged-out token (`utils/auth.py get_current_user`), 403
/// for a non-session token on `GET /api/v1/auths/` (`get_human_user`), 401 as well when a feature permission such
/// as `features.notes` is missing (`routers/notes.py check_notes_access`), 403 when the feature is disabled or the
/// grant is missing, 404 for an unknown note. Connection failures, timeouts, 5xx and unparsable answers mean Open
/// WebUI could not be asked: that is ``unavailable(_:)``, never a "no".
public enum OpenWebUIHostError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The token does not name a verified user (401/403 on `GET /api/v1/auths/`, or role `pending`): refuse it.
    case invalidToken(String)
    /// The user is known but may not do this (403, or 401 from a feature permission gate): refuse the action.
    case forbidden(String)
    /// The note (or other resource) does not exist.
    case notFound
    /// Open WebUI refused the request's shape (422 and other unexpected 4xx): a Tandem bug, retrying will not help.
    case rejected(status: Int, detail: String)
    /// Open WebUI could not be asked or answered garbage (network, timeout, 5xx, invalid JSON): retry later.
    case unavailable(String)

    /// True when trying again later may succeed (only ``unavailable(_:)``).
    public var isRetryable: Bool {
        if case .unavailable = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .invalidToken(let why): return "invalid token: \(why)"
        case .forbidden(let why): return "forbidden: \(why)"
        case .notFound: return "not found"
        case .rejected(let status, let detail): return "rejected with \(status): \(detail)"
        case .unavailable(let why): return "Open WebUI unavailable: \(why)"
        }
    }
}
