/// The Lua scripts of cluster mode; each runs atomically in Redis, so a reader never sees a state without the
/// entries after it, and a stale compactor can never write.
///
/// Stream ids are compared in Lua by their two numeric parts (`ms-seq`; the milliseconds fit a Lua double exactly).
enum ClusterScripts {
    private static let compare = """
        local function parse(id)
          local ms, seq = string.match(id, '^(%d+)-(%d+)$')
          return tonumber(ms) or 0, tonumber(seq) or 0
        end
        local function after(a, b)
          local am, as = parse(a)
          local bm, bs = parse(b)
          if am ~= bm then return am > bm end
          return as > bs
        end

        """

    /// Appends an update and announces it. KEYS: log. ARGV: update, node id, peer id, user id, channel.
    /// Returns the new stream id.
    static let append = RedisScript(
        """
        local id = redis.call('XADD', KEYS[1], '*', 'u', ARGV[1], 'n', ARGV[2], 'p', ARGV[3], 'a', ARGV[4])
        redis.call('PUBLISH', ARGV[5], ARGV[2] .. ' ' .. id)
        return id
        """)

    /// Reads what a node lacks. KEYS: state, log. ARGV: cursor, count, `load` or `pull`.
    /// Returns `{covered id or "", state or nil, entries}`: with `load`, or when the state covers entries past the
    /// cursor (they were trimmed), the state is included and the entries start after the id it covers.
    static let read = RedisScript(
        compare + """
            local covered = redis.call('HGET', KEYS[1], 'id')
            local state = false
            local from = ARGV[1]
            if covered and (ARGV[3] == 'load' or after(covered, ARGV[1])) then
              state = redis.call('HGET', KEYS[1], 'state')
              if after(covered, from) then from = covered end
            end
            local entries = redis.call('XRANGE', KEYS[2], '(' .. from, '+', 'COUNT', ARGV[2])
            return {covered or '', state, entries}
            """)

    /// Takes or renews the compaction lease. KEYS: lease, fence. ARGV: token, ttl in ms.
    /// Returns the fencing token (> 0) when this token holds the lease, else 0.
    static let acquire = RedisScript(
        """
        local current = redis.call('GET', KEYS[1])
        if current == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return tonumber(redis.call('GET', KEYS[2]) or '0')
        elseif not current then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return redis.call('INCR', KEYS[2])
        end
        return 0
        """)

    /// Writes the compacted state and trims the stream up to the id it covers, only for the lease holder with the
    /// current fencing token. KEYS: lease, fence, state, log. ARGV: token, fence, state, covered id, trim MINID.
    /// Returns 1 when written, 0 when the stored state already covers more (nothing written); errors `LEASE` or
    /// `FENCE` when the lease was lost or superseded.
    static let writeState = RedisScript(
        compare + """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('LEASE not held') end
            local fence = tonumber(ARGV[2])
            if tonumber(redis.call('GET', KEYS[2]) or '0') ~= fence then return redis.error_reply('FENCE superseded') end
            if tonumber(redis.call('HGET', KEYS[3], 'fence') or '0') > fence then return redis.error_reply('FENCE stale') end
            local previous = redis.call('HGET', KEYS[3], 'id')
            if previous and after(previous, ARGV[4]) then return 0 end
            redis.call('HSET', KEYS[3], 'state', ARGV[3], 'id', ARGV[4], 'fence', ARGV[2])
            if ARGV[4] ~= '0-0' then redis.call('XTRIM', KEYS[4], 'MINID', ARGV[5]) end
            return 1
            """)

    /// Gives the lease up if this token still holds it. KEYS: lease. ARGV: token.
    static let release = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)
}
