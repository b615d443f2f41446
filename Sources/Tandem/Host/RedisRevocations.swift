import Wire

/// Open WebUI's token revocations, read straight from its Redis (`utils/auth.py`): a token whose
/// `{prefix}:auth:token:<jti>:revoked` key exists, or whose user has `{prefix}:auth:user:<id>:revoked_at` at or
/// after the token's `iat` (sign-out, password change, back-channel logout), is refused at once — without waiting
/// for the cached `GET /api/v1/auths/` answer to expire. As in Open WebUI, a Redis error accepts the token (the host
/// check still applies).
public struct RedisRevocations: Sendable {
    public let client: RedisClient
    public let keyPrefix: String

    public init(client: RedisClient, keyPrefix: String) {
        self.client = client
        self.keyPrefix = keyPrefix
    }

    /// Whether the token with these verified claims was revoked.
    public func isRevoked(claims: JSONObject) async -> Bool {
        var commands: [RESPCommand] = []
        let jti = claims["jti"]?.stringValue
        let userID = claims["id"]?.stringValue
        if let jti, !jti.isEmpty { commands.append(RESPCommand("GET", "\(keyPrefix):auth:token:\(jti):revoked")) }
        if let userID, !userID.isEmpty { commands.append(RESPCommand("GET", "\(keyPrefix):auth:user:\(userID):revoked_at")) }
        guard !commands.isEmpty, let replies = try? await client.pipeline(commands, timeout: .seconds(1)) else { return false }
        var index = 0
        if let jti, !jti.isEmpty {
            if replies.indices.contains(index), !replies[index].isNull, replies[index].errorMessage == nil { return true }
            index += 1
        }
        if let userID, !userID.isEmpty, replies.indices.contains(index),
            let text = replies[index].stringValue, let revokedAt = Int64(text)
        {
            // Open WebUI: a token without `iat` is a legacy token and counts as revoked.
            guard let issued = claims["iat"]?.intValue ?? claims["iat"]?.doubleValue.map({ Int64($0) }) else { return true }
            return issued <= revokedAt
        }
        return false
    }
}
