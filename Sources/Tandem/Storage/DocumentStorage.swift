/// What a document's room needs from its store: the last state, an append-only log of updates since, and
/// replacing the state (which empties the log).
///
/// The room calls these on its own executor, in order, and never acknowledges or relays an update whose
/// ``append(_:)`` threw (the durability rule, Docs/persistence.md). ``DocumentFiles`` is the file implementation;
/// tests wrap it to inject ENOSPC, EIO, partial writes and slow disks.
public protocol DocumentStorage: AnyObject {
    /// Reads the state and the log; a store that exists but cannot be read throws (the room then refuses to load
    /// rather than serve, and later save, an empty document in its place).
    func load(limit: Int) throws(StorageError) -> DocumentContents
    /// Appends an update to the log; when it throws, nothing of the update is left in the log.
    func append(_ update: [UInt8]) throws(StorageError)
    /// Appends an update written by `author` (nil: the server); stores that keep authors (cluster mode's stream)
    /// record it, the others call ``append(_:)``.
    func append(_ update: [UInt8], author: DocumentPeer?) throws(StorageError)
    /// Makes appended updates durable (fsync), as the sync policy asks.
    func syncLog() throws(StorageError)
    /// Replaces the state, then empties the log (the state holds every logged update).
    func writeState(_ state: [UInt8]) throws(StorageError)
    /// Whether the last ``writeState(_:)`` wrote the state here; false when another node holds the compaction
    /// lease (cluster mode), which then also makes the note save.
    var wroteLastState: Bool { get }
    /// Keeps a copy of the log before records that would not decode are dropped.
    func keepCopyOfLog() throws(StorageError)
    /// Deletes everything stored for the document.
    func removeAll() throws(StorageError)
    /// Records in the log since the last state write.
    var logRecordCount: Int { get }
    /// Bytes in the log since the last state write.
    var logByteCount: Int { get }
}

extension DocumentStorage {
    public func append(_ update: [UInt8], author: DocumentPeer?) throws(StorageError) { try append(update) }
    public var wroteLastState: Bool { true }
}

/// What a store holds for a document: the last written state (nil when none) and the log records after it.
public struct DocumentContents: Sendable {
    public var state: [UInt8]?
    public var log: [[UInt8]]
    /// Log bytes that were torn or corrupt and set aside (a copy is kept beside the log).
    public var setAsideBytes: Int

    public init(state: [UInt8]?, log: [[UInt8]], setAsideBytes: Int = 0) {
        self.state = state
        self.log = log
        self.setAsideBytes = setAsideBytes
    }

    /// Whether nothing at all is stored.
    public var isEmpty: Bool { state == nil && log.isEmpty }
}
