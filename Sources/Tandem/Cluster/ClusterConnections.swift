import Wire

/// The plain connections (`/ws/notify`, `/ws/chat`, y-websocket) of every node of a cluster, so the events API lists
/// a user's sessions on all nodes (Socket.IO sessions are in Open WebUI's `session_pool`; Docs/events.md).
///
/// Each node mirrors its own ``UserConnections`` table into Redis: `{prefix}:user:<user>:connections` (field
/// `<node>/<id>` → JSON) and `{prefix}:node:<node>:connections` (id → user), written in arrival order by one task so
/// an unregister never overtakes its register. A node that dies leaves its entries; ``ClusterNode`` removes them
/// with its sessions (``ClusterNode/removeConnections(ofDeadNode:)``).
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

    /// Mirrors `connections` from now on (plain kinds only) and starts the writing task.
    func attach(to connections: UserConnections) {
        connections.observe { [self] entry, registered in
            guard entry.kind != "socketio" else { return }
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
