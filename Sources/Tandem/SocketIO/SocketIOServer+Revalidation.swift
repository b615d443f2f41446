import Wire

extension SocketIOServer {
    /// Confirms the token of every authenticated socket with the user source and disconnects the sockets whose
    /// token the host now refuses (Open WebUI's `periodic_socket_authentication`, every 30 s). Without a user
    /// source nothing happens; a host that does not answer disconnects nobody.
    /// - Returns: the sids disconnected.
    @discardableResult
    public func revalidateSockets() async -> [String] {
        guard let source = self.userSource else { return [] }
        var disconnected: [String] = []
        var verdicts: [String: Bool] = [:]
        for session in self.allSessions {
            guard let user = session.user, let token = user.token else { continue }
            let valid: Bool
            if let known = verdicts[token] {
                valid = known
            } else {
                switch await source.user(token: token, claims: user.claims) {
                case .user(let host): valid = host.id.bytewiseEquals(user.id)
                case .refused: valid = false
                case .unavailable: continue
                }
                verdicts[token] = valid
            }
            guard !valid, self.sockets[session.sid] != nil else { continue }
            Log.shared.info("socket disconnected: token no longer valid", ["sid": session.sid, "user": user.id])
            await self.disconnect(session.sid)
            disconnected.append(session.sid)
        }
        return disconnected
    }
}
