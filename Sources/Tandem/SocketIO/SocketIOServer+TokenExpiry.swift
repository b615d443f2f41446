import Wire

/// Sockets whose token expires while connected are disconnected (issue 19, "nothing revoked keeps working").
extension SocketIOServer {
    /// Disconnects (a server DISCONNECT packet, then the disconnect hooks: the socket leaves its documents) every
    /// socket whose user's token `exp` is at or before the wall clock. Run by housekeeping, so a token stops working
    /// at most ``SocketIOConfiguration/housekeepingInterval`` (default 1 s) after it expires. The socket.io client
    /// does not reconnect by itself after a server disconnect; Open WebUI's frontend connects again with its
    /// current token.
    /// - Returns: the sids disconnected.
    @discardableResult
    func disconnectExpiredTokens() async -> [String] {
        let now = self.wallClock()
        let expired = self.sockets.values.compactMap { session -> String? in
            guard let expiry = session.user?.expiresAt, expiry <= now else { return nil }
            return session.sid
        }.sorted()
        for sid in expired {
            Log.shared.info("token expired, disconnecting", ["sid": sid, "user": self.sockets[sid]?.user?.id ?? "-"])
            await self.disconnect(sid)
        }
        return expired
    }
}
