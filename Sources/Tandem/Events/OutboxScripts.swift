/// The Lua scripts of ``RedisOutbox``. Each runs atomically in Redis, so two nodes appending for one user at once
/// never exceed the bound or hand out one id twice.
///
/// A user's hash holds `next` (the next id) and `<id>` → the entry's JSON (the `add` record of ``EventOutbox``'s
/// log). Values that are not JSON objects with a numeric `created_at` are skipped (never counted, changed or
/// evicted). Ids are handed out in Lua, whose numbers print exactly up to 10^14.
enum OutboxScripts {
    /// Reads the user's entries: `entries[i] = {id, delivered}` of the readable ones, `old` the fields of the expired.
    private static let scan = """
        local function scan(key, limit)
          local all = redis.call('HGETALL', key)
          local entries, old = {}, {}
          for i = 1, #all, 2 do
            local id = tonumber(all[i])
            if id then
              local ok, e = pcall(cjson.decode, all[i + 1])
              if ok and type(e) == 'table' and type(e.created_at) == 'number' then
                if e.created_at < limit then
                  old[#old + 1] = all[i]
                else
                  entries[#entries + 1] = {id, type(e.delivered_at) == 'number', all[i], all[i + 1], e.delivered_at == nil}
                end
              end
            end
          end
          table.sort(entries, function(a, b) return a[1] < b[1] end)
          return entries, old
        end
        local function forget(key, fields)
          for i = 1, #fields, 500 do
            redis.call('HDEL', key, unpack(fields, i, math.min(i + 499, #fields)))
          end
        end

        """

    /// Stores an event. KEYS: the user's hash, the sequence key. ARGV: now, expiry in seconds, max per user, the
    /// record without its `op` and `id` (a JSON object), TTL in ms.
    /// Expired entries are deleted; at the bound the oldest delivered ones are, as many as needed (none: refused).
    /// Returns the new id, or `{full}` (an array) when the outbox is full of pending events.
    static let append = RedisScript(
        scan + """
            local entries, old = scan(KEYS[1], tonumber(ARGV[1]) - tonumber(ARGV[2]))
            forget(KEYS[1], old)
            local max = tonumber(ARGV[3])
            if #entries >= max then
              local need = #entries - max + 1
              local drop = {}
              for _, e in ipairs(entries) do
                if #drop < need and e[2] then drop[#drop + 1] = e[3] end
              end
              if #drop == 0 then return {'full'} end
              forget(KEYS[1], drop)
              if #entries - #drop >= max then return {'full'} end
            end
            local id = tonumber(redis.call('HGET', KEYS[1], 'next') or '')
            if not id then id = tonumber(redis.call('GET', KEYS[2]) or '0') + 1 end
            if #entries > 0 and entries[#entries][1] >= id then id = entries[#entries][1] + 1 end
            local record = '{"op":"add","id":' .. string.format('%d', id) .. ',' .. string.sub(ARGV[4], 2)
            redis.call('HSET', KEYS[1], 'next', string.format('%d', id + 1), string.format('%d', id), record)
            if tonumber(redis.call('GET', KEYS[2]) or '0') < id then redis.call('SET', KEYS[2], string.format('%d', id)) end
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            return id
            """)

    /// Acknowledges every pending entry up to an id: `"delivered_at":<at>` is added to its JSON. KEYS: the user's
    /// hash. ARGV: up to id, at (a JSON number), TTL in ms. Returns how many changed.
    static let acknowledge = RedisScript(
        scan + """
            local entries = scan(KEYS[1], -math.huge)
            local upto = tonumber(ARGV[1])
            local changed = 0
            for _, e in ipairs(entries) do
              if e[1] <= upto and e[5] then
                local head = string.match(e[4], '^(.*)}%s*$')
                if head then
                  redis.call('HSET', KEYS[1], e[3], head .. ',"delivered_at":' .. ARGV[2] .. '}')
                  changed = changed + 1
                end
              end
            end
            if changed > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
            return changed
            """)
}
