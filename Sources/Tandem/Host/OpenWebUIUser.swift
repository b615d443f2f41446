import Wire

/// The verified user behind an Open WebUI token, as `GET /api/v1/auths/` answers it (0.12.4).
///
/// Open WebUI's tokens carry only `id` (no name, no role), so Tandem asks Open WebUI who the token belongs to.
/// The route (`routers/auths.py get_session_user`, model `SessionUserInfoResponse`) answers `{token, token_type,
/// expires_at, id, email, name, role, profile_image_url, bio, gender, date_of_birth, status_*, permissions}` where
/// `permissions` is the merged permission tree (`features.notes`, `features.channels`, …) from
/// `utils/access_control.get_permissions`. The decoder never traps: odd fields become defaults, and only a missing
/// `id` or `role` makes the answer unusable.
public struct OpenWebUIUser: Sendable, Hashable {
    /// The user id (a UUID in Open WebUI).
    public var id: String
    /// The display name.
    public var name: String
    /// The e-mail address ("" when absent).
    public var email: String
    /// `admin`, `user` or `pending`.
    public var role: String
    /// The permission tree, e.g. `{"features": {"notes": true, "channels": true}, "chat": {…}}`.
    public var permissions: JSONObject
    /// The token's expiry (seconds since 1970) when Open WebUI reported one.
    public var expiresAt: Int64?

    /// Creates a user.
    public init(
        id: String, name: String, email: String = "", role: String, permissions: JSONObject = [:],
        expiresAt: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.role = role
        self.permissions = permissions
        self.expiresAt = expiresAt
    }

    /// Decodes the `GET /api/v1/auths/` body; nil unless it is an object with string `id` and `role`.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, !id.isEmpty, let role = json["role"]?.stringValue else { return nil }
        self.init(
            id: id, name: json["name"]?.stringValue ?? "", email: json["email"]?.stringValue ?? "", role: role,
            permissions: json["permissions"]?.objectValue ?? [:], expiresAt: json["expires_at"]?.intValue)
    }

    /// The server's user for this answer, the one place a host user becomes an ``AuthenticatedUser``: id, name and
    /// role as Open WebUI keeps them, the token and its verified claims, and Open WebUI's `expires_at`. Open WebUI
    /// reports no groups (its group grants are checked by Open WebUI itself).
    public func authenticatedUser(token: String?, claims: JSONObject = [:]) -> AuthenticatedUser {
        AuthenticatedUser(
            id: self.id, name: self.name, role: self.role, claims: claims, token: token,
            expiresAt: self.expiresAt.map(Double.init))
    }

    /// Whether the user is an admin (admins pass every note and channel check in Open WebUI).
    public var isAdmin: Bool { self.role == "admin" }

    /// Whether Open WebUI treats the user as verified (`VERIFIED_USER_ROLES = {'user', 'admin'}`); `pending`
    /// users are refused by its socket handlers.
    public var isVerified: Bool { self.role == "admin" || self.role == "user" }

    /// The boolean permission at a dotted path such as `features.notes`; nil when absent or not a boolean.
    public func permission(_ path: String) -> Bool? {
        var node = JSONValue.object(self.permissions)
        for part in path.split(separator: ".") {
            guard let next = node[String(part)] else { return nil }
            node = next
        }
        return node.boolValue
    }

    /// Whether the user may use notes: admins always, others with `features.notes` (absent counts as no).
    public var canUseNotes: Bool { self.isAdmin || self.permission("features.notes") == true }

    /// Whether the user's sockets join channel rooms: admins always, others with `features.channels`.
    public var canUseChannels: Bool { self.isAdmin || self.permission("features.channels") == true }
}
