/// The Lua scripts of the channels in Redis (``RedisChannelStorage``); each runs atomically. Status codes shared by
/// several: -1 no such channel, 0 not a member, -2 no such message (or parent), -3 the message changed since it
/// was read (retry), -4 too many members.
enum ChannelScripts {
    /// Creates a channel: its fields, its members (last read 0), the channel list and each member's list.
    /// KEYS: fields, members, channel list, then each member's list. ARGV: channel id, fields JSON, member ids.
    static let create = RedisScript(
        """
        redis.call('SET', KEYS[1], ARGV[2])
        redis.call('SADD', KEYS[3], ARGV[1])
        for i = 3, #ARGV do
          redis.call('HSET', KEYS[2], ARGV[i], 0)
          redis.call('SADD', KEYS[i + 1], ARGV[1])
        end
        return 1
        """)

    /// Reads channels: for each (fields, members, order) key triple, `{fields, members, message count}` where
    /// members is the flat `HGETALL` array, or the member count when over ARGV[1]; an empty array for a channel
    /// that is gone. KEYS: the triples. Returns one element per triple.
    static let load = RedisScript(
        """
        local limit = tonumber(ARGV[1])
        local out = {}
        for i = 1, #KEYS, 3 do
          local fields = redis.call('GET', KEYS[i])
          if not fields then
            out[#out + 1] = {}
          else
            local count = redis.call('HLEN', KEYS[i + 1])
            local members = count
            if count <= limit then members = redis.call('HGETALL', KEYS[i + 1]) end
            out[#out + 1] = {fields, members, redis.call('ZCARD', KEYS[i + 2])}
          end
        end
        return out
        """)

    /// Adds and removes members (never the owner), refusing when the result would pass the limit.
    /// KEYS: fields, members, then the lists of the added users, then those of the removed ones. ARGV: channel id,
    /// owner id, member limit, number added, new fields JSON, added ids, removed ids. Returns 1, -1 or -4.
    static let changeMembers = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        local added = tonumber(ARGV[4])
        local count = redis.call('HLEN', KEYS[2])
        local seen = {}
        for i = 6, 5 + added do
          if not seen[ARGV[i]] and redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then count = count + 1 end
          seen[ARGV[i]] = true
        end
        for i = 6 + added, #ARGV do
          if not seen[ARGV[i]] and ARGV[i] ~= ARGV[2] and redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then
            count = count - 1
          end
          seen[ARGV[i]] = true
        end
        if count > tonumber(ARGV[3]) then return -4 end
        for i = 6, 5 + added do
          redis.call('HSETNX', KEYS[2], ARGV[i], 0)
          redis.call('SADD', KEYS[i - 3], ARGV[1])
        end
        for i = 6 + added, #ARGV do
          if ARGV[i] ~= ARGV[2] then
            redis.call('HDEL', KEYS[2], ARGV[i])
            redis.call('SREM', KEYS[i - 3], ARGV[1])
          end
        end
        redis.call('SET', KEYS[1], ARGV[5])
        return 1
        """)

    /// Records a member's last read. KEYS: fields, members. ARGV: user id, time. Returns 1, 0 or -1.
    static let markRead = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        return 1
        """)

    /// Posts a message: the next sequence number, the message and its place in the order.
    /// KEYS: fields, members, messages, order, sequence. ARGV: user id, message id, message JSON, parent id or "".
    /// Returns 1, 0, -1 or -2 (no such parent).
    static let post = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
        if ARGV[4] ~= '' and redis.call('HEXISTS', KEYS[3], ARGV[4]) == 0 then return -2 end
        local sequence = redis.call('INCR', KEYS[5])
        redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
        redis.call('ZADD', KEYS[4], sequence, ARGV[2])
        return 1
        """)

    /// Reads one message for a member (or an admin). KEYS: fields, members, messages. ARGV: user id, "1" for an
    /// admin, message id. Returns the message JSON, or -1, 0 or -2.
    static let message = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if ARGV[2] ~= '1' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
        local message = redis.call('HGET', KEYS[3], ARGV[3])
        if not message then return -2 end
        return message
        """)

    /// Replaces a message when it is still the one read (compare and set), or deletes it (ARGV[5] empty: also from
    /// the order). KEYS: fields, members, messages, order. ARGV: user id, "1" for an admin, message id, the JSON
    /// read, the new JSON or "". Returns 1, -1, 0, -2 or -3.
    static let replace = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if ARGV[2] ~= '1' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
        local current = redis.call('HGET', KEYS[3], ARGV[3])
        if not current then return -2 end
        if current ~= ARGV[4] then return -3 end
        if ARGV[5] == '' then
          redis.call('HDEL', KEYS[3], ARGV[3])
          redis.call('ZREM', KEYS[4], ARGV[3])
        else
          redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
        end
        return 1
        """)

    /// A page of history for a member (or an admin), newest first. KEYS: fields, members, order, messages.
    /// ARGV: user id, "1" for an admin, skip, count. Returns the messages' JSON (nil for an id without a message),
    /// or -1 or 0.
    static let page = RedisScript(
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if ARGV[2] ~= '1' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
        local skip = tonumber(ARGV[3])
        local count = tonumber(ARGV[4])
        if count <= 0 then return {} end
        local out = {}
        for i, id in ipairs(redis.call('ZREVRANGE', KEYS[3], skip, skip + count - 1)) do
          out[i] = redis.call('HGET', KEYS[4], id)
        end
        return out
        """)
}
