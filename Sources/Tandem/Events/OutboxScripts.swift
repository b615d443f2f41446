/// The Lua scripts of ``RedisOutbox``. Each runs atomically in Redis, so two nodes appending for one user at once
/// never exceed the bound or hand out one id twice.
///
/// A user's hash holds `next` (the next id), `indexed` (set once its index exists) and `<id>` → the entry's JSON
/// (the `add` record of ``EventOutbox``'s log). Beside it, three sorted sets index the readable entries: pending ids
/// and delivered ids (score = id) and every id by age (score = `created_at`). With them an append costs O(log n)
/// plus the entries it expires or evicts, and an acknowledgement O(log n) plus the entries it acknowledges; neither
/// reads the whole hash. A hash without `indexed` (written before the index existed, or whose index keys are gone)
/// is indexed once by a full read. Values that are not JSON objects with a numeric `created_at` are never indexed,
/// so never counted, changed or evicted. Every key gets the same absolute expiry (`PEXPIREAT` of Redis's own clock)
/// so they disappear together. Ids are handed out in Lua, whose numbers print exactly up to 10^14.
enum OutboxScripts {
    /// Shared functions. KEYS (both scripts): 1 the hash, 2 the pending set, 3 the delivered set, 4 the age set.
    private static let common = """
        local function forget(ids)
          for i = 1, #ids, 500 do
            local part = {unpack(ids, i, math.min(i + 499, #ids))}
            redis.call('HDEL', KEYS[1], unpack(part))
            redis.call('ZREM', KEYS[2], unpack(part))
            redis.call('ZREM', KEYS[3], unpack(part))
            redis.call('ZREM', KEYS[4], unpack(part))
          end
        end
        local function index()
          if redis.call('HEXISTS', KEYS[1], 'indexed') == 1 then return end
          redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
          local all = redis.call('HGETALL', KEYS[1])
          for i = 1, #all, 2 do
            local id = tonumber(all[i])
            if id then
              local ok, e = pcall(cjson.decode, all[i + 1])
              if ok and type(e) == 'table' and type(e.created_at) == 'number' then
                redis.call('ZADD', KEYS[4], e.created_at, all[i])
                if type(e.delivered_at) == 'number' then
                  redis.call('ZADD', KEYS[3], id, all[i])
                elseif e.delivered_at == nil then
                  redis.call('ZADD', KEYS[2], id, all[i])
                end
              end
            end
          end
          redis.call('HSET', KEYS[1], 'indexed', '1')
          local ttl = redis.call('PTTL', KEYS[1])
          if ttl > 0 then
            for _, key in ipairs({KEYS[2], KEYS[3], KEYS[4]}) do redis.call('PEXPIRE', key, ttl) end
          end
        end
        local function expire(ttl, keys)
          local now = redis.call('TIME')
          local at = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ttl)
          for _, key in ipairs(keys) do redis.call('PEXPIREAT', key, string.format('%d', at)) end
        end

        """

    /// Stores an event. KEYS: the hash, the pending, delivered and age sets, the sequence key. ARGV: now, expiry in
    /// seconds, max per user, the record without its `op` and `id` (a JSON object), TTL in ms.
    /// Expired entries are deleted; at the bound the oldest delivered ones are, as many as needed (none: refused).
    /// Returns the new id, or `{full}` (an array) when the outbox is full of pending events.
    static let append = RedisScript(
        common + """
            index()
            local now = tonumber(ARGV[1])
            local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. string.format('%.17g', now - tonumber(ARGV[2])))
            forget(old)
            local max = tonumber(ARGV[3])
            local count = redis.call('ZCARD', KEYS[4])
            if count >= max then
              local drop = redis.call('ZRANGE', KEYS[3], 0, count - max)
              if #drop == 0 then return {'full'} end
              forget(drop)
              if count - #drop >= max then return {'full'} end
            end
            local id = tonumber(redis.call('HGET', KEYS[1], 'next') or '')
            if not id then id = tonumber(redis.call('GET', KEYS[5]) or '0') + 1 end
            for _, set in ipairs({KEYS[2], KEYS[3]}) do
              local last = redis.call('ZRANGE', set, -1, -1, 'WITHSCORES')
              if #last == 2 and tonumber(last[2]) >= id then id = tonumber(last[2]) + 1 end
            end
            local field = string.format('%d', id)
            local record = '{"op":"add","id":' .. field .. ',' .. string.sub(ARGV[4], 2)
            redis.call('HSET', KEYS[1], 'next', string.format('%d', id + 1), field, record)
            redis.call('ZADD', KEYS[2], id, field)
            redis.call('ZADD', KEYS[4], now, field)
            if tonumber(redis.call('GET', KEYS[5]) or '0') < id then redis.call('SET', KEYS[5], field) end
            expire(ARGV[5], {KEYS[1], KEYS[2], KEYS[3], KEYS[4]})
            return id
            """)

    /// Acknowledges every pending entry up to an id: `"delivered_at":<at>` is added to its JSON and it moves to the
    /// delivered set. KEYS: the hash, the pending, delivered and age sets. ARGV: up to id, at (a JSON number), TTL
    /// in ms. Returns how many changed. An indexed id whose value is gone or unreadable leaves the index. Nothing is
    /// created for a user without a hash.
    static let acknowledge = RedisScript(
        common + """
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            index()
            local changed = 0
            for _, field in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])) do
              local value = redis.call('HGET', KEYS[1], field)
              local ok, e = false, nil
              if value then ok, e = pcall(cjson.decode, value) end
              local head = value and string.match(value, '^(.*)}%s*$')
              redis.call('ZREM', KEYS[2], field)
              if ok and type(e) == 'table' and type(e.created_at) == 'number' then
                if e.delivered_at == nil and head then
                  redis.call('HSET', KEYS[1], field, head .. ',"delivered_at":' .. ARGV[2] .. '}')
                  redis.call('ZADD', KEYS[3], tonumber(field), field)
                  changed = changed + 1
                elseif type(e.delivered_at) == 'number' then
                  redis.call('ZADD', KEYS[3], tonumber(field), field)
                end
              else
                redis.call('ZREM', KEYS[4], field)
              end
            end
            if changed > 0 then expire(ARGV[3], {KEYS[1], KEYS[2], KEYS[3], KEYS[4]}) end
            return changed
            """)

    /// Reads the pending entries above an id. KEYS: the hash, the pending set. ARGV: after. Returns their values
    /// in id order, or `{"unindexed"}` when the hash has no index yet (the caller then reads the hash). Writes
    /// nothing.
    static let pending = RedisScript("""
        if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
        if redis.call('HEXISTS', KEYS[1], 'indexed') == 0 then return {'unindexed'} end
        local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf')
        local found = {}
        for i = 1, #ids, 500 do
          local values = redis.call('HMGET', KEYS[1], unpack(ids, i, math.min(i + 499, #ids)))
          for j = 1, #values do
            if values[j] then found[#found + 1] = values[j] end
          end
        end
        return found
        """)
}
