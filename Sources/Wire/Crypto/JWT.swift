/// JSON Web Tokens signed with HS256 (RFC 7519, RFC 7515 compact form, RFC 7518 §3.2), as Open WebUI issues them.
///
/// Open WebUI signs its session tokens with HS256 and `WEBUI_SECRET_KEY`; the payload carries `id` and usually `exp`
/// and `jti` (openwebui-protocol.md §1 "Authentication"). Verification accepts exactly `"alg":"HS256"`: `none`,
/// `HS512`, `RS256` and anything else are refused before the signature is looked at, so a token cannot choose a
/// weaker check (RFC 8725 §3.1). The signature is compared in constant time; `exp`, `nbf` and `iat` are checked
/// against an explicit `now` (RFC 7519 §4.1.4–4.1.6): expired when `exp <= now` (exactly, as PyJWT with Open WebUI's
/// leeway 0), not yet valid when `nbf > now + clockSkew`, and refused when issued in the future,
/// `iat > now + clockSkew` (PyJWT's `ImmatureSignatureError`). ``clockSkew`` only forgives clocks running behind
/// the issuer's; it never extends a token's life.
public struct JWTVerifier: Sendable {
    /// Why a token was refused.
    public enum Failure: Error, Equatable, Sendable {
        /// Longer than ``maxTokenLength``.
        case tooLong
        /// Not three base64url segments with JSON header and payload objects.
        case malformed
        /// The header's `alg` is not exactly `HS256` (the string found, or nil when absent).
        case unsupportedAlgorithm(String?)
        /// The HMAC does not match.
        case badSignature
        /// `exp` is at or before `now`.
        case expired
        /// `nbf` is after `now` plus the clock skew.
        case notYetValid
        /// `iat` is after `now` plus the clock skew.
        case issuedInFuture
        /// A required claim is missing or has the wrong type.
        case invalidClaim(String)
    }

    /// Longest token accepted, in bytes. Default 8 KiB (Open WebUI tokens are about 200 bytes).
    public var maxTokenLength: Int
    /// Seconds an `nbf` or `iat` may lie in the future (the issuer's clock running ahead of ours). Default 30.
    public var clockSkew: Double
    private let secret: [UInt8]

    /// A verifier for tokens signed with `secret` (its UTF-8 bytes, as PyJWT uses a str key).
    public init(secret: String, maxTokenLength: Int = 8 << 10, clockSkew: Double = 30) {
        self.secret = Array(secret.utf8)
        self.maxTokenLength = maxTokenLength
        self.clockSkew = max(0, clockSkew)
    }

    /// Verifies `token` and returns its payload claims.
    /// - Parameter now: the current time in seconds since 1970; the token is expired when `exp <= now` (PyJWT), not
    ///   yet valid when `nbf > now + clockSkew`, issued in the future when `iat > now + clockSkew`.
    /// - Throws: ``Failure``.
    public func verify(_ token: String, now: Double) throws(Failure) -> JSONObject {
        let bytes = Array(token.utf8)
        guard bytes.count <= self.maxTokenLength else { throw .tooLong }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = try? Base64.decoding(parts[0], alphabet: .url),
            let payloadBytes = try? Base64.decoding(parts[1], alphabet: .url),
            let signature = try? Base64.decoding(parts[2], alphabet: .url),
            let header = (try? JSONParser.parse(headerBytes))?.objectValue,
            let payload = (try? JSONParser.parse(payloadBytes))?.objectValue
        else { throw .malformed }
        guard let algorithm = header["alg"]?.stringValue, algorithm == "HS256" else {
            throw .unsupportedAlgorithm(header["alg"]?.stringValue)
        }
        let signingInput = bytes[0..<(parts[0].count + 1 + parts[1].count)]
        let expected = HMACSHA256.authenticationCode(for: signingInput, key: self.secret)
        guard HMACSHA256.constantTimeEquals(expected, signature) else { throw .badSignature }
        if let expiry = payload["exp"] {
            guard let seconds = expiry.doubleValue else { throw .invalidClaim("exp") }
            guard now < seconds else { throw .expired }
        }
        if let notBefore = payload["nbf"] {
            guard let seconds = notBefore.doubleValue else { throw .invalidClaim("nbf") }
            guard seconds <= now + self.clockSkew else { throw .notYetValid }
        }
        if let issuedAt = payload["iat"] {
            guard let seconds = issuedAt.doubleValue else { throw .invalidClaim("iat") }
            guard seconds <= now + self.clockSkew else { throw .issuedInFuture }
        }
        return payload
    }

    /// Signs `claims` as an HS256 JWT (tests, benchmarks and the interop suite's peer).
    public static func sign(_ claims: JSONObject, secret: String) -> String {
        let header: JSONValue = ["alg": "HS256", "typ": "JWT"]
        let signingInput =
            Base64.encode(header.serializedBytes(), alphabet: .url, padding: false) + "."
            + Base64.encode(JSONValue.object(claims).serializedBytes(), alphabet: .url, padding: false)
        let mac = HMACSHA256.authenticationCode(for: signingInput.utf8, key: Array(secret.utf8))
        return signingInput + "." + Base64.encode(mac, alphabet: .url, padding: false)
    }
}
