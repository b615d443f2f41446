import Foundation
import Wire

/// The notes of a data directory: one `note.json` per note under `<data>/notes/<safe id>.json`, written
/// crash-safely, indexed in memory.
///
/// Every write goes through ``FileIO/writeAtomically(_:to:)``, so a crash leaves the previous or the new note, never
/// a torn one. A file that fails to parse at start-up is reported and left untouched (never overwritten by an empty
/// note), and its id stays reserved so that nothing is created over it.
public actor NoteStore {
    /// The folder holding the note files.
    public nonisolated let directory: String
    /// Largest note file accepted, in bytes (default 64 MB); checked before reading.
    public nonisolated let maxNoteBytes: Int

    /// Keyed by the id's bytes (``ByteKey``): ids differing only in Unicode normalisation are distinct notes.
    private var notes: [ByteKey: Note] = [:]
    /// Files that exist but could not be read; their ids cannot be created or written.
    public private(set) var unreadable: [String: String] = [:]

    /// Opens (creating if needed) the notes folder of a data directory and reads every note.
    public init(dataDirectory: String, maxNoteBytes: Int = 64 << 20) throws(StorageError) {
        self.directory = dataDirectory + "/notes"
        self.maxNoteBytes = maxNoteBytes
        try FileIO.makeDirectories(directory)
        for name in FileIO.list(directory) where name.hasSuffix(".json") {
            let path = directory + "/" + name
            do {
                guard let bytes = try FileIO.read(path, limit: maxNoteBytes) else { continue }
                let value = try JSONValue(parsing: bytes)
                guard let note = Note(json: value) else {
                    unreadable[String(name.dropLast(5))] = "\(path): not a note (missing id, user_id or timestamps)"
                    continue
                }
                guard SafeFileName.encode(note.id) + ".json" == name else {
                    unreadable[String(name.dropLast(5))] = "\(path): its id does not match its file name"
                    continue
                }
                notes[ByteKey(note.id)] = note
            } catch {
                unreadable[String(name.dropLast(5))] = "\(path): \(error)"
            }
        }
    }

    /// The note with `id`, if any.
    public func note(_ id: String) -> Note? { notes[ByteKey(id)] }

    /// Whether `id` names a file that could not be read (and so must not be replaced).
    public func isUnreadable(_ id: String) -> Bool { unreadable[SafeFileName.encode(id)] != nil }

    /// Notes `userID` can read, newest change first.
    public func notes(readableBy userID: String, isAdmin: Bool, groups: [String] = []) -> [Note] {
        notes.values.filter { $0.allows(.read, userID: userID, isAdmin: isAdmin, groups: groups) }
            .sorted { ($0.updatedAt, $0.id) > ($1.updatedAt, $1.id) }
    }

    /// Number of notes.
    public var count: Int { notes.count }

    /// Stores `note` (created or changed) durably, then in the index.
    public func save(_ note: Note) throws(StorageError) {
        guard !isUnreadable(note.id) else {
            throw StorageError(path: path(for: note.id), operation: "refusing to overwrite an unreadable note", code: 0)
        }
        let bytes = Array(note.json.serialized().utf8)
        guard bytes.count <= maxNoteBytes else {
            throw StorageError(
                path: path(for: note.id), operation: "note larger than the limit of \(maxNoteBytes) bytes", code: 0)
        }
        try FileIO.writeAtomically(bytes, to: path(for: note.id))
        notes[ByteKey(note.id)] = note
    }

    /// Removes a note; false when there was none.
    @discardableResult
    public func delete(_ id: String) throws(StorageError) -> Bool {
        guard notes[ByteKey(id)] != nil else { return false }
        try FileIO.remove(path(for: id))
        try FileIO.syncDirectory(of: path(for: id))
        notes[ByteKey(id)] = nil
        return true
    }

    /// The file that holds note `id`.
    public nonisolated func path(for id: String) -> String {
        directory + "/" + SafeFileName.encode(id) + ".json"
    }

    /// The current time in nanoseconds since 1970, as Open WebUI stamps `updated_at`.
    public static func nanosecondsNow() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000_000)
    }
}
