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
    /// Largest state or log file loaded from disk (default 256 MiB).
    public var maxStoredBytes: Int = 256 << 20
    /// Whether read-only members' awareness is relayed (`--read-only-awareness`, default false).
    public var relayReadOnlyAwareness: Bool = false
    /// Whether ids that are not `note:<id>` may be used by any authenticated user, as in Open WebUI (default true).
    public var allowFreeDocuments: Bool = true
    /// Root name of the ProseMirror fragment rendered into notes (y-prosemirror's default, `prosemirror`).
    public var noteFragment: String = "prosemirror"

    public init() {}
}
