/// Settings of the document manager; every limit has a documented default (README, "Server settings").
public struct DocumentConfiguration: Sendable {
    /// Where documents and notes are stored; nil keeps everything in memory (tests, benchmarks).
    public var dataDirectory: String? = "./data"
    /// fsync policy of the per-document write-ahead logs (`--wal-sync`, default: batched every 50 ms).
    public var walSync: SyncPolicy = .batched(.milliseconds(50))
    /// Trailing delay before a changed document is written (`--save-delay-ms`, default 500 ms).
    public var saveDelay: Duration = .milliseconds(500)
    /// Longest a changed document waits under constant editing (`--save-max-wait-ms`, default 5 s).
    public var saveMaxWait: Duration = .seconds(5)
    /// The log is compacted into the state file past this many updates (`--compact-updates`, default 500).
    public var compactionUpdates: Int = 500
    /// … or past this many bytes (`--compact-bytes`, default 1 MiB).
    public var compactionBytes: Int = 1 << 20
    /// Largest single update accepted (`--max-update-bytes`, default 10 MiB).
    public var maxUpdateBytes: Int = 10 << 20
    /// Largest merged state of one document (`--max-document-size`, default 64 MiB): an update that would grow the
    /// state past it is refused with ``DocumentRefusal/documentTooLarge(_:)``; updates that only delete still pass.
    public var maxDocumentBytes: Int = 64 << 20
    /// History: shortest time between two automatic versions of an edited document (`--history-interval`,
    /// default 10 minutes). See Docs/history.md.
    public var historyInterval: Duration = .seconds(600)
    /// History: most versions kept per document; the oldest automatic ones go first (`--history-max-versions`,
    /// default 100).
    public var historyMaxVersions: Int = 100
    /// History: automatic versions older than this are dropped (`--history-max-age`, default 30 days); named
    /// versions stay until the count limit.
    public var historyMaxAge: Duration = .seconds(30 * 86_400)
    /// Largest state or log file loaded from disk (`--max-stored-size`, default 256 MiB).
    public var maxStoredBytes: Int = 256 << 20
    /// Most documents one Socket.IO session may hold joined at once (Open WebUI 0.12's limit, 20).
    public var maxDocumentsPerSession: Int = 20
    /// Most distinct documents one user may hold joined at once over all of its connections and both protocols
    /// (`--max-documents-per-user`, default 100; 0 = no limit). A document joined from several tabs counts once.
    /// Past it a Socket.IO join gets `error`, a y-websocket connection a `limit` notice and close 4029.
    public var maxDocumentsPerUser: Int = 100
    /// Most awareness client ids one connection may introduce into one document's awareness table
    /// (`--max-awareness-entries-per-peer`, default 8; 0 = no limit). A y-websocket client can send states for any
    /// number of client ids; the extra entries are dropped (never stored, never relayed) and the sender gets a
    /// `refused` notice with code `limit`.
    public var maxAwarenessEntriesPerPeer: Int = 8
    /// Most awareness client ids the connections of one user may hold together in one document's awareness table
    /// (`--max-awareness-entries-per-user`, default 32; 0 = no limit); refused as ``maxAwarenessEntriesPerPeer``.
    public var maxAwarenessEntriesPerUser: Int = 32
    /// How long a failed save waits before it is tried again (default 1 s).
    public var saveRetryDelay: Duration = .seconds(1)
    /// Makes the store of a document; nil uses ``DocumentFiles`` under ``dataDirectory`` (none without one).
    /// Tests inject stores that fail or stall here.
    public var storage: (@Sendable (_ documentID: String) -> (any DocumentStorage)?)?
    /// Makes the history store of a document; nil keeps the history in files under the document's folder (with
    /// the file backend) or in memory. Cluster mode sets it to ``RedisHistoryStorage``. Docs/history.md, "Storage".
    public var historyStorage: (@Sendable (_ documentID: String) -> (any HistoryStorage))?
    /// Cluster mode (`--cluster`): the node that relays awareness and updates between nodes; its stores are
    /// ``storage``. Docs/cluster.md.
    public var cluster: ClusterNode?
    /// How long a room keeps its joiners' encoded answers (the shared sync step 2 frame and Socket.IO state packet
    /// of the current version) after their last use (`--join-cache-lifetime`, default 10 s); zero encodes every
    /// answer for its joiner. Any update drops them at once.
    public var joinCacheLifetime: Duration = .seconds(10)
    /// Awareness updates of one document arriving within this window are merged (the latest state per client wins)
    /// and sent as one message per member (`--awareness-flush-interval`, default 50 ms); zero relays each update at
    /// once. See Docs/rooms.md, "Presence".
    public var awarenessFlushInterval: Duration = .milliseconds(50)
    /// Whether read-only members' awareness is relayed (`--read-only-awareness`, default false).
    public var relayReadOnlyAwareness: Bool = false
    /// Whether ids that are not `note:<id>` may be used by any authenticated user, as in Open WebUI (default true).
    public var allowFreeDocuments: Bool = true
    /// Root name of the ProseMirror fragment rendered into notes (y-prosemirror's default, `prosemirror`).
    public var noteFragment: String = "prosemirror"

    public init() {}

    /// The store of `documentID`: the injected one, else its files under the data directory, else none.
    func makeStorage(for documentID: String) -> (any DocumentStorage)? {
        if let storage { return storage(documentID) }
        guard let dataDirectory else { return nil }
        return DocumentFiles(documentID: documentID, dataDirectory: dataDirectory, policy: walSync)
    }
}
