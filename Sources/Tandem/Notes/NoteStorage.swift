/// Where notes are kept: ``NoteStore`` (files under the data directory, one node) or ``RedisNoteStorage`` (cluster
/// mode, shared by every node). Both keep Open WebUI's note JSON (``Note/json``) and give the same guarantees
/// (Docs/cluster.md, "Notes and channels in Redis"):
///
/// - a saved note is read back whole by every later reader (a crash or a second node sees the old or the new note,
///   never a torn one);
/// - a stored entry that does not decode is skipped when listing and read as absent, never overwritten by a save
///   and never written back;
/// - a note larger than the store's `maxNoteBytes` is neither stored nor read.
public protocol NoteStorage: Sendable {
    /// The note with `id`; nil when there is none (or it is unreadable).
    /// - Throws: ``StorageError`` when the store cannot be asked (Redis unreachable).
    func note(_ id: String) async throws(StorageError) -> Note?
    /// Notes `userID` can read, newest change first.
    func notes(readableBy userID: String, isAdmin: Bool, groups: [String]) async throws(StorageError) -> [Note]
    /// Stores `note` (created or changed) durably.
    /// - Throws: ``StorageError`` when it cannot be written, is too large, or would replace an unreadable entry.
    func save(_ note: Note) async throws(StorageError)
    /// Removes a note; false when there was none.
    @discardableResult
    func delete(_ id: String) async throws(StorageError) -> Bool
}

extension NoteStore: NoteStorage {}
