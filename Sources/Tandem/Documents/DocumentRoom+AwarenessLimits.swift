import Wire
import YCRDT

extension DocumentRoom {
    /// Which awareness limit an update ran into.
    struct AwarenessRefusal {
        var limit: Int
        var perUser: Bool

        var message: String {
            perUser
                ? "awareness: a user's connections may hold at most \(limit) client ids in a document; extra entries were dropped"
                : "awareness: a connection may introduce at most \(limit) client ids into a document; extra entries were dropped"
        }
    }

    /// Splits awareness entries from `member` into those within the caps and the refusal for the rest.
    ///
    /// Only client ids new to the member count: states of ids it already introduced and removals always pass. A new
    /// id passes while the member holds fewer than ``DocumentConfiguration/maxAwarenessEntriesPerPeer`` ids and the
    /// members of the same user (compared byte-wise) hold fewer than
    /// ``DocumentConfiguration/maxAwarenessEntriesPerUser`` together (0 turns a cap off). Counts come from the
    /// subscriber table, the one owner of who introduced which id.
    func admitAwareness(_ entries: [AwarenessUpdate.Entry], from member: Subscriber)
        -> (kept: [AwarenessUpdate.Entry], refusal: AwarenessRefusal?)
    {
        let perPeer = configuration.maxAwarenessEntriesPerPeer
        let perUser = configuration.maxAwarenessEntriesPerUser
        guard perPeer > 0 || perUser > 0 else { return (entries, nil) }
        var owned = member.awarenessClients
        var userHeld = Set<ClientID>()
        if perUser > 0 {
            for other in subscribers.values where other.peer.userID.bytewiseEquals(member.peer.userID) {
                userHeld.formUnion(other.awarenessClients)
            }
        }
        var kept: [AwarenessUpdate.Entry] = []
        var refusal: AwarenessRefusal?
        for entry in entries {
            if entry.isRemoval || owned.contains(entry.client) {
                kept.append(entry)
                continue
            }
            if perPeer > 0, owned.count >= perPeer {
                refusal = AwarenessRefusal(limit: perPeer, perUser: false)
                continue
            }
            if perUser > 0, userHeld.count >= perUser, !userHeld.contains(entry.client) {
                refusal = AwarenessRefusal(limit: perUser, perUser: true)
                continue
            }
            owned.insert(entry.client)
            userHeld.insert(entry.client)
            kept.append(entry)
        }
        return (kept, refusal)
    }

    /// Tells `member` that some of its awareness entries were dropped: a `refused` notice with code `limit`
    /// (Socket.IO `ydoc:document:refused` and `error`; y-websocket the type-100 notice), and a log line.
    func refuseAwareness(_ refusal: AwarenessRefusal, dropped: Int, to member: Subscriber) {
        Log.shared.info(
            "awareness refused",
            [
                "document": documentID, "user": member.peer.userID, "peer": member.peer.id,
                "reason": refusal.perUser ? "per-user awareness limit" : "per-connection awareness limit",
                "limit": "\(refusal.limit)", "dropped": "\(dropped)",
            ])
        send(
            .refused(documentID: documentID, code: "limit", message: refusal.message, limit: refusal.limit),
            to: member.peer, outbound: member.outbound)
        if member.peer.kind == .socketIO {
            send(.error(documentID: documentID, message: refusal.message), to: member.peer, outbound: member.outbound)
        }
    }
}
