import Wire

/// Where Open WebUI chats' read markers (`events:chat` `last_read_at`) are kept: ``ChatReadStore`` (memory and a
/// file, one node) or ``RedisChatReadStorage`` (cluster mode, shared by every node). Both refuse the same chat ids
/// and forget a user's least recently read chat beyond ``ChatReadLimits/maxChatsPerUser``.
public protocol ChatReadStorage: Sendable {
    /// Records that `userID` read `chatID` at `now`; nil when the chat id is empty or too long (or, in Redis, the
    /// marker could not be stored).
    func markRead(userID: String, chatID: String, now: Int64) async -> Int64?
    /// When `userID` last read `chatID`.
    func lastRead(userID: String, chatID: String) async -> Int64?
}

extension ChatReadStore: ChatReadStorage {}

/// Chat read markers in Redis: per user a hash chat id → last read (ns) and a sorted set of the chat ids scored by
/// it, changed together by one script that also drops the least recently read chats beyond the limit
/// (Docs/cluster.md, "Keys"). A stored time that is not a number reads as none.
public struct RedisChatReadStorage: ChatReadStorage {
    public let client: RedisClient
    public let keys: ClusterKeys
    public let limits: ChatReadLimits
    public let timeout: Duration

    public init(client: RedisClient, keys: ClusterKeys, limits: ChatReadLimits = ChatReadLimits(), timeout: Duration) {
        self.client = client
        self.keys = keys
        self.limits = limits
        self.timeout = timeout
    }

    /// KEYS: hash, sorted set. ARGV: chat id, time, limit. Returns 1.
    static let mark = RedisScript(
        """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
        if extra > 0 then
          for _, chat in ipairs(redis.call('ZRANGE', KEYS[2], 0, extra - 1)) do
            redis.call('HDEL', KEYS[1], chat)
            redis.call('ZREM', KEYS[2], chat)
          end
        end
        return 1
        """)

    public func markRead(userID: String, chatID: String, now: Int64) async -> Int64? {
        guard !chatID.isEmpty, chatID.utf8.count <= limits.maxChatIDBytes else { return nil }
        do {
            _ = try await client.evaluate(
                Self.mark, keys: [Array(keys.chatReads(userID).utf8), Array(keys.chatReadOrder(userID).utf8)],
                arguments: [Array(chatID.utf8), Array(String(now).utf8), Array(String(limits.maxChatsPerUser).utf8)],
                timeout: timeout)
            return now
        } catch {
            Log.shared.warn("cluster: chat read marker not stored", ["user": userID, "error": "\(error)"])
            return nil
        }
    }

    public func lastRead(userID: String, chatID: String) async -> Int64? {
        let reply = try? await client.send(RESPCommand("HGET", keys.chatReads(userID), chatID), timeout: timeout)
        return reply?.intValue
    }
}
