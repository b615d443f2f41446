import Wire
import YCRDT

/// History and server-side writes through the directory: each call finds (or loads) the room and retries when the
/// room closed meanwhile. See Docs/history.md.
extension DocumentManager {
    func withRoom<T>(_ rawID: String, _ body: (DocumentRoom) async throws(DocumentRefusal) -> T) async throws(DocumentRefusal) -> T {
        let documentID = DocumentManager.normalize(rawID)
        while true {
            do {
                return try await body(room(documentID))
            } catch .closed {
                continue
            }
        }
    }

    /// Whether a loaded document has unsaved changes, its state vector and size; nil when it is not loaded.
    public func info(_ rawID: String) async -> DocumentInfo? {
        await loadedRoom(rawID)?.info()
    }

    /// The versions of a document, oldest first.
    public func versions(_ rawID: String) async throws(DocumentRefusal) -> [DocumentVersion] {
        try await withRoom(rawID) { room throws(DocumentRefusal) in try await room.versions() }
    }

    /// Takes a named version of the current state.
    public func createVersion(_ rawID: String, name: String?, author: String) async throws(DocumentRefusal) -> DocumentVersion {
        try await withRoom(rawID) { room throws(DocumentRefusal) in try await room.createVersion(name: name, author: author) }
    }

    /// A version's metadata and v1 state (`current`: the live state, without metadata).
    public func version(_ rawID: String, id: String) async throws(DocumentRefusal) -> (DocumentVersion?, [UInt8]) {
        try await withRoom(rawID) { room throws(DocumentRefusal) in try await room.version(id) }
    }

    /// Restores a version as a forward update attributed to `author`.
    public func restore(_ rawID: String, id: String, author: DocumentPeer) async throws(DocumentRefusal) -> ContentWriteResult {
        try await withRoom(rawID) { room throws(DocumentRefusal) in try await room.restore(id, author: author) }
    }

    /// Writes ProseMirror content with the smallest change (see ``DocumentRoom/writeContent``).
    public func writeContent(
        _ rawID: String, _ node: ProseMirrorNode, keepUnlistedAttributes: Bool, expectedVersion: [UInt8]?,
        author: DocumentPeer
    ) async throws(DocumentRefusal) -> ContentWriteResult {
        try await withRoom(rawID) { room throws(DocumentRefusal) in
            try await room.writeContent(
                node, keepUnlistedAttributes: keepUnlistedAttributes, expectedVersion: expectedVersion, author: author)
        }
    }

    /// What `peer` may do with a document (nil nothing, false read, true write), for the REST routes.
    public func accessLevel(_ rawID: String, for peer: DocumentPeer) async -> Bool? {
        try? await access(DocumentManager.normalize(rawID), for: peer).0
    }
}
