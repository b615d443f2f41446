/// Settings of cluster mode (`tandem serve --redis URL --cluster`), each with its documented default
/// (Docs/cluster.md).
public struct ClusterSettings: Sendable {
    /// The key prefix shared with the Socket.IO bus (`--redis-key-prefix`, default `open-webui`).
    public var keyPrefix = "open-webui"
    /// This node's id: the bus's `host_id`, so one id names the node everywhere.
    public var nodeID = SocketIOBusSettings.randomHostID()
    /// Longest wait for one Redis round trip of a room (append, read, state write). Default 2 s: while Redis is
    /// away an append fails within this time and the update is refused, instead of stalling the room longer.
    public var commandTimeout: Duration = .seconds(2)
    /// How long a compaction lease lasts without renewal (`PX`). Default 15 s; the holder renews it at each save.
    public var leaseTTL: Duration = .seconds(15)
    /// How long a node's presence key lives without renewal. Default 10 s: a dead node's awareness is cleared on
    /// the others within this plus ``heartbeatInterval``.
    public var nodeTTL: Duration = .seconds(10)
    /// How often a node renews its presence key and checks the nodes it has seen. Default 3 s.
    public var heartbeatInterval: Duration = .seconds(3)
    /// How often every loaded document is read for entries whose notification was lost (pub/sub is at-most-once,
    /// e.g. across a reconnect). Default 2 s.
    public var sweepInterval: Duration = .seconds(2)
    /// Stream entries read per round trip (`XRANGE … COUNT`). Default 512.
    public var readBatch = 512
    /// How often each loaded room re-announces its members to the other nodes (`ydoc:user:joined` heals a lost
    /// announcement within this). Default 15 s.
    public var memberRefreshInterval: Duration = .seconds(15)
    /// How long a remote member is kept without an announcement before the room reports it left (a lost `left`
    /// heals within this). Default 45 s: three refreshes, so one or two lost refreshes do not drop a member.
    public var memberExpiry: Duration = .seconds(45)

    /// Entries read per round trip when a list walks a growing set (notes, channels): ids per `ZREVRANGE`/`SSCAN`
    /// page and values per `MGET`. Default 256.
    public var listBatch = 256
    /// Most notes one note list reads (newest change first); older ones are left out of the list, still readable
    /// by id. Default 10,000.
    public var maxListedNotes = 10_000
    /// Most channels one channel list reads (a user's channels, or every channel for the admin dashboard).
    /// Default 10,000.
    public var maxListedChannels = 10_000
    /// How often an edit or delete of a channel message is retried when another node changed the message between
    /// its read and its compare-and-set write, with a jittered backoff of up to 1, 2, 4 … 64 ms between tries
    /// (about 0.7 s in all at the default). Default 16.
    public var casRetries = 16

    public init() {}
}
