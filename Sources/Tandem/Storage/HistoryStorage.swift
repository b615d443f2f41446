/// Where a document's history is kept: ``HistoryStore`` (files under the document's folder, or memory) or
/// ``RedisHistoryStorage`` (cluster mode, shared by every node). See Docs/history.md, "Storage".
///
/// The room calls these on its own executor (a dispatch queue of its own), so the Redis backend may block on its
/// round trips like ``DocumentStorage`` does. Both backends keep the same metadata JSON (``DocumentVersion/json``)
/// and apply the same retention (``HistoryRetention``).
public protocol HistoryStorage: AnyObject {
    /// Every version, oldest first; entries whose metadata does not decode are skipped.
    func list() throws(StorageError) -> [DocumentVersion]
    /// Stores a version's state, then names it in the index (a listed version is always readable); returns its
    /// metadata with a new id, unique within the document.
    @discardableResult
    func add(
        state: [UInt8], kind: DocumentVersion.Kind, name: String?, author: String, createdAt: Int64, preview: String,
        stateVector: [UInt8]
    ) throws(StorageError) -> DocumentVersion
    /// The stored state of version `id`; nil when there is none.
    /// - Throws: ``StorageError`` when it cannot be read or is larger than `limit` bytes.
    func state(of id: String, limit: Int) throws(StorageError) -> [UInt8]?
    /// Applies ``HistoryRetention``; returns how many versions were dropped.
    @discardableResult
    func prune(maxVersions: Int, maxAgeMillis: Int64, now: Int64) throws(StorageError) -> Int
    /// Deletes every version (the document was deleted).
    func removeAll() throws(StorageError)
}

/// The retention rule of both history backends, as a pure function of the version list.
public enum HistoryRetention {
    /// The ids to drop from `versions` (oldest first): automatic-like versions (every kind but `named`) older than
    /// `maxAgeMillis`, then the oldest of them while more than `maxVersions` remain, then the oldest named ones while
    /// still past `maxVersions`.
    public static func drops(
        _ versions: [DocumentVersion], maxVersions: Int, maxAgeMillis: Int64, now: Int64
    ) -> Set<String> {
        var drop = Set(versions.filter { $0.kind != .named && now - $0.createdAt > maxAgeMillis }.map(\.id))
        var remaining = versions.filter { !drop.contains($0.id) }
        for version in remaining where remaining.count > maxVersions && version.kind != .named {
            drop.insert(version.id)
            remaining.removeAll { $0.id == version.id }
        }
        while remaining.count > maxVersions, let oldest = remaining.first {
            drop.insert(oldest.id)
            remaining.removeFirst()
        }
        return drop
    }
}
