import Wire

/// The awareness-channel dispatch and the member relay of cluster mode: `ydoc:user:joined` / `ydoc:user:left` and the `sessions` of a resync across
/// nodes (Docs/cluster.md, "Members across nodes"). The rooms own the members; the node only carries messages.
extension ClusterNode {
    /// Applies an awareness or member message from the awareness channel; malformed ones are counted and dropped.
    func receive(_ payload: [UInt8], documentID: String) async {
        if ClusterMemberMessage.isMemberMessage(payload) {
            await receiveMember(payload, documentID: documentID)
            return
        }
        let decoded: ClusterAwarenessMessage
        do {
            decoded = try ClusterAwarenessMessage(bytes: payload)
        } catch {
            metrics?.malformed.increment()
            Log.shared.warn("cluster: malformed awareness message dropped", ["document": documentID, "error": "\(error)"])
            return
        }
        guard decoded.nodeID != nodeID, let room = manager?.loadedRoom(documentID) else { return }
        noteSeen(decoded.nodeID)
        await room.applyRemoteAwareness(decoded)
    }

    /// Queues a member message for the other nodes, on the document's awareness channel (published in order with
    /// the awareness by one task, so a member's `joined` precedes its `left`).
    func publishMember(documentID: String, _ message: ClusterMemberMessage) {
        outbox.yield((keys.awareness(documentID), message.encoded))
    }

    /// Decodes a member message and hands it to the document's room, if loaded here; malformed ones are counted
    /// (`tandem_cluster_malformed_total`) and dropped.
    func receiveMember(_ payload: [UInt8], documentID: String) async {
        let decoded: ClusterMemberMessage
        do {
            decoded = try ClusterMemberMessage(bytes: payload)
        } catch {
            metrics?.malformed.increment()
            Log.shared.warn("cluster: malformed member message dropped", ["document": documentID, "error": "\(error)"])
            return
        }
        guard decoded.nodeID != nodeID, !decoded.nodeID.isEmpty, let room = manager?.loadedRoom(documentID) else { return }
        noteSeen(decoded.nodeID)
        await room.applyRemoteMember(decoded, now: .now)
    }

    /// Every ``ClusterSettings/memberRefreshInterval``: each loaded room re-announces its members and forgets the
    /// remote members not announced within ``ClusterSettings/memberExpiry``.
    func refreshMembers(_ documents: [String], now: ContinuousClock.Instant) async {
        for documentID in documents {
            await manager?.loadedRoom(documentID)?.refreshClusterMembers(now: now)
        }
    }
}
