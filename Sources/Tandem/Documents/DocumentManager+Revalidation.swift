import Wire

extension DocumentManager {
    /// Confirms the token of every member of every room with `source`, and removes the members whose token the
    /// host now refuses (revoked, logged out, user deleted), on every protocol: a y-websocket connection is closed
    /// with 1008, a Socket.IO socket gets `error "access revoked"` and leaves the room.
    ///
    /// Open WebUI re-verifies its sockets every 30 s (`periodic_socket_authentication`); in Open WebUI mode Tandem
    /// does the same at this interval (``AppConfiguration/revalidationInterval``). A host that does not answer
    /// removes nobody. Tokens are checked once per pass, however many documents their peer joined.
    /// - Returns: how many members were removed.
    @discardableResult
    public func revalidateMembers(using source: any TokenUserSource) async -> Int {
        let rooms = rooms.withLock { Array($0.values) }
        var verdicts: [String: Bool] = [:]  // token → still valid
        var removed = 0
        for room in rooms {
            var decisions: [String: Bool?] = [:]
            for peer in await room.memberPeers {
                guard let token = peer.token else { continue }
                let valid: Bool
                if let known = verdicts[token] {
                    valid = known
                } else {
                    switch await source.user(token: token, claims: [:]) {
                    case .user(let host): valid = host.id.bytewiseEquals(peer.userID)
                    case .refused: valid = false
                    case .unavailable: continue
                    }
                    verdicts[token] = valid
                }
                if !valid {
                    decisions[peer.id] = .some(nil)
                    Log.shared.info("member removed: token no longer valid", ["document": room.documentID, "user": peer.userID])
                }
            }
            if !decisions.isEmpty {
                removed += decisions.count
                await room.apply(access: decisions)
                forgetRemoved(decisions, documentID: room.documentID)
            }
        }
        return removed
    }

    /// Drops the members a room removed (`nil` decisions) from the peer index, so they stop counting toward the
    /// per-session and per-user limits.
    func forgetRemoved(_ decisions: [String: Bool?], documentID: String) {
        joined.withLock { index in
            for (peerID, decision) in decisions where decision == nil {
                index.remove(peer: peerID, document: ByteKey(documentID))
            }
        }
    }
}
