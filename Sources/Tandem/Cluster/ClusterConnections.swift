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
///
/// The mirror heals itself: every ``checkInterval`` the writing task compares the size of this node's hash with its
/// table (one `HLEN`) and, when they differ or a write failed since the last check (Redis was unreachable, the
/// queue overflowed, the other nodes took this node for dead during a pause and removed its entries), rewrites
/// the node's entries from its table and removes those it no longer has. Every 12th check
/// (``RedisMirrorWriter/fullCheckEvery``) reads the whole hash instead of its size, so a divergence that leaves the
/// count equal (an entry lost and a stale one left) heals too, within a minute by default.
final class ClusterConnections: ClusterAdmitter {
    /// One remote or local entry as listed.
    struct Listed: Sendable, Equatable {
        var id: String
        var kind: String
        var target: String?
        var node: String
    }

    enum Operation: Sendable {
        case registered(UserConnections.Entry)
        case unregistered(UserConnections.Entry)
    }

    /// The mirrored table (weakly: it owns this mirror through its observer).
    private struct Source: Sendable {
        weak var connections: UserConnections?
    }

    let client: RedisClient
    let keys: ClusterKeys
    let nodeID: String
    let timeout: Duration
    /// Writes the changes in order and runs the checks (every ``checkInterval``, default 5 s; every 12th compares
    /// every entry).
    let writer: RedisMirrorWriter<Operation>
    private let source = Locked(Source())

    /// Counts admissions that could not reach Redis (`tandem_events_limit_check_failures_total`).
    let limitCheckFailures: MetricCounter?

    init(
        client: RedisClient, keys: ClusterKeys, nodeID: String, timeout: Duration = .seconds(2),
        limitCheckFailures: MetricCounter? = nil, checkInterval: Duration = .seconds(5)
    ) {
        self.client = client
        self.keys = keys
        self.nodeID = nodeID
        self.timeout = timeout
        self.limitCheckFailures = limitCheckFailures
        self.writer = RedisMirrorWriter(checkInterval: checkInterval)
    }

    /// How often the mirror is compared with the table.
    var checkInterval: Duration { writer.checkInterval }

    /// Mirrors `connections` from now on and starts the writing task and its periodic check.
    func attach(to connections: UserConnections) {
        source.withLock { $0.connections = connections }
        let writer = self.writer
        connections.observe { entry, registered in
            writer.yield(registered ? .registered(entry) : .unregistered(entry))
        }
        writer.start(write: { [self] operation in await write(operation) }, check: { [self] full, dirty in await check(full: full, dirty: dirty) })
    }

    /// Stops the writing task once what is queued is written.
    func finish() { writer.finish() }

    private func write(_ operation: Operation) async -> Bool {
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
            return true
        } catch {
            Log.shared.warn("cluster: connection table not updated; resynchronized at the next check", ["error": "\(error)"])
            return false
        }
    }

    /// Compares the node's hash with the table (its size, or with `full` every entry); rewrites it when they differ
    /// or `dirty` (a write failed). Returns whether the hash now matches.
    private func check(full: Bool, dirty: Bool) async -> Bool {
        guard let connections = source.withLock({ $0.connections }) else { return true }
        let local = connections.allEntries()
        if !dirty && !full {
            guard let reply = try? await client.send(RESPCommand("HLEN", keys.nodeConnections(nodeID)), timeout: timeout),
                let stored = reply.intValue
            else { return false }
            if stored == Int64(local.count) { return true }
        }
        do {
            let reply = try await client.send(RESPCommand("HGETALL", keys.nodeConnections(nodeID)), timeout: timeout)
            var wanted: [String: String] = [:]
            for entry in local { wanted[entry.id] = entry.userID }
            var commands: [RESPCommand] = []
            let stored = reply.hashPairs
            for (field, value) in stored {
                guard let id = field.stringValue, let user = value.stringValue else { continue }
                if let keep = wanted[id], keep.bytewiseEquals(user) { continue }
                commands.append(RESPCommand("HDEL", keys.userConnections(user), self.field(id)))
                commands.append(RESPCommand("HDEL", keys.nodeConnections(nodeID), id))
            }
            let removed = commands.count / 2
            if !dirty && removed == 0 && stored.count == local.count {
                return true  // the same entries as the table: nothing to write
            }
            for entry in local {
                commands.append(RESPCommand("HSET", keys.userConnections(entry.userID), self.field(entry.id), json(entry)))
                commands.append(RESPCommand("HSET", keys.nodeConnections(nodeID), entry.id, entry.userID))
            }
            try await client.send(batched: commands, timeout: timeout)
            Log.shared.info(
                "cluster: connection table resynchronized", ["connections": "\(local.count)", "removed": "\(removed)"])
            return true
        } catch {
            return false
        }
    }

    /// Whether a write failed since the last resynchronization.
    var isDirty: Bool { writer.isDirty }

    func field(_ id: String) -> String { nodeID + "/" + id }

    /// The table's value of an entry: `{id, protocol, target, node}`.
    func json(_ entry: UserConnections.Entry) -> String {
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
