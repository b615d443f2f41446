import Wire
import YCRDT

/// What a room knows of other nodes in cluster mode: the awareness clients each node relayed, so a dead node's
/// states can be cleared (Docs/cluster.md, "Node liveness").
struct RoomClusterState {
    /// node id → client id → whether the client speaks Open WebUI's JSON awareness (never renewed, so kept alive
    /// like a local Socket.IO member's until its node removes it or dies).
    var remoteClients: [String: [ClientID: Bool]] = [:]
    /// node id → peer id → a member of this document's room on that node (DocumentRoom+ClusterMembers.swift).
    var remoteMembers: [String: [String: RemoteMember]] = [:]

    /// Remote Open WebUI clients, exempt from the awareness timeout.
    var keptClients: Set<ClientID> {
        var kept = Set<ClientID>()
        for clients in remoteClients.values { for (client, json) in clients where json { kept.insert(client) } }
        return kept
    }

    mutating func track(_ entries: [AwarenessUpdate.Entry], node: String, json: Bool) {
        for entry in entries {
            if entry.isRemoval {
                remoteClients[node]?[entry.client] = nil
            } else {
                remoteClients[node, default: [:]][entry.client] = json
            }
        }
    }
}

extension DocumentRoom {
    /// Reads what other nodes appended since this room's cursor and integrates it: applied and relayed to the local
    /// members like any update, but never appended again (it is already in the stream). A read that fails is left
    /// to the next notification or sweep; the cursor has not moved then.
    func pullRemoteUpdates() {
        guard phase == .loaded, let storage = storage as? RedisDocumentStorage else { return }
        let pulled: ClusterPull
        do {
            pulled = try storage.pull()
        } catch {
            logStorageFailure("read of other nodes' updates", error)
            return
        }
        let now = ContinuousClock.now
        if let state = pulled.state {
            // Entries past the cursor were compacted away: the state holds them.
            integrateCompacted(state, now: now)
        }
        for entry in pulled.entries {
            integrateLogged(entry.update, origin: DocumentPeer(id: entry.peerID, kind: .socketIO, userID: entry.userID), now: now)
        }
        if storage.logRecordCount >= configuration.compactionUpdates || storage.logByteCount >= configuration.compactionBytes {
            stats.update { $0.compactions += 1 }
            save(now: now)
        }
    }

    /// Integrates the state another node compacted past this room's cursor. The members get only what this room
    /// lacked (the state diffed against the room's state vector, the delete set whole as in Yjs's `diffUpdate`), not
    /// the whole document: a large note compacted by another node would otherwise reach every member again in full.
    func integrateCompacted(_ state: [UInt8], now: ContinuousClock.Instant) {
        guard let decoded = decodeLogged(state, what: "compacted state") else { return }
        let missing = decoded.diff(against: document.document.stateVectorModel)
        guard !missing.isEmpty else { return }
        integrate(decoded, relaying: missing.encoded(.v1), origin: DocumentPeer(id: "server", kind: .socketIO, userID: ""), now: now)
    }

    /// Integrates an update that is already logged (appended by another node): apply, relay, mark for the save.
    func integrateLogged(_ update: [UInt8], origin: DocumentPeer, now: ContinuousClock.Instant) {
        guard let decoded = decodeLogged(update, what: "stream entry") else { return }
        integrate(decoded, relaying: update, origin: origin, now: now)
    }

    /// Decodes bytes another node wrote to Redis; what does not decode is counted, logged and skipped.
    private func decodeLogged(_ bytes: [UInt8], what: String) -> Update? {
        do {
            return try Update(v1: bytes)
        } catch {
            stats.update { $0.updatesRejected += 1 }
            Log.shared.warn("\(what) is not an update; skipped", ["document": documentID, "error": error.description])
            return nil
        }
    }

    /// Applies `decoded`, relays `update` (its bytes, or the part of it the room lacked) and marks for the save.
    private func integrate(_ decoded: Update, relaying update: [UInt8], origin: DocumentPeer, now: ContinuousClock.Instant) {
        document.apply(decoded: decoded)
        cachedState = nil
        history.applied(bytes: update.count)
        activity.record(bytes: update.count, author: origin, now: now)
        stats.update { $0.updatesApplied += 1 }
        markDirty(now: now)
        // To every local member: peer ids are per node (`yws-<n>` repeats across nodes), so the origin's id may name a
        // local member; a local writer whose append was refused but reached the stream gets its update back, harmlessly.
        broadcast(.update(documentID: documentID, update: update, origin: origin))
    }

    /// Sends a member's awareness change to the other nodes (cluster mode only).
    func publishAwareness(_ bytes: [UInt8], kind: ClusterAwarenessMessage.Kind, from peer: DocumentPeer) {
        guard let node = configuration.cluster else { return }
        node.publishAwareness(
            documentID: documentID,
            ClusterAwarenessMessage(nodeID: node.nodeID, peerID: peer.id, userID: peer.userID, kind: kind, payload: bytes))
    }

    /// Applies awareness relayed by another node and relays it to the local members in both encodings.
    func applyRemoteAwareness(_ message: ClusterAwarenessMessage) {
        guard phase == .loaded else { return }
        let origin = DocumentPeer(id: message.peerID, kind: .socketIO, userID: message.userID)
        let now = ContinuousClock.now
        switch message.kind {
        case .json:
            var accepted: [AwarenessUpdate.Entry] = []
            var complete = false
            if let parsed = AwarenessBridge.parse(json: message.payload, table: awareness), !parsed.entries.isEmpty {
                accepted = applyAwareness(AwarenessUpdate(entries: parsed.entries), now: now).accepted
                cluster.track(accepted, node: message.nodeID, json: true)
                complete = parsed.skippedKeys == 0 && accepted.count == parsed.entries.count
            }
            relayAwareness(
                accepted, previous: [:], rawJSON: message.payload, complete: complete, origin: origin, exceptOrigin: false,
                now: now)
        case .yProtocols:
            guard let update = try? AwarenessUpdate(bytes: message.payload) else { return }
            let previous = states(of: Set(update.entries.map(\.client)))
            let changes = applyAwareness(update, now: now)
            guard !changes.accepted.isEmpty else { return }
            let json = cluster.remoteClients[message.nodeID].map { clients in
                changes.accepted.contains { clients[$0.client] == true }
            } ?? false
            cluster.track(changes.accepted, node: message.nodeID, json: json)
            relayAwareness(changes.accepted, previous: previous, origin: origin, exceptOrigin: false, now: now)
            wake()
        }
    }

    /// Clears the awareness of every client another node relayed and tells the local members that its members left,
    /// after that node stopped renewing its presence.
    func clusterNodeDied(_ nodeID: String) {
        clusterMembersDied(nodeID)
        guard let clients = cluster.remoteClients.removeValue(forKey: nodeID), !clients.isEmpty else { return }
        let previous = states(of: Set(clients.keys))
        let now = ContinuousClock.now
        guard let removal = awareness.remove(clients.keys.sorted(), now: now) else { return }
        relayAwareness(removal.entries, previous: previous, origin: nil, now: now)
    }

    /// The nodes whose awareness this room holds.
    var clusterNodesSeen: Set<String> { Set(cluster.remoteClients.keys).union(cluster.remoteMembers.keys) }
}
