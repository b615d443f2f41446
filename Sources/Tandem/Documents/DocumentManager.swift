import Wire
import YCRDT

/// Why a document request was refused.
public enum DocumentRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound
    case forbidden
    case notMember
    case readOnly
    case invalidUpdate(String)
    case tooLarge(Int)
    case loadFailed(String)
    case storageFailed(String)

    public var description: String {
        switch self {
        case .notFound: return "document not found"
        case .forbidden: return "access denied"
        case .notMember: return "not a member of this document"
        case .readOnly: return "read-only access"
        case .invalidUpdate(let why): return "invalid update: \(why)"
        case .tooLarge(let limit): return "update larger than \(limit) bytes"
        case .loadFailed(let why): return "failed to load document: \(why)"
        case .storageFailed(let why): return "failed to store update: \(why)"
        }
    }
}

/// The live documents: one ``LiveDocument`` per open document id, its members of both protocols, its awareness,
/// its write-ahead log and its debounced saves.
///
/// Everything a document does happens on this actor, in order: an update is validated, applied, appended to the
/// log and only then relayed, so a `kill -9` loses nothing any client has received. Relays are handed to each
/// protocol's ``DocumentRelay`` synchronously, which keeps the order of events per peer. Saves follow a
/// ``DebounceSchedule``: 0.5 s after the last change, at most 5 s under constant editing, at the last leave and at
/// shutdown. See Docs/documents.md.
public actor DocumentManager {
    public nonisolated let configuration: DocumentConfiguration
    /// The notes, for access checks and for writing rendered content; nil when there is no data directory.
    public nonisolated let notes: NoteStore?

    struct Member {
        var peer: DocumentPeer
        var canWrite: Bool
        var awarenessClients: Set<ClientID> = []
    }

    struct Room {
        var document: LiveDocument
        var files: DocumentFiles?
        var members: [String: Member] = [:]
        var cachedState: [UInt8]?
        var awareness = Awareness()
        /// Client-sent note data (`data` of `ydoc:document:update`), shallow-merged into the note at the next save.
        var pendingNoteData: JSONObject?
        var updatesApplied = 0
    }

    var rooms: [String: Room] = [:]
    var relays: [DocumentPeer.Kind: any DocumentRelay] = [:]
    var schedule: DebounceSchedule<String>
    var timer: Task<Void, Never>?
    var noteWrites: [Task<Void, Never>] = []
    /// Counters for /metrics and tests.
    public internal(set) var stats = Stats()

    /// Counters of what the manager did.
    public struct Stats: Sendable, Equatable {
        public var updatesApplied = 0
        public var updatesRejected = 0
        public var saves = 0
        public var saveFailures = 0
        public var compactions = 0
        public var loads = 0
        public var unloads = 0
    }

    public init(configuration: DocumentConfiguration, notes: NoteStore?) {
        self.configuration = configuration
        self.notes = notes
        self.schedule = DebounceSchedule(delay: configuration.saveDelay, maxWait: configuration.saveMaxWait)
    }

    /// Registers the relay of one protocol (Socket.IO, y-websocket).
    public func register(_ relay: any DocumentRelay) {
        relays[relay.kind] = relay
    }

    // MARK: Membership

    /// Normalises a client-sent id as Open WebUI does: a leading `note_` means `note:`.
    public nonisolated static func normalize(_ documentID: String) -> String {
        documentID.hasPrefix("note_") ? "note:" + documentID.dropFirst(5) : documentID
    }

    /// The note id of a `note:<id>` document.
    public nonisolated static func noteID(of documentID: String) -> String? {
        documentID.hasPrefix("note:") ? String(documentID.dropFirst(5)) : nil
    }

    /// What `peer` may do with `documentID`: nil for nothing, false for read, true for read and write.
    func access(_ documentID: String, for peer: DocumentPeer) async -> Bool? {
        guard let noteID = DocumentManager.noteID(of: documentID) else {
            return configuration.allowFreeDocuments ? true : (peer.isAdmin ? true : nil)
        }
        guard let notes, let note = await notes.note(noteID) else { return peer.isAdmin && notes == nil ? true : nil }
        if note.allows(.write, userID: peer.userID, isAdmin: peer.isAdmin) { return true }
        if note.allows(.read, userID: peer.userID, isAdmin: peer.isAdmin) { return false }
        return nil
    }

    /// Adds `peer` to the document (loading it on first use) and answers with the full state; tells the others.
    ///
    /// - Parameters:
    ///   - name, color: what `ydoc:user:joined` carries (Open WebUI defaults: `Anonymous`, `#000000`).
    /// - Returns: whether the peer may write.
    /// - Throws: ``DocumentRefusal`` when access is denied or the document cannot be loaded; nothing changes then.
    @discardableResult
    public func join(_ rawID: String, peer: DocumentPeer, name: String? = nil, color: String? = nil) async throws(
        DocumentRefusal
    ) -> Bool {
        let documentID = DocumentManager.normalize(rawID)
        if let noteID = DocumentManager.noteID(of: documentID), let notes, await notes.note(noteID) == nil {
            throw .notFound
        }
        guard let canWrite = await access(documentID, for: peer) else { throw .forbidden }
        try await openRoom(documentID)
        guard var room = rooms[documentID] else { throw .notFound }
        room.members[peer.id] = Member(peer: peer, canWrite: canWrite, awarenessClients: room.members[peer.id]?.awarenessClients ?? [])
        let state = cachedState(of: &room)
        rooms[documentID] = room
        let sessions = room.members.keys.sorted()
        deliver(.state(documentID: documentID, state: state, sessions: sessions, to: peer), in: room)
        deliver(
            .joined(documentID: documentID, peer: peer, name: name ?? "Anonymous", color: color ?? "#000000"),
            in: room, except: peer.id)
        let existing = room.awareness.encodeAll()
        if !existing.entries.isEmpty, peer.kind == .yWebSocket {
            relays[.yWebSocket]?.deliver(
                .awareness(documentID: documentID, json: nil, yProtocols: existing.encoded(), origin: nil), members: [peer])
        }
        return canWrite
    }

    /// Answers a resync request (`ydoc:document:state` from a client) with the full state; members only.
    public func resync(_ rawID: String, peer: DocumentPeer) throws(DocumentRefusal) {
        let documentID = DocumentManager.normalize(rawID)
        guard var room = rooms[documentID], room.members[peer.id] != nil else { throw .notMember }
        let state = cachedState(of: &room)
        rooms[documentID] = room
        deliver(.state(documentID: documentID, state: state, sessions: room.members.keys.sorted(), to: peer), in: room)
    }

    /// Removes `peer` from the document; tells the others, clears its cursors, and saves and unloads the document
    /// when it was the last member.
    public func leave(_ rawID: String, peer: DocumentPeer) {
        let documentID = DocumentManager.normalize(rawID)
        guard var room = rooms[documentID], let member = room.members.removeValue(forKey: peer.id) else { return }
        let previous = states(of: member.awarenessClients, in: room)
        let removal = room.awareness.remove(member.awarenessClients.sorted(), now: .now)
        rooms[documentID] = room
        deliver(.left(documentID: documentID, peer: peer), in: room)
        if let removal {
            deliver(
                .awareness(
                    documentID: documentID, json: AwarenessBridge.json(from: removal.entries, previous: previous),
                    yProtocols: removal.encoded(), origin: peer),
                in: room)
        }
        if room.members.isEmpty { closeRoom(documentID) }
    }

    /// Removes `peer` from every document it joined (its connection closed).
    public func disconnect(_ peer: DocumentPeer) {
        for (documentID, room) in rooms where room.members[peer.id] != nil {
            leave(documentID, peer: peer)
        }
    }

    /// The members of a document (peer ids, sorted).
    public func members(of rawID: String) -> [String] {
        rooms[DocumentManager.normalize(rawID)]?.members.keys.sorted() ?? []
    }

    /// Whether a document is loaded.
    public func isLoaded(_ rawID: String) -> Bool { rooms[DocumentManager.normalize(rawID)] != nil }

    /// Ids of the loaded documents.
    public var loadedDocuments: [String] { rooms.keys.sorted() }

    // MARK: Updates

    /// Validates, applies, logs and relays an update from a member with write access.
    ///
    /// - Parameters:
    ///   - update: v1 update bytes; nil or empty for a content-only save (Open WebUI's snapshot), which is not relayed.
    ///   - noteData: Open WebUI's `data` (`{content: {json, html, md}}`), shallow-merged into the note at the next save.
    /// - Throws: ``DocumentRefusal``; a refused update is neither stored nor relayed.
    public func applyUpdate(_ rawID: String, update: [UInt8]?, noteData: JSONObject? = nil, from peer: DocumentPeer)
        throws(DocumentRefusal)
    {
        let documentID = DocumentManager.normalize(rawID)
        guard var room = rooms[documentID], let member = room.members[peer.id] else { throw .notMember }
        guard member.canWrite else { throw .readOnly }
        if let noteData, DocumentManager.noteID(of: documentID) != nil {
            var merged = room.pendingNoteData ?? [:]
            for (key, value) in noteData { merged[key] = value }
            room.pendingNoteData = merged
            rooms[documentID] = room
            schedule.markDirty(documentID, now: .now)
        }
        guard let update, !update.isEmpty else { return }
        guard update.count <= configuration.maxUpdateBytes else {
            stats.updatesRejected += 1
            throw .tooLarge(configuration.maxUpdateBytes)
        }
        do {
            try room.document.apply(update)
        } catch {
            stats.updatesRejected += 1
            throw .invalidUpdate(error.description)
        }
        if let files = room.files {
            do {
                try files.append(update)
            } catch {
                // The update is applied in memory but not durable: keep serving, save the whole state soon.
                stats.saveFailures += 1
            }
        }
        room.cachedState = nil
        room.updatesApplied += 1
        stats.updatesApplied += 1
        rooms[documentID] = room
        deliver(.update(documentID: documentID, update: update, origin: peer), in: room, except: peer.id)
        schedule.markDirty(documentID, now: .now)
        if let files = room.files,
            files.logRecordCount >= configuration.compactionUpdates || files.logByteCount >= configuration.compactionBytes
        {
            stats.compactions += 1
            save(documentID)
        }
    }

    /// The state vector of a loaded document (y-websocket sync step 1).
    public func stateVector(_ rawID: String) -> [UInt8]? {
        rooms[DocumentManager.normalize(rawID)]?.document.stateVector()
    }

    /// What a peer with state vector `stateVector` lacks (y-websocket sync step 2).
    public func diff(_ rawID: String, stateVector: [UInt8]) throws(DocumentRefusal) -> [UInt8] {
        guard let room = rooms[DocumentManager.normalize(rawID)] else { throw .notMember }
        do {
            return try room.document.diff(stateVector: stateVector)
        } catch {
            throw .invalidUpdate("state vector: \(error.description)")
        }
    }

    /// The full state of a loaded document, from the cache.
    public func state(_ rawID: String) -> [UInt8]? {
        let documentID = DocumentManager.normalize(rawID)
        guard var room = rooms[documentID] else { return nil }
        let state = cachedState(of: &room)
        rooms[documentID] = room
        return state
    }

    // MARK: Awareness

    /// Relays Open WebUI awareness (UTF-8 JSON bytes) untouched to Socket.IO members and converted to y-websocket
    /// members. Read-only members' awareness is dropped unless configured otherwise.
    public func awarenessFromJSON(_ rawID: String, bytes: [UInt8], from peer: DocumentPeer) throws(DocumentRefusal) {
        let documentID = DocumentManager.normalize(rawID)
        guard var room = rooms[documentID], var member = room.members[peer.id] else { throw .notMember }
        guard member.canWrite || configuration.relayReadOnlyAwareness else { throw .readOnly }
        var yProtocols: [UInt8]?
        if let entries = AwarenessBridge.entries(fromJSON: bytes, table: room.awareness), !entries.isEmpty {
            let changes = room.awareness.apply(AwarenessUpdate(entries: entries), now: .now)
            member.awarenessClients.formUnion(changes.accepted.map(\.client))
            if !changes.accepted.isEmpty { yProtocols = AwarenessUpdate(entries: changes.accepted).encoded() }
        }
        room.members[peer.id] = member
        rooms[documentID] = room
        deliver(.awareness(documentID: documentID, json: bytes, yProtocols: yProtocols, origin: peer), in: room, except: peer.id)
    }

    /// Applies a y-protocols awareness update from a y-websocket member and relays what it changed.
    public func awarenessFromYProtocols(_ rawID: String, bytes: [UInt8], from peer: DocumentPeer) throws(DocumentRefusal) {
        let documentID = DocumentManager.normalize(rawID)
        guard var room = rooms[documentID], var member = room.members[peer.id] else { throw .notMember }
        guard member.canWrite || configuration.relayReadOnlyAwareness else { throw .readOnly }
        let update: AwarenessUpdate
        do {
            update = try AwarenessUpdate(bytes: bytes)
        } catch {
            throw .invalidUpdate("awareness: \(error.description)")
        }
        let previous = states(of: Set(update.entries.map(\.client)), in: room)
        let changes = room.awareness.apply(update, now: .now)
        guard !changes.accepted.isEmpty else { return }
        for entry in changes.accepted {
            if entry.isRemoval { member.awarenessClients.remove(entry.client) } else { member.awarenessClients.insert(entry.client) }
        }
        room.members[peer.id] = member
        rooms[documentID] = room
        let accepted = AwarenessUpdate(entries: changes.accepted)
        deliver(
            .awareness(
                documentID: documentID, json: AwarenessBridge.json(from: changes.accepted, previous: previous),
                yProtocols: accepted.encoded(), origin: peer),
            in: room, except: peer.id)
    }

    /// Every known awareness state of a document, y-protocols encoded (the answer to query-awareness).
    public func awarenessStates(_ rawID: String) -> [UInt8]? {
        guard let room = rooms[DocumentManager.normalize(rawID)] else { return nil }
        let all = room.awareness.encodeAll()
        return all.entries.isEmpty ? nil : all.encoded()
    }

    // MARK: Internals

    func deliver(_ event: DocumentEvent, in room: Room, except excluded: String? = nil) {
        switch event {
        case .state(_, _, _, let to), .error(_, _, let to):
            relays[to.kind]?.deliver(event, members: [to])
            return
        default:
            break
        }
        var byKind: [DocumentPeer.Kind: [DocumentPeer]] = [:]
        for member in room.members.values where member.peer.id != excluded {
            byKind[member.peer.kind, default: []].append(member.peer)
        }
        for (kind, relay) in relays {
            let members = byKind[kind] ?? []
            // Socket.IO relays address the room itself; others need at least one member.
            if members.isEmpty && kind != .socketIO { continue }
            relay.deliver(event, members: members)
        }
    }

    func cachedState(of room: inout Room) -> [UInt8] {
        if let cached = room.cachedState { return cached }
        let state = room.document.encodeState()
        room.cachedState = state
        return state
    }

    func states(of clients: Set<ClientID>, in room: Room) -> [ClientID: String] {
        var result: [ClientID: String] = [:]
        for client in clients {
            if let state = room.awareness.clients[client]?.state { result[client] = state }
        }
        return result
    }
}
