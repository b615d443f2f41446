/// What a room remembers for the admin dashboard: its last updates (size, time, author — never content), its last
/// save, and its rendered note, cached per document version.
///
/// Recording an update is O(1) (a fixed ring) and nothing else runs until someone asks for a snapshot, so a room
/// nobody watches pays one array write per update (issue 18: no cost when nobody watches).
struct RoomActivity {
    /// Updates remembered per room for the dashboard's update log (default 50).
    static let recentUpdateCapacity = 50

    /// One applied update.
    struct Entry: Sendable {
        var bytes: Int
        var at: ContinuousClock.Instant
        /// Nil for a server-side edit (a REST content replace).
        var author: DocumentPeer?
    }

    /// Updates applied since the room loaded; also the version the rendering cache is keyed by.
    private(set) var updatesApplied = 0
    /// Bytes of the updates applied since the room loaded.
    private(set) var bytesApplied = 0
    /// When the state was last written (nil: not since the room loaded).
    var lastSave: ContinuousClock.Instant?
    /// The note rendered as HTML at version `version` (nil html: the document has no note fragment).
    var rendered: (version: Int, html: String?)?

    private var ring: [Entry] = []
    private var next = 0

    /// Remembers an applied update.
    mutating func record(bytes: Int, author: DocumentPeer?, now: ContinuousClock.Instant) {
        updatesApplied += 1
        bytesApplied += bytes
        let entry = Entry(bytes: bytes, at: now, author: author)
        if ring.count < Self.recentUpdateCapacity {
            ring.append(entry)
        } else {
            ring[next] = entry
        }
        next = (next + 1) % Self.recentUpdateCapacity
    }

    /// The remembered updates, newest first.
    var recent: [Entry] {
        guard ring.count == Self.recentUpdateCapacity else { return ring.reversed() }
        return (ring[next...] + ring[..<next]).reversed()
    }
}
