import Wire

/// One Socket.IO connection to a namespace: its sid, namespace and (once authenticated) user.
public struct SocketIOSession: Sendable, Equatable {
    /// The Socket.IO sid (the client's `socket.id`), also the name of the socket's own room.
    public var sid: String
    /// The namespace, `/` for Open WebUI.
    public var namespace: String
    /// The authenticated user; nil for a socket that connected without a valid token.
    public var user: AuthenticatedUser?
    /// The Engine.IO session carrying this socket.
    public var engineSID: String
    /// The CONNECT auth payload.
    public var auth: JSONValue?
}

/// An event received from a client, as given to handlers registered with ``SocketIOServer/on(_:namespace:requiresUser:_:)``.
public struct SocketIOEvent: Sendable {
    /// The event name.
    public var name: String
    /// The sender.
    public var session: SocketIOSession
    /// The arguments after the event name, with binary placeholders replaced by int arrays (as Open WebUI's
    /// `JSONOnlyPacket` serializer does), so handlers read Yjs bytes the same way from either encoding.
    public var arguments: [JSONValue]
    /// The arguments as received, placeholders intact.
    public var rawArguments: [JSONValue]
    /// The binary attachments, in placeholder order.
    public var attachments: [[UInt8]]
    /// Present when the client asked for an acknowledgement; call it once with the reply arguments.
    public var ack: SocketIOAck?

    /// The first argument (Open WebUI events carry one object).
    public var data: JSONValue? { self.arguments.first }
}

/// Replies to a client's acknowledgement request (a Socket.IO ACK packet with the request's id).
public struct SocketIOAck: Sendable {
    let send: @Sendable ([JSONValue], [[UInt8]]) async -> Void

    /// Sends the ACK; attachments become a BINARY_ACK and must be referenced by ``JSONValue/placeholder(_:)``.
    public func callAsFunction(_ arguments: [JSONValue], attachments: [[UInt8]] = []) async {
        await self.send(arguments, attachments)
    }
}

/// Why a server-to-client call failed.
public enum SocketIOCallError: Error, Equatable, Sendable {
    /// The sid is not connected.
    case notConnected
    /// The client did not answer in time.
    case timedOut
    /// The client disconnected before answering.
    case disconnected
}
