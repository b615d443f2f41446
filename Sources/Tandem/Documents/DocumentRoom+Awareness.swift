import Wire
import YCRDT

extension DocumentRoom {
    /// Relays Open WebUI awareness (UTF-8 JSON bytes) untouched to Socket.IO members and converted to y-websocket
    /// members. Read-only members' awareness is dropped unless configured otherwise.
    func awarenessFromJSON(_ bytes: [UInt8], from peer: DocumentPeer) throws(DocumentRefusal) {
        guard var member = subscribers[peer.id] else { throw .notMember }
        guard member.canWrite || configuration.relayReadOnlyAwareness else { throw .readOnly }
        var yProtocols: [UInt8]?
        var relayed = bytes
        if let entries = AwarenessBridge.entries(fromJSON: bytes, table: awareness), !entries.isEmpty {
            let admitted = admitAwareness(entries, from: member)
            if let refusal = admitted.refusal {
                refuseAwareness(refusal, dropped: entries.count - admitted.kept.count, to: member)
                guard !admitted.kept.isEmpty,
                    let filtered = AwarenessBridge.json(bytes, keeping: Set(admitted.kept.map(\.client)))
                else { return }
                relayed = filtered
            }
            let changes = awareness.apply(AwarenessUpdate(entries: admitted.kept), now: .now)
            member.awarenessClients.formUnion(changes.accepted.map(\.client))
            if !changes.accepted.isEmpty { yProtocols = AwarenessUpdate(entries: changes.accepted).encoded() }
        }
        subscribers[peer.id] = member
        broadcast(.awareness(documentID: documentID, json: relayed, yProtocols: yProtocols, origin: peer), except: peer.id)
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
        let previous = states(of: Set(admitted.kept.map(\.client)))
        let changes = awareness.apply(AwarenessUpdate(entries: admitted.kept), now: .now)
        guard !changes.accepted.isEmpty else { return }
        for entry in changes.accepted {
            if entry.isRemoval { member.awarenessClients.remove(entry.client) } else { member.awarenessClients.insert(entry.client) }
        }
        subscribers[peer.id] = member
        let accepted = AwarenessUpdate(entries: changes.accepted).encoded()
        broadcast(
            .awareness(
                documentID: documentID, json: AwarenessBridge.json(from: changes.accepted, previous: previous),
                yProtocols: accepted, origin: peer),
            except: peer.id)
        publishAwareness(accepted, kind: .yProtocols, from: peer)
        wake()
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

    /// When the next y-protocols state times out (30 s without renewal); nil when none can.
    func nextAwarenessExpiry() -> ContinuousClock.Instant? {
        let kept = socketIOAwarenessClients
        var earliest: ContinuousClock.Instant?
        for (client, entry) in awareness.clients where entry.state != nil && !kept.contains(client) {
            let expiry = entry.lastUpdated + awareness.timeout
            earliest = min(earliest ?? expiry, expiry)
        }
        return earliest
    }

    /// Drops awareness states not renewed within the y-protocols timeout and tells every member. Work is
    /// proportional to this room's own table and runs only when one of its states is due (issue 19: an idle
    /// table costs nothing).
    func expireAwareness(now: ContinuousClock.Instant) {
        guard let due = nextAwarenessExpiry(), due <= now else { return }
        for client in socketIOAwarenessClients { awareness.refresh(client, at: now) }
        let previous = states(of: Set(awareness.activeClients))
        guard let removal = awareness.expire(now: now) else { return }
        awareness.forgetRemoved(olderThan: .seconds(300), now: now)
        let removed = removal.entries.map(\.client)
        for id in subscribers.keys { subscribers[id]?.awarenessClients.subtract(removed) }
        broadcast(
            .awareness(
                documentID: documentID, json: AwarenessBridge.json(from: removal.entries, previous: previous),
                yProtocols: removal.encoded(), origin: nil))
    }
}
