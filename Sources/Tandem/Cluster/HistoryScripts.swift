/// The Lua scripts of the history in Redis (``RedisHistoryStorage``); each runs atomically.
enum HistoryScripts {
    /// Stores a version's state and names it in the index in one step, so a listed version is always readable.
    /// KEYS: state key, index. ARGV: version id, state, metadata JSON. Returns 1.
    static let add = RedisScript(
        """
        redis.call('SET', KEYS[1], ARGV[2])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
        return 1
        """)

    /// Removes versions: first from the index, then their states (idempotent; two nodes may run it at once).
    /// KEYS: index, then the state key of each version. ARGV: the version ids, in the same order. Returns how many
    /// index entries this call removed.
    static let drop = RedisScript(
        """
        local removed = 0
        for i = 1, #ARGV do
          removed = removed + redis.call('HDEL', KEYS[1], ARGV[i])
          redis.call('DEL', KEYS[i + 1])
        end
        return removed
        """)

    /// Deletes a document's whole history: every state up to the id counter (also states whose index entry was
    /// lost), the index and the counter. KEYS: index, counter. ARGV: the state-key prefix. Returns 1.
    static let removeAll = RedisScript(
        """
        local last = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
        for i = 1, last do redis.call('DEL', ARGV[1] .. i) end
        for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do redis.call('DEL', ARGV[1] .. id) end
        redis.call('DEL', KEYS[1], KEYS[2])
        return 1
        """)
}
