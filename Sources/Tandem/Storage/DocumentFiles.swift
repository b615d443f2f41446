/// One document's files in the data directory: `<data>/documents/<safe id>/` holding `state.bin` (the merged v1
/// state, replaced atomically), `wal.ylog` (updates since that state, appended before they are relayed) and `id`
/// (the document id as text, so hashed folder names can be listed and replayed).
///
/// Loading reads the state and then the log; the caller applies both in order. Torn or corrupt log records are set
/// aside (a copy is kept as `wal.ylog.corrupt-<n>`, see ``WriteAheadLog``). Owned by the document's room; not
/// Sendable.
public final class DocumentFiles: DocumentStorage {
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

    /// Reads the state and the log, and opens the log for appending.
    /// - Parameter limit: largest state or log file accepted, checked before reading.
    /// - Throws: ``StorageError`` when a file exists but cannot be read: the caller must not serve (or later store)
    ///   an empty document in its place.
    public func load(limit: Int) throws(StorageError) -> DocumentContents {
        let state = try FileIO.read(folder + "/state.bin", limit: limit)
        let recovery = try WriteAheadLog.recoverReport(path: folder + "/wal.ylog", limit: limit)
        if !recovery.records.isEmpty || state != nil {
            log = try WriteAheadLog(path: folder + "/wal.ylog", policy: policy, existingRecords: recovery.records.count)
        }
        return DocumentContents(state: state, log: recovery.records, setAsideBytes: recovery.setAsideBytes)
    }

    /// Keeps a copy of the current log as `wal.ylog.corrupt-<n>` (records that decoded as log records but not as
    /// updates are about to be dropped by a state rewrite).
    public func keepCopyOfLog() throws(StorageError) {
        guard let bytes = try FileIO.read(folder + "/wal.ylog") else { return }
        var n = 1
        while FileIO.exists(folder + "/wal.ylog.corrupt-\(n)") { n += 1 }
        try FileIO.writeAtomically(bytes, to: folder + "/wal.ylog.corrupt-\(n)")
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
