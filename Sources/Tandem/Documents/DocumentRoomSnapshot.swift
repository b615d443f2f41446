/// A read-only picture of one live document for the admin dashboard (`GET /api/v1/admin/documents…`).
///
/// Holds counts, sizes, times and who is connected; never document content, except ``html``: the server's own
/// rendering of the note, produced only when asked for (see
/// ``DocumentRoom/snapshot(now:limits:includeHTML:includeVersions:)``).
public struct DocumentRoomSnapshot: Sendable {
    /// One member of the room.
    public struct Member: Sendable, Equatable {
        public var peerID: String
        public var kind: DocumentPeer.Kind
        public var userID: String
        public var userName: String
        /// The display name and colour: those given at join (Socket.IO) or the member's awareness `user` field.
        public var name: String?
        public var color: String?
        public var canWrite: Bool
    }

    /// One applied update: size, age and author.
    public struct Update: Sendable, Equatable {
        public var bytes: Int
        public var secondsAgo: Double
        /// Nil for a server-side edit.
        public var userID: String?
        public var userName: String?
        public var kind: DocumentPeer.Kind?
    }

    /// The normalised document id.
    public var documentID: String
    /// Members joined now, every protocol.
    public var memberCount: Int
    public var socketIOMembers: Int
    public var yWebSocketMembers: Int
    /// At most ``DocumentSnapshotLimits/maxMembers`` members, sorted by peer id.
    public var members: [Member]
    /// Bytes of the full state as a v1 update.
    public var stateBytes: Int
    /// Records and bytes in the write-ahead log since the last state write (0 without a store).
    public var logRecords: Int
    public var logBytes: Int
    /// Updates applied since the room loaded (the dashboard derives updates per second from it).
    public var updatesApplied: Int
    public var bytesApplied: Int
    /// Seconds since the state was last written; nil when not since the room loaded.
    public var secondsSinceSave: Double?
    /// Whether something is not yet in the state file.
    public var hasUnsavedChanges: Bool
    /// The most recent updates, newest first (at most ``RoomActivity/recentUpdateCapacity``).
    public var recentUpdates: [Update]
    /// The note rendered as HTML, when asked for and the document has a note fragment; cut at
    /// ``DocumentSnapshotLimits/maxHTMLBytes`` (then ``htmlTruncated`` is true).
    public var html: String?
    public var htmlTruncated = false
    /// Versions in the document's history and the newest one's id, on the single-document route (the dashboard
    /// fetches the list itself, only when these change); nil in lists.
    public var versionCount: Int?
    public var latestVersionID: String?
}

/// Bounds on what a snapshot carries, so a huge room or note costs the dashboard a fixed amount.
public struct DocumentSnapshotLimits: Sendable {
    /// Members listed per document (default 100; ``DocumentRoomSnapshot/memberCount`` still counts all).
    public var maxMembers = 100
    /// Largest rendered HTML sent (default 1 MiB); a longer rendering is cut.
    public var maxHTMLBytes = 1 << 20

    public init() {}
}
