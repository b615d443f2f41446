import Wire

/// What a host application says about a token that passed the local signature and expiry check.
public enum UserResolution: Sendable, Equatable {
    /// The user behind the token, with the name and role the host keeps (``OpenWebUIUser/authenticatedUser(token:claims:)``);
    /// merged into the token's user with ``AuthenticatedUser/confirmed(by:)``.
    case user(AuthenticatedUser)
    /// The host refuses the token (revoked, logged out, user deleted or pending): "log in again".
    case refused(String)
    /// The host could not be asked: "retry later".
    case unavailable(String)
}

/// Confirms the users of tokens with the application that owns them.
///
/// Open WebUI 0.12's tokens carry only `id` (no name, no role) and may be revoked before they expire, so in Open
/// WebUI mode every token is confirmed with `GET /api/v1/auths/` (cached briefly by ``OpenWebUIHost``).
public protocol TokenUserSource: Sendable {
    func user(token: String, claims: JSONObject) async -> UserResolution
}

/// Users confirmed by a real Open WebUI.
public struct OpenWebUIUsers: TokenUserSource {
    public let host: OpenWebUIHost
    /// Open WebUI's revocation keys in its Redis, checked first (with `--redis`).
    public let revocations: RedisRevocations?

    public init(host: OpenWebUIHost, revocations: RedisRevocations? = nil) {
        self.host = host
        self.revocations = revocations
    }

    public func user(token: String, claims: JSONObject) async -> UserResolution {
        if let revocations, await revocations.isRevoked(claims: claims) {
            await host.invalidate(token: token)
            return .refused("token revoked")
        }
        do {
            let user = try await host.user(token: token)
            guard user.isVerified else { return .refused("role \(user.role) may not connect") }
            return .user(user.authenticatedUser(token: token, claims: claims))
        } catch {
            if error.isRetryable { return .unavailable("\(error)") }
            return .refused("\(error)")
        }
    }
}
