/// One document's files in the data directory: `<data>/documents/<safe id>/` holding `state.bin` (the merged v1
/// state, replaced atomically), `wal.ylog` (updates since that state, appended before they are relayed) and `id`
/// (the document id as text, so hashed folder names can be listed and replayed).
///
/// Loading reads the state and then the log; the caller applies both in order. A torn last log record is cut off.
/// Owned by the document manager's actor; not Sendable.
public final class DocumentFiles {
    public let documentID: String
    public let folder: String
    public let policy: SyncPolicy
    private var log: WriteAheadLog?

    /// The folder for `documentID` under `dataDirectory`.
    public static func folder(for documentID: String, dataDirectory: String) -> String {
        dataDirectory + "/documents/" + SafeFileName.encode(documentID)
    }

    public init(documentID: String, dataDirectory: String, policy: SyncPolicy) {
        self.documentID = documentID
        self.folder = DocumentFiles.folder(for: documentID, dataDirectory: dataDirectory)
        self.policy = policy
    }

    /// What is on disk: the last written state (nil when none) and the log records after it.
    public struct Contents: Sendable {
        public var state: [UInt8]?
        public var log: [[UInt8]]
        public var isEmpty: Bool { state == nil && log.isEmpty }
    }

    /// Reads the state and the log, and opens the log for appending.
    /// - Parameter limit: largest state or log file accepted, checked before reading.
    /// - Throws: ``StorageError`` when a file exists but cannot be read: the caller must not serve (or later store)
    ///   an empty document in its place.
    public func load(limit: Int) throws(StorageError) -> Contents {
        let state = try FileIO.read(folder + "/state.bin", limit: limit)
        let records = try WriteAheadLog.recover(path: folder + "/wal.ylog", limit: limit)
        if !records.isEmpty || state != nil {
            log = try WriteAheadLog(path: folder + "/wal.ylog", policy: policy, existingRecords: records.count)
        }
        return Contents(state: state, log: records)
    }

    /// Appends an update to the log (creating the folder on the first write).
    public func append(_ update: [UInt8]) throws(StorageError) {
        try openLogIfNeeded()
        try log?.append(update)
    }

    /// fsyncs the log if appends are waiting.
    public func syncLog() throws(StorageError) {
        try log?.sync()
    }

    /// Records in the log since the last state write.
    public var logRecordCount: Int { log?.recordCount ?? 0 }
    /// Bytes in the log since the last state write.
    public var logByteCount: Int { log?.byteCount ?? 0 }

    /// Replaces the state file with `state`, then empties the log: the state already holds every logged update.
    public func writeState(_ state: [UInt8]) throws(StorageError) {
        try openLogIfNeeded()
        try FileIO.writeAtomically(state, to: folder + "/state.bin")
        try log?.truncate()
    }

    /// Writes a sibling file (such as a rendered note) atomically in the document's folder.
    public func writeFile(_ name: String, _ bytes: [UInt8]) throws(StorageError) {
        try openLogIfNeeded()
        try FileIO.writeAtomically(bytes, to: folder + "/" + name)
    }

    /// Deletes the document's files (the document was deleted).
    public func removeAll() throws(StorageError) {
        log = nil
        for name in FileIO.list(folder) { try FileIO.remove(folder + "/" + name) }
        _ = FileIO.removeDirectory(folder)
    }

    private func openLogIfNeeded() throws(StorageError) {
        guard log == nil else { return }
        try FileIO.makeDirectories(folder)
        if !FileIO.exists(folder + "/id") {
            try FileIO.writeAtomically(Array(documentID.utf8), to: folder + "/id")
        }
        log = try WriteAheadLog(path: folder + "/wal.ylog", policy: policy)
    }

    /// The ids of every stored document (read from their `id` files).
    public static func storedDocumentIDs(dataDirectory: String) -> [String] {
        let root = dataDirectory + "/documents"
        return FileIO.list(root).compactMap { name in
            guard let bytes = try? FileIO.read(root + "/" + name + "/id", limit: 1 << 16) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
