import Wire

/// Who is online in a channel on the other nodes of a cluster, so `channel:presence` answers and announces for the
/// whole cluster instead of one node (Docs/cluster.md, "Channel presence").
///
/// Each node keeps its own online table (``ChannelPresence``) and mirrors it into Redis:
/// - `{prefix}:channel:<id>:online`: hash node id → JSON array of that node's online users of the channel
///   (`{id, name, role}`); the field is deleted when the node has nobody left there.
/// - `{prefix}:node:<node>:channels`: the channels a node has a field in, so when it dies the others delete its
///   fields (``ClusterNode/removeChannelPresence(ofDeadNode:)``).
///
/// One task per node (``RedisMirrorWriter``) writes, in the order changes happen, the node's *current* list of the
/// channel (read when it writes, not when the change was queued): a burst of joins is one write, and no late write
/// can bring back a user who already left. Reads (`HGETALL`, one field per node) skip this node's field and entries
/// that do not decode. The mirror heals: every ``checkInterval`` (5 s) the node compares the size of its channel set
/// with the channels it has users in (every 12th time, the members), and after a failed write, a Redis restart or a
/// removal by nodes that took it for dead it writes every list again and removes the fields it no longer has.
final class ClusterChannelPresence: Sendable {
    /// This node's online users of a channel, and the channels it has users in, read when writing.
    struct Source: Sendable {
        var users: @Sendable (String) async -> [AuthenticatedUser]
        var channels: @Sendable () async -> [String]
    }

    let client: RedisClient
    let keys: ClusterKeys
    let nodeID: String
    let timeout: Duration
    private let writer: RedisMirrorWriter<String>

    init(
        client: RedisClient, keys: ClusterKeys, nodeID: String, timeout: Duration = .seconds(2),
        checkInterval: Duration = .seconds(5)
    ) {
        self.client = client
        self.keys = keys
        self.nodeID = nodeID
        self.timeout = timeout
        self.writer = RedisMirrorWriter(checkInterval: checkInterval)
    }

    /// Starts the writing task and its checks.
    func start(_ source: Source) {
        writer.start(
            write: { [self] channelID in await write(channelID, users: await source.users(channelID)) },
            check: { [self] full, dirty in await check(source, full: full, dirty: dirty) })
    }

    /// Queues a write of this node's list for `channelID`.
    func changed(_ channelID: String) {
        writer.yield(channelID)
    }

    /// Stops the writing task once what is queued is written.
    func finish() { writer.finish() }

    /// Whether a write failed since the last successful check.
    var isDirty: Bool { writer.isDirty }

    /// The users online in `channelID` on the other nodes (deduplicated by id; empty when Redis fails, logged).
    func elsewhere(_ channelID: String) async -> [AuthenticatedUser] {
        let reply: RESPValue
        do {
            reply = try await client.send(RESPCommand("HGETALL", keys.channelOnline(channelID)), timeout: timeout)
        } catch {
            Log.shared.warn("cluster: channel presence of other nodes not read", ["channel": channelID, "error": "\(error)"])
            return []
        }
        var users: [ByteKey: AuthenticatedUser] = [:]
        for (field, value) in reply.hashPairs where field.stringValue != nodeID {
            guard let bytes = value.bytesValue, let list = (try? JSONParser.parse(bytes))?.arrayValue else { continue }
            for entry in list {
                guard let id = entry["id"]?.stringValue, !id.isEmpty else { continue }
                users[ByteKey(id)] = AuthenticatedUser(
                    id: id, name: entry["name"]?.stringValue ?? id, role: entry["role"]?.stringValue ?? "user")
            }
        }
        return users.values.sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
    }

    private func commands(_ channelID: String, users: [AuthenticatedUser]) -> [RESPCommand] {
        if users.isEmpty {
            return [
                RESPCommand("HDEL", keys.channelOnline(channelID), nodeID),
                RESPCommand("SREM", keys.nodeChannels(nodeID), channelID),
            ]
        }
        return [
            RESPCommand("HSET", keys.channelOnline(channelID), nodeID, JSONValue.array(users.map(\.json)).serialized()),
            RESPCommand("SADD", keys.nodeChannels(nodeID), channelID),
        ]
    }

    private func write(_ channelID: String, users: [AuthenticatedUser]) async -> Bool {
        do {
            _ = try await client.pipeline(commands(channelID, users: users), timeout: timeout)
            return true
        } catch {
            Log.shared.warn(
                "cluster: channel presence not written; rewritten at the next check", ["channel": channelID, "error": "\(error)"])
            return false
        }
    }

    /// Compares the node's channel set with its channels (their count, or with `full` the members); rewrites every
    /// list and removes the others when they differ or `dirty`. Returns whether Redis now matches.
    private func check(_ source: Source, full: Bool, dirty: Bool) async -> Bool {
        let local = await source.channels()
        do {
            let setKey = keys.nodeChannels(nodeID)
            if !full && !dirty {
                let count = try await client.send(RESPCommand("SCARD", setKey), timeout: timeout).intValue
                if count == Int64(local.count) { return true }
            }
            let stored = try await client.send(RESPCommand("SMEMBERS", setKey), timeout: timeout).arrayValue?
                .compactMap(\.stringValue) ?? []
            let localKeys = Set(local.map(ByteKey.init))
            if !dirty && Set(stored.map(ByteKey.init)) == localKeys { return true }
            let stale = stored.filter { !localKeys.contains(ByteKey($0)) }
            var commands: [RESPCommand] = []
            for channelID in stale { commands += self.commands(channelID, users: []) }
            for channelID in local { commands += self.commands(channelID, users: await source.users(channelID)) }
            try await client.send(batched: commands, timeout: timeout)
            Log.shared.info(
                "cluster: channel presence resynchronized", ["channels": "\(local.count)", "removed": "\(stale.count)"])
            return true
        } catch {
            return false
        }
    }
}

extension ClusterNode {
    /// Deletes a dead node's fields in the online hashes of the channels it listed, then the list itself.
    func removeChannelPresence(ofDeadNode node: String) async throws(RedisError) {
        let channels = try await client.send(RESPCommand("SMEMBERS", keys.nodeChannels(node)), timeout: settings.commandTimeout)
            .arrayValue?.compactMap(\.stringValue) ?? []
        let commands = channels.map { RESPCommand("HDEL", keys.channelOnline($0), node) }
            + [RESPCommand("DEL", keys.nodeChannels(node))]
        _ = try await client.pipeline(commands, timeout: settings.commandTimeout)
    }
}
