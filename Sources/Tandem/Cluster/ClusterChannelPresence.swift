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
/// One task per node writes, in the order changes happen, the node's *current* list of the channel (read when it
/// writes, not when the change was queued): a burst of joins is one write, and no late write can bring back a user
/// who already left. Reads (`HGETALL`, one field per node) skip this node's field and entries that do not decode.
final class ClusterChannelPresence: Sendable {
    let client: RedisClient
    let keys: ClusterKeys
    let nodeID: String
    let timeout: Duration
    private let queue: AsyncStream<String>.Continuation
    private let stream: AsyncStream<String>

    init(client: RedisClient, keys: ClusterKeys, nodeID: String, timeout: Duration = .seconds(2)) {
        self.client = client
        self.keys = keys
        self.nodeID = nodeID
        self.timeout = timeout
        (stream, queue) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(1 << 16))
    }

    /// Starts the writing task; `snapshot` gives this node's online users of a channel at the moment of writing.
    func start(snapshot: @escaping @Sendable (String) async -> [AuthenticatedUser]) {
        let stream = self.stream
        Task {
            for await channelID in stream { await self.write(channelID, users: await snapshot(channelID)) }
        }
    }

    /// Queues a write of this node's list for `channelID`.
    func changed(_ channelID: String) {
        queue.yield(channelID)
    }

    /// Stops the writing task once what is queued is written.
    func finish() { queue.finish() }

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

    private func write(_ channelID: String, users: [AuthenticatedUser]) async {
        let commands: [RESPCommand]
        if users.isEmpty {
            commands = [
                RESPCommand("HDEL", keys.channelOnline(channelID), nodeID),
                RESPCommand("SREM", keys.nodeChannels(nodeID), channelID),
            ]
        } else {
            commands = [
                RESPCommand("HSET", keys.channelOnline(channelID), nodeID, JSONValue.array(users.map(\.json)).serialized()),
                RESPCommand("SADD", keys.nodeChannels(nodeID), channelID),
            ]
        }
        do {
            _ = try await client.pipeline(commands, timeout: timeout)
        } catch {
            Log.shared.warn("cluster: channel presence not written", ["channel": channelID, "error": "\(error)"])
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
