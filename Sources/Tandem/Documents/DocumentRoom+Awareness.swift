import Wire
import YCRDT

extension DocumentRoom {
    /// Relays Open WebUI awareness (UTF-8 JSON bytes) untouched to Socket.IO members and converted to y-websocket
    /// members. Read-only members' awareness is dropped unless configured otherwise.
    func awarenessFromJSON(_ bytes: [UInt8], from peer: DocumentPeer) throws(DocumentRefusal) {
        guard var member = subscribers[peer.id] else { throw .notMember }
        guard member.canWrite || configuration.relayReadOnlyAwareness else { throw .readOnly }
        let now = ContinuousClock.now
        var accepted: [AwarenessUpdate.Entry] = []
        var complete = false
        var relayed = bytes
        if let parsed = AwarenessBridge.parse(json: bytes, table: awareness), !parsed.entries.isEmpty {
            let admitted = admitAwareness(parsed.entries, from: member)
            if let refusal = admitted.refusal {
                refuseAwareness(refusal, dropped: parsed.entries.count - admitted.kept.count, to: member)
                guard !admitted.kept.isEmpty,
                    let filtered = AwarenessBridge.json(bytes, keeping: Set(admitted.kept.map(\.client)))
                else { return }
                relayed = filtered
            }
            accepted = applyAwareness(AwarenessUpdate(entries: admitted.kept), now: now).accepted
            member.awarenessClients.formUnion(accepted.map(\.client))
            // The relayed JSON holds exactly the admitted entries; it can be merged when every one was accepted.
            complete = parsed.skippedKeys == 0 && accepted.count == admitted.kept.count
        }
        subscribers[peer.id] = member
        relayAwareness(accepted, previous: [:], rawJSON: relayed, complete: complete, origin: peer, now: now)
        publishAwareness(relayed, kind: .json, from: peer)
    }

    /// Applies a y-protocols awareness update from a y-websocket member and relays what it changed.
    func awarenessFromYProtocols(_ bytes: [UInt8], from peer: DocumentPeer) throws(DocumentRefusal) {
        guard var member = subscribers[peer.id] else { throw .notMember }
        guard member.canWrite || configuration.relayReadOnlyAwareness else { throw .readOnly }
        let update: AwarenessUpdate
        do {
            update = try AwarenessUpdate(bytes: bytes)
        } catch {
            throw .invalidUpdate("awareness: \(error.description)")
        }
        let admitted = admitAwareness(update.entries, from: member)
        if let refusal = admitted.refusal {
            refuseAwareness(refusal, dropped: update.entries.count - admitted.kept.count, to: member)
        }
        let now = ContinuousClock.now
        let previous = states(of: Set(admitted.kept.map(\.client)))
        let changes = applyAwareness(AwarenessUpdate(entries: admitted.kept), now: now)
        guard !changes.accepted.isEmpty else { return }
        for entry in changes.accepted {
            if entry.isRemoval { member.awarenessClients.remove(entry.client) } else { member.awarenessClients.insert(entry.client) }
        }
        subscribers[peer.id] = member
        relayAwareness(changes.accepted, previous: previous, origin: peer, now: now)
        publishAwareness(AwarenessUpdate(entries: changes.accepted).encoded(), kind: .yProtocols, from: peer)
        wake()
    }

    /// Applies `update` to the room's table and keeps the next expiry a running minimum: a renewed state expires
    /// one timeout from now, which can only lower the room's next expiry when nothing else was due.
    func applyAwareness(_ update: AwarenessUpdate, now: ContinuousClock.Instant) -> Awareness.Changes {
        let changes = awareness.apply(update, now: now)
        if changes.accepted.contains(where: { !$0.isRemoval }) {
            let expiry = now + awareness.timeout
            switch awarenessExpiry {
            case .unknown: break
            case .none: awarenessExpiry = .at(expiry)
            case .at(let due): awarenessExpiry = .at(min(due, expiry))
            }
        }
        return changes
    }

    /// Relays accepted awareness changes to the members: at once, each arrival on its own (interval 0, or an Open
    /// WebUI arrival that cannot be merged), or collected until the room's window ends (``AwarenessCoalescer``).
    ///
    /// - Parameters:
    ///   - previous: the clients' states before the change (a removal shows Open WebUI clients the last state with
    ///     `cursor: null`).
    ///   - rawJSON: an Open WebUI arrival's own bytes, relayed untouched to Socket.IO members.
    ///   - complete: whether `accepted` holds every entry of `rawJSON` (else the bytes go at once, as they are).
    ///   - origin: who sent it; a member never gets its own awareness back. Nil for the server's own (expiry).
    ///   - exceptOrigin: false when the origin is not a member here (it left, or it is on another node).
    ///   - immediate: sent at once after what is pending (the expiry sweep's removals, already one update).
    func relayAwareness(
        _ accepted: [AwarenessUpdate.Entry], previous: [ClientID: String], rawJSON: [UInt8]? = nil,
        complete: Bool = true, origin: DocumentPeer?, exceptOrigin: Bool = true, immediate: Bool = false,
        now: ContinuousClock.Instant
    ) {
        let excluded = exceptOrigin ? origin?.id : nil
        guard configuration.awarenessFlushInterval > .zero, complete, !immediate else {
            flushAwareness()
            let json = rawJSON ?? AwarenessBridge.json(from: accepted, previous: previous)
            let yProtocols = accepted.isEmpty ? nil : AwarenessUpdate(entries: accepted).encoded()
            guard json != nil || yProtocols != nil else { return }
            broadcast(.awareness(documentID: documentID, json: json, yProtocols: yProtocols, origin: origin), except: excluded)
            return
        }
        let pending = accepted.map { entry in
            AwarenessCoalescer.Pending(
                entry: entry, json: Self.openWebUIState(entry, previous: previous, fromJSON: rawJSON != nil),
                origin: excluded, userID: origin?.userID ?? "")
        }
        let opened = coalescer.isEmpty
        coalescer.add(pending, rawJSON: rawJSON, now: now, interval: configuration.awarenessFlushInterval)
        if opened { wake() }
    }

    /// The JSON text Open WebUI members get for `entry`: an Open WebUI arrival's own state; a y-protocols state
    /// when it is JSON; a removal as the last state with `cursor: null`. Nil when there is none.
    static func openWebUIState(_ entry: AwarenessUpdate.Entry, previous: [ClientID: String], fromJSON: Bool) -> String? {
        if fromJSON { return entry.state }
        if entry.isRemoval { return previous[entry.client].flatMap(AwarenessBridge.clearedCursor)?.serialized() }
        return (try? JSONValue(parsing: entry.state))?.serialized()
    }

    /// Sends the window's awareness, one message per member and protocol: the same bytes for every member that
    /// sent nothing in the window, its own copy without its entries for each member that did.
    func flushAwareness() {
        guard !coalescer.isEmpty else { return }
        let batch = coalescer
        coalescer.reset()
        let origins = batch.origins
        var events: [String: DocumentEvent?] = [:]
        var encoded: [String: DocumentWireMessage?] = [:]
        for member in subscribers.values {
            let key = origins.contains(member.peer.id) ? member.peer.id : ""
            let kind = member.peer.kind
            let wireKey = (kind == .socketIO ? "s" : "y") + key
            if encoded[wireKey] == nil {
                if events[key] == nil {
                    events[key] = batch.message(for: key.isEmpty ? nil : key).map {
                        DocumentEvent.awareness(
                            documentID: documentID, json: $0.json, yProtocols: $0.yProtocols,
                            origin: DocumentPeer(id: "", kind: .socketIO, userID: $0.userID))
                    }
                }
                encoded[wireKey] = (events[key] ?? nil).flatMap { DocumentWire.encode($0, for: kind) }
            }
            if let message = encoded[wireKey] ?? nil { member.outbound.send(message) }
        }
    }

    /// Every known awareness state, y-protocols encoded (the answer to query-awareness); nil when there is none.
    func awarenessStates() -> [UInt8]? {
        let all = awareness.encodeAll()
        return all.entries.isEmpty ? nil : all.encoded()
    }

    /// Client ids whose states are kept alive while their Socket.IO member is joined: Open WebUI's editor sends
    /// awareness only when it changes, so its entries never time out (they go on leave and disconnect).
    var socketIOAwarenessClients: Set<ClientID> {
        var clients = Set<ClientID>()
        for member in subscribers.values where member.peer.kind == .socketIO { clients.formUnion(member.awarenessClients) }
        clients.formUnion(cluster.keptClients)
        return clients
    }

    /// When the next y-protocols state times out (30 s without renewal); nil when none can. Kept as a running
    /// minimum (``applyAwareness(_:now:)``): the table is scanned only after an expiry sweep, not per update.
    func nextAwarenessExpiry() -> ContinuousClock.Instant? {
        switch awarenessExpiry {
        case .none: return nil
        case .at(let due): return due
        case .unknown:
            let kept = socketIOAwarenessClients
            var earliest: ContinuousClock.Instant?
            for (client, entry) in awareness.clients where entry.state != nil && !kept.contains(client) {
                let expiry = entry.lastUpdated + awareness.timeout
                earliest = min(earliest ?? expiry, expiry)
            }
            awarenessExpiry = earliest.map { .at($0) } ?? .none
            return earliest
        }
    }

    /// Drops awareness states not renewed within the y-protocols timeout and tells every member. Runs only when
    /// the room's next expiry is due (issue 19: an idle table costs nothing); the scan is then of this room's own
    /// table.
    func expireAwareness(now: ContinuousClock.Instant) {
        guard let due = nextAwarenessExpiry(), due <= now else { return }
        awarenessExpiry = .unknown
        for client in socketIOAwarenessClients { awareness.refresh(client, at: now) }
        let previous = states(of: Set(awareness.activeClients))
        guard let removal = awareness.expire(now: now) else { return }
        awareness.forgetRemoved(olderThan: .seconds(300), now: now)
        let removed = removal.entries.map(\.client)
        for id in subscribers.keys { subscribers[id]?.awarenessClients.subtract(removed) }
        relayAwareness(removal.entries, previous: previous, origin: nil, immediate: true, now: now)
    }
}

/// The next awareness expiry of a room, a lower bound kept up to date per update.
enum AwarenessExpiryBound {
    /// Not known: the next query scans the table.
    case unknown
    /// No state can expire.
    case none
    /// Nothing expires before this instant.
    case at(ContinuousClock.Instant)
}
