import Foundation
import Wire

/// Mints HS256 JWTs that ``TokenAuthenticator`` (and Open WebUI) accept: `tandem token`, and the admin token
/// `tandem serve` prints when it runs with an ephemeral secret.
///
/// Claims: `id`, `name`, `role` (`admin` or `user`), `iat`, `exp` (unless the token never expires) and a random
/// `jti`, signed with the secret's UTF-8 bytes as Open WebUI signs with `WEBUI_SECRET_KEY`.
public struct TokenIssuer: Sendable {
    /// Lifetime of a token when none is asked for (`tandem token` without `--expires`). Default 1 hour.
    public static let defaultLifetime: Duration = .seconds(3600)
    /// Bytes of randomness in a generated secret (``randomSecret(byteCount:)``). Default 32 (256 bits).
    public static let secretByteCount = 32

    /// The roles a token may carry (others are refused by ``TokenAuthenticator``).
    public static let roles = ["admin", "user"]

    private let secret: String

    /// An issuer signing with `secret`.
    public init(secret: String) {
        self.secret = secret
    }

    /// A signed token for `userID`.
    /// - Parameters:
    ///   - name: the display name; default the id.
    ///   - role: `admin` or `user` (anything else is minted but refused by the server).
    ///   - lifetime: time until `exp`; nil for a token without `exp`.
    ///   - now: seconds since 1970 (`iat`).
    ///   - jti: the token id; default a random UUID.
    public func mint(
        userID: String, name: String? = nil, role: String = "user", lifetime: Duration? = TokenIssuer.defaultLifetime,
        now: Double, jti: String = UUID().uuidString.lowercased()
    ) -> String {
        let issuedAt = Int64(now.rounded(.down))
        var claims: JSONObject = [
            "id": .string(userID), "name": .string(name ?? userID), "role": .string(role), "iat": .int(issuedAt),
        ]
        if let lifetime {
            claims["exp"] = .int(issuedAt + max(1, lifetime.components.seconds))
        }
        claims["jti"] = .string(jti)
        return JWTVerifier.sign(claims, secret: self.secret)
    }

    /// A fresh random secret: ``secretByteCount`` bytes from the system's cryptographic generator, base64url.
    public static func randomSecret(byteCount: Int = TokenIssuer.secretByteCount) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<max(16, byteCount)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64.encode(bytes, alphabet: .url, padding: false)
    }
}
