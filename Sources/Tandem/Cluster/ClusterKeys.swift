/// The Redis keys and channels of cluster mode, all under the shared key prefix (`--redis-key-prefix`).
///
/// Document ids may contain `:` (`note:<id>`), so a channel is parsed by its known prefix and suffix, never by
/// splitting. See Docs/cluster.md, "Keys".
public struct ClusterKeys: Sendable, Hashable {
    /// The prefix (Open WebUI's `REDIS_KEY_PREFIX`, default `open-webui`).
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix
    }

    /// The stream of a document's updates since its compacted state (`XADD`, field `u` = the v1 update).
    public func log(_ documentID: String) -> String { "\(prefix):doc:\(documentID):log" }
    /// The hash holding a document's compacted state: `state` (v1 bytes), `id` (the last stream id it covers),
    /// `fence` (the fencing token of the writer).
    public func state(_ documentID: String) -> String { "\(prefix):doc:\(documentID):state" }
    /// The compaction lease: a random token, with a TTL (`SET NX PX`).
    public func lease(_ documentID: String) -> String { "\(prefix):doc:\(documentID):lease" }
    /// The fencing counter, incremented on every lease acquisition.
    public func fence(_ documentID: String) -> String { "\(prefix):doc:\(documentID):fence" }
    /// The hash of a document's history index: version id → metadata JSON (the file backend's `index.json` entry).
    public func versions(_ documentID: String) -> String { "\(prefix):doc:\(documentID):versions" }
    /// The v1 state of one version (a string), written before the index names it.
    public func version(_ documentID: String, _ versionID: String) -> String {
        "\(prefix):doc:\(documentID):version:\(versionID)"
    }
    /// The counter allocating version ids (`INCR`), so two nodes never reuse one.
    public func versionCounter(_ documentID: String) -> String { "\(prefix):doc:\(documentID):version-id" }
    /// The channel announcing a new stream entry (payload: `<node id> <stream id>`).
    public func updates(_ documentID: String) -> String { "\(prefix):doc:\(documentID):updates" }
    /// The channel of a document's awareness (payload: ``ClusterAwarenessMessage``).
    public func awareness(_ documentID: String) -> String { "\(prefix):doc:\(documentID):awareness" }
    /// A node's presence key, renewed with a TTL while the node lives.
    public func node(_ nodeID: String) -> String { "\(prefix):node:\(nodeID)" }
    /// The set of every node id that joined the cluster and has not been found dead (checked by every heartbeat).
    public var nodes: String { "\(prefix):nodes" }
    /// The set of the Socket.IO sids a node wrote into Open WebUI's `session_pool`, removed from the pool by the
    /// other nodes when the node dies.
    public func nodeSessions(_ nodeID: String) -> String { "\(prefix):node:\(nodeID):sids" }
    /// A user's durable outbox (hash: `next` → the next id, `<id>` → the entry's JSON; TTL the outbox expiry).
    public func outbox(_ userID: String) -> String { "\(prefix):outbox:\(userID)" }
    /// The index of a user's pending outbox entries: sorted set of ids (score = id), beside ``outbox(_:)``.
    public func outboxPending(_ userID: String) -> String { "\(prefix):outbox-pending:\(userID)" }
    /// The index of a user's delivered outbox entries: sorted set of ids (score = id).
    public func outboxDelivered(_ userID: String) -> String { "\(prefix):outbox-delivered:\(userID)" }
    /// The index of every readable outbox entry of a user by age: sorted set of ids (score = `created_at`).
    public func outboxCreated(_ userID: String) -> String { "\(prefix):outbox-created:\(userID)" }
    /// The highest outbox id handed out to any user: a user's ids continue above it when their hash is gone.
    public var outboxSequence: String { "\(prefix):outbox-seq" }
    /// A user's plain connections (`/ws/notify`, `/ws/chat`, y-websocket) on every node: hash `<node>/<connection
    /// id>` → JSON `{id, protocol, target, node}` (Socket.IO sessions are in ``sessionPool``).
    public func userConnections(_ userID: String) -> String { "\(prefix):user:\(userID):connections" }
    /// A node's plain connections: hash connection id → user id, to clean ``userConnections(_:)`` when it dies.
    public func nodeConnections(_ nodeID: String) -> String { "\(prefix):node:\(nodeID):connections" }
    /// A channel's online users per node: hash node id → JSON array of `{id, name, role}` (``ClusterChannelPresence``).
    public func channelOnline(_ channelID: String) -> String { "\(prefix):channel:\(channelID):online" }
    /// The channels a node has online users in, to delete its fields of ``channelOnline(_:)`` when it dies.
    public func nodeChannels(_ nodeID: String) -> String { "\(prefix):node:\(nodeID):channels" }
    /// The channel of a node's calls to its `/ws/notify` connections and of the answers to its own calls
    /// (``ClusterCalls``).
    public func nodeCalls(_ nodeID: String) -> String { "\(prefix):node:\(nodeID):calls" }
    /// Open WebUI's shared pool of Socket.IO sessions (hash sid → user JSON).
    public var sessionPool: String { "\(prefix):session_pool" }

    /// The pattern every node subscribes to once, before it loads anything (so no load can miss a notification).
    public var documentChannelPattern: String { "\(Self.escapeGlob(prefix)):doc:*" }

    /// Which document channel `channel` is: (document id, `updates` or `awareness`); nil for anything else.
    public func parse(channel: String) -> (documentID: String, kind: Substring)? {
        let head = prefix + ":doc:"
        guard channel.hasPrefix(head) else { return nil }
        let rest = channel.dropFirst(head.count)
        for kind in ["updates", "awareness"] where rest.hasSuffix(":" + kind) {
            let id = rest.dropLast(kind.count + 1)
            guard !id.isEmpty else { return nil }
            return (String(id), Substring(kind))
        }
        return nil
    }

    /// Escapes the glob characters of PSUBSCRIBE (`*`, `?`, `[`, `]`, `\`).
    static func escapeGlob(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
