/// A document room's handle on one Socket.IO socket: queues the room's pre-encoded packets for the socket's
/// Engine.IO session, without suspending and in order.
///
/// Every room shares the server's one ordered outbox, so what a room sends reaches each session in the order the
/// room sent it, whichever transport (WebSocket or polling) the session uses at that moment.
public struct SocketIOPeerOutbound: DocumentOutbound {
    let server: SocketIOServer
    /// The Engine.IO session carrying the socket.
    public let engineSID: String

    public init(server: SocketIOServer, engineSID: String) {
        self.server = server
        self.engineSID = engineSID
    }

    public func send(_ message: DocumentWireMessage) {
        if case .socketIO(let packet) = message { server.roomOutbox.yield((packet: packet, engineSID: engineSID)) }
    }

    /// The socket stays connected (it may hold other documents); the room already sent it an `error` event.
    public func revoked() {}
}
