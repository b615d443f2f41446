import Foundation
import Wire

/// Turns a bearer token into an ``AuthenticatedUser``, for the REST routes and the y-websocket endpoint.
///
/// Tokens are Open WebUI's HS256 JWTs (``JWTVerifier``): `id` is required, `name` and `role` optional (`role`
/// defaults to `user`; only `admin` and `user` are accepted — `pending` gets nothing, as in Open WebUI).
public struct TokenAuthenticator: Sendable {
    let verifier: JWTVerifier?

    /// An authenticator for tokens signed with `secret`; with nil, every token is refused. `clockSkew`: seconds an
    /// `nbf` or `iat` may lie in the future (``JWTVerifier/clockSkew``, default 30).
    public init(secret: String?, clockSkew: Double = 30) {
        self.verifier = secret.map { JWTVerifier(secret: $0, clockSkew: clockSkew) }
    }

    /// The user a token authenticates, or nil when it is missing, forged, expired or for a refused role.
    public func user(token: String?, now: Double = Date().timeIntervalSince1970) -> AuthenticatedUser? {
        guard let token, let verifier, let claims = try? verifier.verify(token, now: now) else { return nil }
        return AuthenticatedUser(claims: claims, token: token)
    }

    /// The verified claims of a token, or nil when it is missing, forged or expired.
    public func claims(token: String?, now: Double = Date().timeIntervalSince1970) -> JSONObject? {
        guard let token, let verifier else { return nil }
        return try? verifier.verify(token, now: now)
    }

    /// The user of an `Authorization: Bearer <token>` header value.
    public func user(authorization: String?, now: Double = Date().timeIntervalSince1970) -> AuthenticatedUser? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return user(token: String(parts[1]).trimmingCharacters(in: .whitespaces), now: now)
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var inSeconds: Double {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
