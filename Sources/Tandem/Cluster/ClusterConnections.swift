import Wire

/// Every node's connections with a user, mirrored in Redis: the events API lists a user's plain connections
/// (`/ws/notify`, `/ws/chat`, y-websocket) on all nodes (Socket.IO sessions are listed from Open WebUI's
/// `session_pool`; Docs/events.md), and the per-user limit counts the user's connections on the other live nodes
/// (``count(ofUser:)``).
///
/// Each node mirrors its own ``UserConnections`` table into Redis, Socket.IO sockets included:
/// `{prefix}:user:<user>:connections` (field `<node>/<id>` → JSON) and `{prefix}:node:<node>:connections` (id →
/// user), written in arrival order by one task so an unregister never overtakes its register. A node that dies
/// leaves its entries; ``ClusterNode`` removes them with its sessions (``ClusterNode/removeConnections(ofDeadNode:)``),
/// and the count skips them as soon as the node's presence key has expired.
final class ClusterConnections: ClusterAdmitter {
    /// One remote or local entry as listed.
    struct Listed: Sendable, Equatable {
        var id: String
        var kind: String
        var target: String?
        var node: String
    }

    private enum Operation: Sendable {
        case registered(UserConnections.Entry)
        case unregistered(UserConnections.Entry)
    }

    let client: RedisClient
    let keys: ClusterKeys
    let nodeID: String
    let timeout: Duration
    private let operations: AsyncStream<Operation>
    private let queue: AsyncStream<Operation>.Continuation

    /// Counts admissions that could not reach Redis (`tandem_events_limit_check_failures_total`).
    let limitCheckFailures: MetricCounter?

    init(
        client: RedisClient, keys: ClusterKeys, nodeID: String, timeout: Duration = .seconds(2),
        limitCheckFailures: MetricCounter? = nil
    ) {
        self.client = client
        self.keys = keys
        self.nodeID = nodeID
        self.timeout = timeout
        self.limitCheckFailures = limitCheckFailures
        (operations, queue) = AsyncStream.makeStream(of: Operation.self, bufferingPolicy: .bufferingOldest(1 << 16))
    }

    /// Mirrors `connections` from now on and starts the writing task.
    func attach(to connections: UserConnections) {
        connections.observe { [self] entry, registered in
            queue.yield(registered ? .registered(entry) : .unregistered(entry))
        }
        Task { await self.run() }
    }

    /// Stops the writing task once what is queued is written.
    func finish() { queue.finish() }

    private func run() async {
        for await operation in operations {
            let commands: [RESPCommand]
            switch operation {
            case .registered(let entry):
                commands = [
                    RESPCommand("HSET", keys.userConnections(entry.userID), field(entry.id), json(entry)),
                    RESPCommand("HSET", keys.nodeConnections(nodeID), entry.id, entry.userID),
                ]
            case .unregistered(let entry):
                commands = [
                    RESPCommand("HDEL", keys.userConnections(entry.userID), field(entry.id)),
                    RESPCommand("HDEL", keys.nodeConnections(nodeID), entry.id),
                ]
            }
            do {
                _ = try await client.pipeline(commands, timeout: timeout)
            } catch {
                Log.shared.warn("cluster: connection table not updated", ["error": "\(error)"])
            }
        }
    }

    private func field(_ id: String) -> String { nodeID + "/" + id }

    /// The table's value of an entry: `{id, protocol, target, node}`.
    private func json(_ entry: UserConnections.Entry) -> String {
        var json: JSONObject = ["id": .string(entry.id), "protocol": .string(entry.kind), "node": .string(nodeID)]
        json["target"] = entry.target.map(JSONValue.string) ?? .null
        return JSONValue.object(json).serialized()
    }

    /// A user's plain connections on every node; nil when Redis cannot be read. Malformed entries are skipped.
    func connections(ofUser userID: String) async -> [Listed]? {
        guard let reply = try? await client.send(RESPCommand("HGETALL", keys.userConnections(userID)), timeout: timeout)
        else { return nil }
        var listed: [Listed] = []
        for (_, value) in reply.hashPairs {
            guard let raw = value.bytesValue, let json = try? JSONParser.parse(raw),
                let id = json["id"]?.stringValue, let kind = json["protocol"]?.stringValue,
                let node = json["node"]?.stringValue
            else { continue }
            listed.append(Listed(id: id, kind: kind, target: json["target"]?.stringValue, node: node))
        }
        return listed.sorted { ($0.node, $0.id) < ($1.node, $1.id) }
    }

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
        queue.yield(.unregistered(entry))
    }

    /// Counts, in the user's table, the fields of other nodes whose presence key exists. KEYS[1]: the table.
    /// ARGV[1]: this node's id, ARGV[2]: the node presence key without the id.
    private static let countFunction = """
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

extension ClusterNode {
    /// Removes a dead node's plain connections from its users' connection tables (idempotent; any node may).
    func removeConnections(ofDeadNode node: String) async throws(RedisError) {
        let reply = try await client.send(RESPCommand("HGETALL", keys.nodeConnections(node)), timeout: settings.commandTimeout)
        var commands: [RESPCommand] = []
        for (field, value) in reply.hashPairs {
            guard let id = field.stringValue, let user = value.stringValue else { continue }
            commands.append(RESPCommand("HDEL", keys.userConnections(user), node + "/" + id))
        }
        commands.append(RESPCommand("DEL", keys.nodeConnections(node)))
        _ = try await client.pipeline(commands, timeout: settings.commandTimeout)
    }
}
