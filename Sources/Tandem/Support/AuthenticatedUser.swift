import Wire

/// The one user type of the server: an authenticated user, from a verified token (and, in Open WebUI mode, confirmed
/// by the host application).
///
/// Every entry point — Socket.IO CONNECT and `user-join`, the y-websocket upgrade, the REST routes (notes, channels,
/// documents, events, admin), `/ws/chat` and `/ws/notify` — turns a bearer token into this value. Tokens are Open
/// WebUI's HS256 JWTs (``JWTVerifier``): `id` is required (a string, or an integer taken as its decimal text),
/// `name` and `role` optional. Open WebUI 0.12's tokens carry only `id` (and `exp`, `jti`); its server looks name
/// and role up in its database. Tandem has no user database, so they come from the token when present (a token
/// without `role` counts as `user`), or from the host's answer (``OpenWebUIUser``, through
/// ``confirmed(by:)``). Roles other than `admin` and `user` (notably `pending`) are refused, as Open WebUI's
/// `get_verified_user_by_token` does.
public struct AuthenticatedUser: Sendable, Equatable {
    /// The user id (a UUID in Open WebUI).
    public var id: String
    /// The display name ("" when neither the token nor the host names the user).
    public var name: String
    /// `admin` or `user`.
    public var role: String
    /// The groups the token says the user is in (`groups` claim; standalone mode's note group grants).
    public var groups: [String]
    /// Every claim of the token (Open WebUI's `session_pool` entry is built from them).
    public var claims: JSONObject
    /// The token itself, to ask a host application on the user's behalf (Open WebUI mode). Never logged.
    public var token: String?
    /// The token's `exp` (seconds since 1970), nil when it never expires: y-websocket connections authenticated by
    /// the token are closed when it passes (issue 19).
    public var expiresAt: Double?

    /// Creates a user from its fields.
    public init(
        id: String, name: String, role: String = "user", groups: [String] = [], claims: JSONObject = [:],
        token: String? = nil, expiresAt: Double? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.groups = groups
        self.claims = claims
        self.token = token
        self.expiresAt = expiresAt
    }

    /// The user in verified claims (`id`, `name`, `role`, `groups`, `exp`), or nil when `id` is missing or the role
    /// is not admin or user.
    public init?(claims: JSONObject, token: String? = nil) {
        let id: String
        switch claims["id"] {
        case .string(let value)? where !value.isEmpty: id = value
        case .int(let value)?: id = String(value)
        default: return nil
        }
        let role = claims["role"]?.stringValue ?? "user"
        guard role == "admin" || role == "user" else { return nil }
        self.init(
            id: id, name: claims["name"]?.stringValue ?? "", role: role,
            groups: (claims["groups"]?.arrayValue ?? []).compactMap(\.stringValue), claims: claims, token: token,
            expiresAt: claims["exp"]?.doubleValue)
    }

    /// Whether the user is an admin (admins may read and write every document and note).
    public var isAdmin: Bool { self.role == "admin" }

    /// The `{id, name, role}` object: the `user-join` ack, the `user` of relayed and channel events, the channel
    /// presence lists (also between cluster nodes).
    public var json: JSONValue { ["id": .string(self.id), "name": .string(self.name), "role": .string(self.role)] }

    /// This user with the name and role the host application keeps (`host`, from ``OpenWebUIUser``); nil when the
    /// host names another user (the token does not belong to who it says).
    public func confirmed(by host: AuthenticatedUser) -> AuthenticatedUser? {
        guard host.id.bytewiseEquals(self.id) else { return nil }
        var user = self
        user.name = host.name
        user.role = host.role
        return user
    }
}
