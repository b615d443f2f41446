import Wire
import YCRDT

/// The directory of live documents: document id → ``DocumentRoom``, loading on first join and forgetting a room
/// once it has saved and closed.
///
/// Deliberately thin and not an actor: a lookup takes a lock for a dictionary read, and then the caller talks to
/// the room's own actor, so documents never queue behind one another. Membership lives in the rooms; the directory
/// keeps only an index of which documents each peer joined (for disconnects and the per-session and per-user
/// document limits, ``DocumentPeerIndex``).
/// See Docs/rooms.md.
public final class DocumentManager: Sendable {
    public let configuration: DocumentConfiguration
    /// Tandem's own notes (files, or Redis in cluster mode); nil when there is no data directory (or the host
    /// application keeps the notes).
    public let notes: (any NoteStorage)?
    /// The source of truth for `note:<id>` documents: access, stored content, and where saves are written back.
    public let noteBackend: (any NoteBackend)?
    /// Counters of every room.
    public let statistics = RoomStatistics()

    /// Keyed by the id's bytes: `café` NFC and NFD are two documents (``ByteKey``, issue 19).
    let rooms = Locked<[ByteKey: DocumentRoom]>([:])
    /// peer id → its user and the documents it joined, and per user its documents (``DocumentPeerIndex``).
    let joined = Locked(DocumentPeerIndex())

    /// A directory whose notes are `notes` (standalone) or, when given, `noteBackend` (e.g. Open WebUI).
    public init(configuration: DocumentConfiguration, notes: (any NoteStorage)?, noteBackend: (any NoteBackend)? = nil) {
        self.configuration = configuration
        self.notes = notes
        self.noteBackend = noteBackend ?? notes.map { LocalNotes(store: $0) }
    }

    /// A snapshot of the counters.
    public var stats: RoomStatistics.Counters { statistics.snapshot }

    // MARK: Ids and access

    /// Normalises a client-sent id as Open WebUI does: a leading `note_` means `note:`.
    public static func normalize(_ documentID: String) -> String {
        documentID.hasPrefix("note_") ? "note:" + documentID.dropFirst(5) : documentID
    }

    /// The note id of a `note:<id>` document.
    public static func noteID(of documentID: String) -> String? {
        documentID.hasPrefix("note:") ? String(documentID.dropFirst(5)) : nil
    }

    /// What `peer` may do with `documentID`, and the note's grant for a `note:<id>` document.
    /// - Throws: ``DocumentRefusal`` `.notFound`, `.forbidden`, or `.unavailable` when the host did not answer.
    func access(_ documentID: String, for peer: DocumentPeer) async throws(DocumentRefusal) -> (Bool, NoteGrant?) {
        guard let noteID = DocumentManager.noteID(of: documentID) else {
            guard configuration.allowFreeDocuments || peer.isAdmin else { throw .forbidden }
            return (true, nil)
        }
        guard let noteBackend else {
            guard peer.isAdmin else { throw .forbidden }
            return (true, nil)
        }
        let grant: NoteGrant
        do {
            grant = try await noteBackend.open(noteID: noteID, for: peer)
        } catch {
            switch error {
            case .notFound: throw .notFound
            case .forbidden: throw .forbidden
            case .unavailable(let why): throw .unavailable(why)
            }
        }
        return (grant.canWrite, grant)
    }

    static func access(to note: Note, for peer: DocumentPeer) -> Bool? {
        if note.allows(.write, userID: peer.userID, isAdmin: peer.isAdmin, groups: peer.groups) {
            // 0.12 grants: writing needs its own grant, and so does reading.
            return note.accessGrants.isEmpty || note.allows(.read, userID: peer.userID, isAdmin: peer.isAdmin, groups: peer.groups)
                ? true : nil
        }
        if note.allows(.read, userID: peer.userID, isAdmin: peer.isAdmin, groups: peer.groups) { return false }
        return nil
    }

    // MARK: Rooms

    /// The loaded room of `documentID`, if any.
    public func loadedRoom(_ documentID: String) -> DocumentRoom? {
        rooms.withLock { $0[ByteKey(DocumentManager.normalize(documentID))] }
    }

    /// The room of `documentID`, created (not yet loaded) when there is none.
    func room(_ documentID: String) -> DocumentRoom {
        rooms.withLock { rooms in
            if let room = rooms[ByteKey(documentID)] { return room }
            let room = DocumentRoom(
                documentID: documentID, configuration: configuration, notes: noteBackend, stats: statistics,
                onClosed: { [weak self] closed in self?.forget(closed) })
            rooms[ByteKey(documentID)] = room
            return room
        }
    }

    private func forget(_ room: DocumentRoom) {
        rooms.withLock { rooms in
            let key = ByteKey(room.documentID)
            if rooms[key] === room { rooms[key] = nil }
        }
    }

    /// Whether a document is loaded.
    public func isLoaded(_ rawID: String) -> Bool { loadedRoom(rawID) != nil }

    /// Ids of the loaded documents.
    public var loadedDocuments: [String] { rooms.withLock { $0.keys.sorted().map(\.string) } }

    // MARK: Membership

    /// Adds `peer` to the document (loading it on first use); the room answers it with the full state through
    /// `outbound` and tells the others. Members are announced under their authenticated name; `color` is the
    /// client's wish, used only when it is a well-formed hex colour (``MemberDisplay``).
    ///
    /// - Returns: whether the peer may write.
    /// - Throws: ``DocumentRefusal`` when access is denied or the document cannot be loaded; nothing changes then.
    @discardableResult
    public func join(
        _ rawID: String, peer: DocumentPeer, outbound: any DocumentOutbound, color: String? = nil
    ) async throws(DocumentRefusal) -> Bool {
        let requested = ContinuousClock.now
        let documentID = DocumentManager.normalize(rawID)
        let canWrite: Bool
        let grant: NoteGrant?
        do {
            (canWrite, grant) = try await access(documentID, for: peer)
        } catch {
            Log.shared.info("join refused", ["document": documentID, "user": peer.userID, "reason": "\(error)"])
            throw error
        }
        let key = ByteKey(documentID)
        let limit = configuration.maxDocumentsPerUser
        let peerLimit = peer.kind == .socketIO ? configuration.maxDocumentsPerSession : 0
        let reservation = joined.withLock {
            $0.reserve(peer: peer.id, user: peer.userID, document: key, limit: limit, peerLimit: peerLimit)
        }
        switch reservation {
        case .overLimit:
            Log.shared.info(
                "join refused", ["document": documentID, "user": peer.userID, "reason": "per-user document limit (\(limit))"])
            throw .tooManyDocuments(limit)
        case .overPeerLimit:
            Log.shared.info(
                "join refused",
                ["document": documentID, "user": peer.userID, "reason": "per-session document limit (\(peerLimit))"])
            throw .tooManyDocumentsInSession(peerLimit)
        case .added, .existing:
            break
        }
        while true {
            let room = room(documentID)
            do {
                try await room.join(
                    peer, outbound: outbound, canWrite: canWrite, grant: grant, color: color, requested: requested)
                break
            } catch .closed {
                forget(room)
            } catch {
                if reservation == .added { joined.withLock { $0.remove(peer: peer.id, document: key) } }
                Log.shared.info("join refused", ["document": documentID, "user": peer.userID, "reason": "\(error)"])
                throw error
            }
        }
        return canWrite
    }

    /// Answers a resync request with the full state; members only.
    public func resync(_ rawID: String, peer: DocumentPeer) async throws(DocumentRefusal) {
        guard let room = loadedRoom(rawID) else { throw .notMember }
        try await room.resync(peer)
    }

    /// Removes `peer` from the document; the room saves and unloads when it was the last member.
    public func leave(_ rawID: String, peer: DocumentPeer) async {
        let documentID = DocumentManager.normalize(rawID)
        joined.withLock { $0.remove(peer: peer.id, document: ByteKey(documentID)) }
        await loadedRoom(documentID)?.leave(peer)
    }

    /// Removes `peer` from every document it joined (its connection closed).
    public func disconnect(_ peer: DocumentPeer) async {
        let documents = joined.withLock { $0.removeAll(peer: peer.id) }
        for documentID in documents.sorted() { await loadedRoom(documentID.string)?.leave(peer) }
    }

    /// How many documents `peerID` has joined.
    public func documentCount(of peerID: String) -> Int { joined.withLock { $0.documentCount(ofPeer: peerID) } }

    /// How many distinct documents the peers of `userID` have joined, over both protocols.
    public func documentCount(ofUser userID: String) -> Int { joined.withLock { $0.documentCount(ofUser: userID) } }

    /// Whether `peerID` has joined `rawID`.
    public func hasJoined(_ peerID: String, _ rawID: String) -> Bool {
        joined.withLock { $0.contains(peer: peerID, document: ByteKey(DocumentManager.normalize(rawID))) }
    }

    /// The members of a document (peer ids, sorted).
    public func members(of rawID: String) async -> [String] {
        await loadedRoom(rawID)?.memberIDs ?? []
    }

    /// Re-checks the access of every member of a note after its grants changed: a removed write grant stops
    /// writes at once, a removed read grant removes the member (issue 19).
    public func reevaluateAccess(noteID: String) async {
        guard let room = loadedRoom("note:" + noteID) else { return }
        var decisions: [String: Bool?] = [:]
        for peer in await room.memberPeers {
            do {
                decisions[peer.id] = try await access("note:" + noteID, for: peer).0
            } catch .unavailable {
                continue  // the host did not answer: keep the member as it is, the next check decides
            } catch {
                decisions[peer.id] = .some(nil)
            }
        }
        await room.apply(access: decisions)
        forgetRemoved(decisions, documentID: room.documentID)
    }

    // MARK: Updates

    /// Validates, logs, applies and relays an update from a member with write access.
    /// - Throws: ``DocumentRefusal``; a refused update is neither stored nor relayed.
    public func applyUpdate(_ rawID: String, update: [UInt8]?, noteData: JSONObject? = nil, from peer: DocumentPeer)
        async throws(DocumentRefusal)
    {
        guard let room = loadedRoom(rawID) else { throw .notMember }
        do {
            try await room.applyUpdate(update, noteData: noteData, from: peer)
        } catch {
            Log.shared.info("update refused", ["document": room.documentID, "user": peer.userID, "reason": "\(error)"])
            throw error
        }
    }

    /// Takes a client's seed of an empty document, or answers the stored state (see
    /// ``DocumentRoom/initialize(_:from:)``).
    public func initialize(_ rawID: String, seed: [UInt8], from peer: DocumentPeer) async throws(DocumentRefusal)
        -> [UInt8]
    {
        guard let room = loadedRoom(rawID) else { throw .notMember }
        return try await room.initialize(seed, from: peer)
    }

    /// The state vector of a loaded document (y-websocket sync step 1).
    public func stateVector(_ rawID: String) async -> [UInt8]? {
        await loadedRoom(rawID)?.stateVector()
    }

    /// What a peer with state vector `stateVector` lacks (y-websocket sync step 2).
    public func diff(_ rawID: String, stateVector: [UInt8]) async throws(DocumentRefusal) -> [UInt8] {
        guard let room = loadedRoom(rawID) else { throw .notMember }
        return try await room.diff(stateVector: stateVector)
    }

    /// What a peer with state vector `stateVector` lacks, as an encoded y-websocket sync step 2 frame (shared by
    /// every client that syncs from nothing; see ``DocumentRoom/syncStep2Frame(stateVector:)``).
    public func syncStep2Frame(_ rawID: String, stateVector: [UInt8]) async throws(DocumentRefusal) -> [UInt8] {
        guard let room = loadedRoom(rawID) else { throw .notMember }
        return try await room.syncStep2Frame(stateVector: stateVector)
    }

    /// The full state of a loaded document.
    public func state(_ rawID: String) async -> [UInt8]? {
        await loadedRoom(rawID)?.state()
    }

    // MARK: Awareness

    /// Relays Open WebUI awareness JSON (see ``DocumentRoom/awarenessFromJSON(_:from:)``).
    public func awarenessFromJSON(_ rawID: String, bytes: [UInt8], from peer: DocumentPeer) async throws(DocumentRefusal) {
        guard let room = loadedRoom(rawID) else { throw .notMember }
        try await room.awarenessFromJSON(bytes, from: peer)
    }

    /// Applies and relays a y-protocols awareness update.
    public func awarenessFromYProtocols(_ rawID: String, bytes: [UInt8], from peer: DocumentPeer) async throws(
        DocumentRefusal
    ) {
        guard let room = loadedRoom(rawID) else { throw .notMember }
        try await room.awarenessFromYProtocols(bytes, from: peer)
    }

    /// Every known awareness state of a document, y-protocols encoded.
    public func awarenessStates(_ rawID: String) async -> [UInt8]? {
        await loadedRoom(rawID)?.awarenessStates()
    }
}
