/// The Lua scripts of the notes in Redis (``RedisNoteStorage``); each runs atomically.
enum NoteScripts {
    /// Stores a note and its place in the index in one step. Refuses (returns 0) when the key holds an entry that is
    /// not a note with this id (an unreadable entry is never overwritten, as the file backend's).
    /// KEYS: note key, index. ARGV: note JSON, id, index score (updated_at in ms). Returns 1 when stored.
    static let save = RedisScript(
        """
        local current = redis.call('GET', KEYS[1])
        if current then
          local ok, value = pcall(cjson.decode, current)
          if not ok or type(value) ~= 'table' or value.id ~= ARGV[2] or type(value.user_id) ~= 'string'
            or type(value.created_at) ~= 'number' or type(value.updated_at) ~= 'number' then
            return 0
          end
        end
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
        return 1
        """)

    /// Removes a note and its index entry. KEYS: note key, index. ARGV: id. Returns 1 when the note existed.
    static let delete = RedisScript(
        """
        local removed = redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        return removed
        """)

    /// Reads values no larger than a limit: for each key, its value, or its length (an integer) when it is larger
    /// than ARGV[1] bytes, -1 when it is not a string, or nil when absent. KEYS: the keys. Returns one element per
    /// key.
    static let readBounded = RedisScript(
        """
        local limit = tonumber(ARGV[1])
        local out = {}
        for i = 1, #KEYS do
          local length = redis.pcall('STRLEN', KEYS[i])
          if type(length) ~= 'number' then out[i] = -1
          elseif length > limit then out[i] = length
          elseif length == 0 then out[i] = false
          else out[i] = redis.call('GET', KEYS[i]) end
        end
        return out
        """)
}
