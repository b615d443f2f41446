import Wire

/// The per-user connection limit across the nodes of a cluster (Docs/events.md, "Per-user connection limit"): the
/// count of a user's connections on the other live nodes, and its atomic reservation of a new connection.
extension ClusterConnections {
    /// Counts the user's connections on the other nodes whose presence key is alive; nil when Redis cannot be
    /// read. One script: proportional to the user's own entries.
    func count(ofUser userID: String) async -> Int? {
        guard let reply = try? await client.evaluate(
            Self.countScript, keys: [Array(keys.userConnections(userID).utf8)],
            arguments: [Array(nodeID.utf8), Array(keys.node("").utf8)], timeout: timeout)
        else { return nil }
        return reply.intValue.map { Int($0) }
    }

    /// The per-user limit across nodes: counts the user's connections on the other live nodes and reserves the
    /// entry (both table fields) in the same script when those plus `here` stay below `limit`.
    func reserve(_ entry: UserConnections.Entry, here: Int, limit: Int) async -> ClusterAdmission {
        do {
            let reply = try await client.evaluate(
                Self.reserveScript,
                keys: [Array(keys.userConnections(entry.userID).utf8), Array(keys.nodeConnections(nodeID).utf8)],
                arguments: [
                    Array(nodeID.utf8), Array(keys.node("").utf8), Array(String(limit).utf8), Array(String(here).utf8),
                    Array(field(entry.id).utf8), Array(json(entry).utf8), Array(entry.id.utf8), Array(entry.userID.utf8),
                ],
                timeout: timeout)
            guard let elsewhere = reply.intValue else {
                limitCheckFailures?.increment()
                return .unavailable
            }
            return elsewhere < 0 ? .refused : .reserved(elsewhere: Int(elsewhere))
        } catch {
            limitCheckFailures?.increment()
            Log.shared.warn(
                "cluster: connections on other nodes not counted; per-user limit counts this node only", ["error": "\(error)"])
            return .unavailable
        }
    }

    /// Removes a reservation (through the writing task, after anything queued for the entry).
    func release(_ entry: UserConnections.Entry) {
        writer.yield(.unregistered(entry))
    }

    /// Counts, in the user's table, the fields of other nodes whose presence key exists. KEYS[1]: the table.
    /// ARGV[1]: this node's id, ARGV[2]: the node presence key without the id.
    static let countFunction = """
        local function elsewhere()
          local alive, count = {}, 0
          for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
            local node = string.match(field, '^(.-)/')
            if node and node ~= ARGV[1] then
              if alive[node] == nil then alive[node] = redis.call('EXISTS', ARGV[2] .. node) == 1 end
              if alive[node] then count = count + 1 end
            end
          end
          return count
        end

        """

    /// Returns the count of ``countFunction``.
    static let countScript = RedisScript(countFunction + "return elsewhere()\n")

    /// KEYS: the user's table, this node's table. ARGV: node id, presence key prefix, limit, count here, field,
    /// value, connection id, user id. Returns -1 (refused) or the count elsewhere, after writing both fields.
    static let reserveScript = RedisScript(countFunction + """
        local count = elsewhere()
        if count + tonumber(ARGV[4]) >= tonumber(ARGV[3]) then return -1 end
        redis.call('HSET', KEYS[1], ARGV[5], ARGV[6])
        redis.call('HSET', KEYS[2], ARGV[7], ARGV[8])
        return count
        """)
}
