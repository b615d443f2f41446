import Wire

/// A member of a document's room on another node, as that node announced it (Docs/cluster.md, "Members across
/// nodes"): the name and colour its room computed (``MemberDisplay``), never re-taken from the client.
struct RemoteMember: Equatable {
    var nodeID: String
    var peerID: String
    var userID: String
    var name: String
    var color: String
    /// When an announcement of it last arrived (join, query answer or refresh).
    var lastSeen: ContinuousClock.Instant

    /// The member as the room's events name it (`ydoc:user:joined` / `ydoc:user:left`).
    var peer: DocumentPeer { DocumentPeer(id: peerID, kind: .socketIO, userID: userID, userName: name) }
}

extension RoomClusterState {
    /// Records an announced member; true when it is new here (the room tells its members it joined).
    mutating func memberSeen(_ member: RemoteMember) -> Bool {
        let isNew = remoteMembers[member.nodeID]?[member.peerID] == nil
        remoteMembers[member.nodeID, default: [:]][member.peerID] = member
        return isNew
    }

    /// Forgets a member that left its node's room; nil when it was not known.
    mutating func memberLeft(nodeID: String, peerID: String) -> RemoteMember? {
        guard let member = remoteMembers[nodeID]?.removeValue(forKey: peerID) else { return nil }
        if remoteMembers[nodeID]?.isEmpty == true { remoteMembers[nodeID] = nil }
        return member
    }

    /// Forgets every member of a node (it died); sorted by peer id.
    mutating func removeMembers(ofNode nodeID: String) -> [RemoteMember] {
        (remoteMembers.removeValue(forKey: nodeID) ?? [:]).values.sorted { $0.peerID < $1.peerID }
    }

    /// Forgets the members not announced since `cutoff` (their `left` or their node's refreshes were lost).
    mutating func expireMembers(seenBefore cutoff: ContinuousClock.Instant) -> [RemoteMember] {
        var expired: [RemoteMember] = []
        for (node, members) in remoteMembers {
            for member in members.values where member.lastSeen < cutoff {
                expired.append(member)
                remoteMembers[node]?[member.peerID] = nil
            }
            if remoteMembers[node]?.isEmpty == true { remoteMembers[node] = nil }
        }
        return expired.sorted { ($0.nodeID, $0.peerID) < ($1.nodeID, $1.peerID) }
    }

    /// The peer ids of every remote member (ids are unique per node only, so a local id may repeat here).
    var remotePeerIDs: Set<String> {
        var ids = Set<String>()
        for members in remoteMembers.values { ids.formUnion(members.keys) }
        return ids
    }
}

extension DocumentRoom {
    /// The `sessions` of a resync answer: the local members and the other nodes' (sorted, without repeats).
    var sessionIDs: [String] {
        guard !cluster.remoteMembers.isEmpty else { return memberIDs }
        return cluster.remotePeerIDs.union(subscribers.keys).sorted()
    }

    /// Announces a local member joining (with the name and colour this room shows) or leaving to the other nodes.
    func publishMember(_ kind: ClusterMemberMessage.Kind, peer: DocumentPeer, name: String = "", color: String = "") {
        guard let node = configuration.cluster else { return }
        node.publishMember(
            documentID: documentID,
            ClusterMemberMessage(kind: kind, nodeID: node.nodeID, peerID: peer.id, userID: peer.userID, name: name, color: color))
    }

    /// Asks the other nodes which members they have (after a load, cluster mode only).
    func queryClusterMembers() {
        guard let node = configuration.cluster else { return }
        node.publishMember(documentID: documentID, ClusterMemberMessage(kind: .query, nodeID: node.nodeID))
    }

    /// Applies another node's member message: a query is answered with this room's members, a join or leave not
    /// known yet is told to the local members as `ydoc:user:joined` / `ydoc:user:left`.
    func applyRemoteMember(_ message: ClusterMemberMessage, now: ContinuousClock.Instant) {
        guard phase == .loaded else { return }
        switch message.kind {
        case .query:
            announceLocalMembers()
        case .joined:
            let color = message.color.isEmpty ? MemberDisplay.derivedColor(userID: message.userID) : message.color
            let member = RemoteMember(
                nodeID: message.nodeID, peerID: message.peerID, userID: message.userID, name: message.name, color: color,
                lastSeen: now)
            if cluster.memberSeen(member) {
                broadcast(.joined(documentID: documentID, peer: member.peer, name: member.name, color: member.color))
            }
        case .left:
            if let member = cluster.memberLeft(nodeID: message.nodeID, peerID: message.peerID) {
                broadcast(.left(documentID: documentID, peer: member.peer))
            }
        }
    }

    /// Re-announces every local member (the periodic refresh, ``ClusterSettings/memberRefreshInterval``) and forgets
    /// the remote members not announced within ``ClusterSettings/memberExpiry``, telling the local members they left.
    func refreshClusterMembers(now: ContinuousClock.Instant) {
        guard phase == .loaded, let node = configuration.cluster else { return }
        announceLocalMembers()
        for member in cluster.expireMembers(seenBefore: now - node.settings.memberExpiry) {
            broadcast(.left(documentID: documentID, peer: member.peer))
        }
    }

    /// Tells the local members that every member of a dead node left.
    func clusterMembersDied(_ nodeID: String) {
        for member in cluster.removeMembers(ofNode: nodeID) {
            broadcast(.left(documentID: documentID, peer: member.peer))
        }
    }

    private func announceLocalMembers() {
        for member in subscribers.values.sorted(by: { $0.peer.id < $1.peer.id }) {
            publishMember(.joined, peer: member.peer, name: MemberDisplay.name(of: member.peer), color: member.shownColor)
        }
    }
}
