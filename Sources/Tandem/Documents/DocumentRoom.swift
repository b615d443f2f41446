import Wire
import YCRDT

/// One live document: its CRDT state, its store, its awareness, its save schedule and the one table of its
/// subscribers, whatever protocol they speak.
///
/// Each room is an actor on its own executor (``RoomExecutor``), so slow disk work for one document never delays
/// another. Everything a document does happens here, in order: an update is validated, **appended to the log**,
/// applied, and only then relayed; an update the store refuses is refused to its writer and reaches nobody (the
/// durability rule, Docs/persistence.md). Outgoing events are encoded once per protocol (``DocumentWire``) and the
/// same bytes go to every subscriber of that protocol. See Docs/rooms.md.
public actor DocumentRoom {
    /// The normalised document id (`note:<id>` for notes).
    public nonisolated let documentID: String
    nonisolated let executor: RoomExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    let configuration: DocumentConfiguration
    let notes: (any NoteBackend)?
    let stats: RoomStatistics
    /// Called once when the room has saved and closed; the directory forgets it.
    let onClosed: @Sendable (DocumentRoom) -> Void

    enum Phase { case unloaded, loaded, closed }

    struct Subscriber {
        var peer: DocumentPeer
        var canWrite: Bool
        var awarenessClients: Set<ClientID> = []
        var outbound: any DocumentOutbound
        /// The name and colour announced at join (``MemberDisplay``), for the dashboard; nil parts fall back to the
        /// member's awareness state there.
        var display: (name: String?, color: String?) = (nil, nil)
        /// The colour announced in `ydoc:user:joined` (and to the other nodes in cluster mode).
        var shownColor = ""
    }

    var phase = Phase.unloaded
    var document = LiveDocument()
    var storage: (any DocumentStorage)?
    var subscribers: [String: Subscriber] = [:]
    var awareness = Awareness()
    /// The next awareness expiry, kept per update (DocumentRoom+Awareness.swift).
    var awarenessExpiry = AwarenessExpiryBound.none
    /// Awareness collected for the current window (``DocumentConfiguration/awarenessFlushInterval``).
    var coalescer = AwarenessCoalescer()
    /// Client-sent note data (`data` of `ydoc:document:update`), shallow-merged into the note at the next save.
    var pendingNoteData: JSONObject?
    var cachedState: [UInt8]? {
        didSet { if cachedState == nil { joinCache = RoomJoinCache() } }
    }
    /// Joiners' answers of the current version, encoded once and shared (DocumentRoom+JoinCache.swift).
    var joinCache = RoomJoinCache()
    /// The note's stored content (`data.content`), sent with the state on join (Open WebUI 0.12).
    var noteContent: JSONValue?
    /// First and last unsaved change; nil when everything is saved.
    var dirty: (first: ContinuousClock.Instant, last: ContinuousClock.Instant)?
    /// When a failed save is tried again.
    var retryAt: ContinuousClock.Instant?
    var failedSavesInRow = 0
    /// When appends were made that have not been fsynced yet.
    var unsyncedSince: ContinuousClock.Instant?
    var timer: Task<Void, Never>?
    /// The deadline the timer sleeps toward.
    var timerDue: ContinuousClock.Instant?
    var noteWrites: [Task<Void, Never>] = []
    /// Note writes still retrying.
    var activeNoteSaves = 0
    /// The last member who wrote, kept after it leaves so the note save can still be made on its behalf.
    var lastEditor: DocumentPeer?
    /// Versions, save receipts and the size budget (DocumentRoom+History.swift).
    var history = RoomHistory()
    /// Recent updates, last save and the cached rendering, for the admin dashboard (DocumentRoom+Snapshot.swift).
    var activity = RoomActivity()
    /// Cluster mode: awareness states relayed from other nodes (DocumentRoom+Cluster.swift).
    var cluster = RoomClusterState()

    init(
        documentID: String, configuration: DocumentConfiguration, notes: (any NoteBackend)?, stats: RoomStatistics,
        onClosed: @escaping @Sendable (DocumentRoom) -> Void
    ) {
        self.documentID = documentID
        self.executor = RoomExecutor(label: "tandem.room")
        self.configuration = configuration
        self.notes = notes
        self.stats = stats
        self.onClosed = onClosed
    }

    /// The note id of a `note:<id>` document.
    var noteID: String? { DocumentManager.noteID(of: documentID) }

    // MARK: Membership

    /// Adds `peer` (loading the document on first use), sends it the state, and tells the others with the name and
    /// colour of ``MemberDisplay`` (the user's own name; `color` only when well-formed), and the other nodes in
    /// cluster mode (DocumentRoom+ClusterMembers.swift).
    /// - Parameter requested: when the join request arrived (the join latency runs from there to the state answer).
    /// - Throws: ``DocumentRefusal``; `.closed` when the room closed meanwhile (the directory opens a new one).
    func join(
        _ peer: DocumentPeer, outbound: any DocumentOutbound, canWrite: Bool, grant: NoteGrant?, color: String?,
        requested: ContinuousClock.Instant
    ) async throws(DocumentRefusal) {
        try ensureLoaded(grant: grant)
        if let content = grant?.storedContent { noteContent = content }
        let rejoin = subscribers[peer.id]
        subscribers[peer.id] = Subscriber(
            peer: peer, canWrite: canWrite, awarenessClients: rejoin?.awarenessClients ?? [], outbound: outbound)
        if rejoin == nil { stats.update { $0.members += 1 } }
        let shownColor = MemberDisplay.color(requested: color, userID: peer.userID)
        subscribers[peer.id]?.display = (
            peer.userName.isEmpty ? nil : peer.userName, color == nil && peer.kind == .yWebSocket ? nil : shownColor
        )
        subscribers[peer.id]?.shownColor = shownColor
        sendState(content: noteContent, to: peer, outbound: outbound, now: .now)
        stats.latencies.join(peer.kind).observe(since: requested)
        let shownName = MemberDisplay.name(of: peer)
        broadcast(.joined(documentID: documentID, peer: peer, name: shownName, color: shownColor), except: peer.id)
        publishMember(.joined, peer: peer, name: shownName, color: shownColor)
        let existing = awareness.encodeAll()
        if !existing.entries.isEmpty, peer.kind == .yWebSocket {
            send(
                .awareness(documentID: documentID, json: nil, yProtocols: existing.encoded(), origin: nil), to: peer,
                outbound: outbound)
        }
    }

    /// Sends the full state to a member again (`ydoc:document:state` from a client).
    func resync(_ peer: DocumentPeer) throws(DocumentRefusal) {
        guard let member = subscribers[peer.id] else { throw .notMember }
        sendState(content: nil, to: peer, outbound: member.outbound, now: .now)
    }

    /// Removes `peer`; tells the others and clears its cursors; saves and closes the room when it was the last.
    func leave(_ peer: DocumentPeer) {
        guard let member = subscribers.removeValue(forKey: peer.id) else { return }
        stats.update { $0.members -= 1 }
        let now = ContinuousClock.now
        let previous = states(of: member.awarenessClients)
        let removal = awareness.remove(member.awarenessClients.sorted(), now: now)
        broadcast(.left(documentID: documentID, peer: peer))
        publishMember(.left, peer: peer)
        if let removal {
            publishAwareness(removal.encoded(), kind: .yProtocols, from: peer)
            relayAwareness(removal.entries, previous: previous, origin: peer, exceptOrigin: false, now: now)
        }
        if subscribers.isEmpty { closeIfIdle(now: .now) }
    }

    /// Changes what members may do after a grant changed: nil (no access: the member is removed), false (read
    /// only) or true (read and write) for each member in `access`; members not in it keep theirs.
    func apply(access: [String: Bool?]) {
        for (id, decision) in access {
            guard let member = subscribers[id] else { continue }
            guard let canWrite = decision else {
                send(.error(documentID: documentID, message: "access revoked"), to: member.peer, outbound: member.outbound)
                member.outbound.revoked()
                Log.shared.info("member removed: access revoked", ["document": documentID, "user": member.peer.userID])
                leave(member.peer)
                continue
            }
            subscribers[id]?.canWrite = canWrite
        }
    }

    /// The members.
    var memberPeers: [DocumentPeer] { subscribers.values.map(\.peer) }

    /// The members' peer ids, sorted.
    var memberIDs: [String] { subscribers.keys.sorted() }

    // MARK: Updates

    /// Validates, logs, applies and relays an update from a member with write access.
    ///
    /// - Parameters:
    ///   - update: v1 update bytes; nil or empty for a content-only save (Open WebUI's snapshot), which is not relayed.
    ///   - noteData: Open WebUI's `data` (`{content: {json, html, md}}`), shallow-merged into the note at the next save.
    /// - Throws: ``DocumentRefusal``; a refused update is neither stored nor applied nor relayed.
    func applyUpdate(_ update: [UInt8]?, noteData: JSONObject?, from peer: DocumentPeer) throws(DocumentRefusal) {
        guard let member = subscribers[peer.id] else { throw .notMember }
        guard member.canWrite else { throw .readOnly }
        let now = ContinuousClock.now
        if let noteData, noteID != nil {
            var merged = pendingNoteData ?? [:]
            for (key, value) in noteData { merged[key] = value }
            pendingNoteData = merged
            markDirty(now: now)
        }
        guard let update, !update.isEmpty else { return }
        try integrate(update, now: now, author: peer)
        lastEditor = peer
        broadcast(.update(documentID: documentID, update: update, origin: peer), except: peer.id)
        stats.latencies.relay(peer.kind).observe(since: now)
    }

    /// Open WebUI 0.12's seeding handshake (`ydoc:document:update` with `initialize: true` and an ack): the first
    /// seed of an empty document wins and is stored and relayed; a later seeder gets the stored state instead and
    /// drops its own.
    /// - Returns: what to acknowledge with: the seed when it was taken, else the stored state.
    func initialize(_ seed: [UInt8], from peer: DocumentPeer) throws(DocumentRefusal) -> [UInt8] {
        guard let member = subscribers[peer.id] else { throw .notMember }
        guard member.canWrite else { throw .readOnly }
        guard document.stateVector() == [0] else { return state() }
        let now = ContinuousClock.now
        try integrate(seed, now: now, author: peer)
        broadcast(.update(documentID: documentID, update: seed, origin: peer), except: peer.id)
        stats.latencies.relay(peer.kind).observe(since: now)
        return seed
    }

    /// Decodes, logs and applies an update: the common path of client and server edits.
    func integrate(_ update: [UInt8], now: ContinuousClock.Instant, author: DocumentPeer? = nil) throws(DocumentRefusal) {
        guard update.count <= configuration.maxUpdateBytes else {
            stats.update { $0.updatesRejected += 1 }
            throw .tooLarge(configuration.maxUpdateBytes)
        }
        let decoded: Update
        do {
            decoded = try Update(v1: update)
        } catch {
            stats.update { $0.updatesRejected += 1 }
            throw .invalidUpdate(error.description)
        }
        try checkSizeBudget(decoded, bytes: update.count)
        if let storage {
            do {
                try storage.append(update, author: author)
            } catch {
                stats.update { $0.appendFailures += 1 }
                logStorageFailure("append", error)
                throw .storageFailed("the server could not store the update; it was not applied, try again later")
            }
            if unsyncedSince == nil { unsyncedSince = now }
        }
        document.apply(decoded: decoded)
        cachedState = nil
        history.applied(bytes: update.count)
        activity.record(bytes: update.count, author: author, now: now)
        stats.update { $0.updatesApplied += 1 }
        markDirty(now: now)
        if let storage,
            storage.logRecordCount >= configuration.compactionUpdates
                || storage.logByteCount >= configuration.compactionBytes
        {
            stats.update { $0.compactions += 1 }
            save(now: now)
        }
    }

    /// The state vector (y-websocket sync step 1).
    func stateVector() -> [UInt8] { document.stateVector() }

    /// What a peer with state vector `vector` lacks (y-websocket sync step 2).
    func diff(stateVector vector: [UInt8]) throws(DocumentRefusal) -> [UInt8] {
        do {
            return try document.diff(stateVector: vector)
        } catch {
            throw .invalidUpdate("state vector: \(error.description)")
        }
    }

    /// The full state as a v1 update, from the cache.
    func state() -> [UInt8] {
        if let cachedState { return cachedState }
        let state = document.encodeState()
        cachedState = state
        return state
    }

    // MARK: Delivery

    func stateEvent(content: JSONValue?) -> DocumentEvent {
        .state(
            documentID: documentID, state: state(), stateVector: document.stateVector(), sessions: sessionIDs,
            content: content)
    }

    /// Sends `event` to every subscriber but `excluded`, encoding it once per protocol.
    func broadcast(_ event: DocumentEvent, except excluded: String? = nil) {
        var socketIO: DocumentWireMessage??
        var yWebSocket: DocumentWireMessage??
        for member in subscribers.values where member.peer.id != excluded {
            let message: DocumentWireMessage?
            switch member.peer.kind {
            case .socketIO:
                if socketIO == nil { socketIO = .some(DocumentWire.encode(event, for: .socketIO)) }
                message = socketIO ?? nil
            case .yWebSocket:
                if yWebSocket == nil { yWebSocket = .some(DocumentWire.encode(event, for: .yWebSocket)) }
                message = yWebSocket ?? nil
            }
            if let message { member.outbound.send(message) }
        }
    }

    func send(_ event: DocumentEvent, to peer: DocumentPeer, outbound: any DocumentOutbound) {
        if let message = DocumentWire.encode(event, for: peer.kind) { outbound.send(message) }
    }

    func states(of clients: Set<ClientID>) -> [ClientID: String] {
        var result: [ClientID: String] = [:]
        for client in clients {
            if let state = awareness.clients[client]?.state { result[client] = state }
        }
        return result
    }
}
