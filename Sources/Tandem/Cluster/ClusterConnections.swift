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
final class ClusterConnections: Sendable {
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

    init(client: RedisClient, keys: ClusterKeys, nodeID: String, timeout: Duration = .seconds(2)) {
        self.client = client
        self.keys = keys
        self.nodeID = nodeID
        self.timeout = timeout
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
                var json: JSONObject = ["id": .string(entry.id), "protocol": .string(entry.kind), "node": .string(nodeID)]
                json["target"] = entry.target.map(JSONValue.string) ?? .null
                commands = [
                    RESPCommand("HSET", keys.userConnections(entry.userID), field(entry.id), JSONValue.object(json).serialized()),
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
    /// read (the caller then counts this node's only). One script: proportional to the user's own entries.
    func count(ofUser userID: String) async -> Int? {
        do {
            let reply = try await client.evaluate(
                Self.countScript, keys: [Array(keys.userConnections(userID).utf8)],
                arguments: [Array(nodeID.utf8), Array(keys.node("").utf8)], timeout: timeout)
            guard let count = reply.intValue else { return nil }
            return Int(count)
        } catch {
            Log.shared.warn("cluster: connections on other nodes not counted; per-user limit counts this node only", ["error": "\(error)"])
            return nil
        }
    }

    /// KEYS: the user's connection hash. ARGV: this node's id, the node presence key without the id. Returns how
    /// many fields belong to another node whose presence key exists.
    static let countScript = RedisScript("""
        local alive, count = {}, 0
        for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
          local node = string.match(field, '^(.-)/')
          if node and node ~= ARGV[1] then
            if alive[node] == nil then alive[node] = redis.call('EXISTS', ARGV[2] .. node) == 1 end
            if alive[node] then count = count + 1 end
          end
        end
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
