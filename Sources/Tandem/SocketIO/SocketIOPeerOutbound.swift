/// A document room's handle on one Socket.IO socket: queues the room's pre-encoded packets for the socket's
/// Engine.IO session, without suspending and in order.
///
/// A session opened directly on a WebSocket (Open WebUI's client: `transports: ['websocket']`) is written to
/// directly, the frame encoded once for all (its parts queued by reference, never joined); a session on polling (or
/// upgraded from it) goes through the server's one ordered outbox with the packet text (built only then for a
/// message made of parts), since only the server knows its transport at that moment. Either way a session receives
/// what a room sends in the order the room sent it.
public struct SocketIOPeerOutbound: DocumentOutbound {
    let server: SocketIOServer
    /// The Engine.IO session carrying the socket.
    public let engineSID: String

    public init(server: SocketIOServer, engineSID: String) {
        self.server = server
        self.engineSID = engineSID
    }

    public func send(_ message: DocumentWireMessage) {
        guard case .socketIO(let message) = message else { return }
        if let direct = server.directWebSocket(engineSID) {
            direct.send(encodedFrameParts: message.frameParts)
        } else {
            server.roomOutbox.yield((packet: message.packet, engineSID: engineSID))
        }
    }

    /// The socket stays connected (it may hold other documents); the room already sent it an `error` event.
    public func revoked() {}
}
