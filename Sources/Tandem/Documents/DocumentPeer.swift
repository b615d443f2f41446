import Wire

/// A member of a document room: a Socket.IO socket or a y-websocket connection, with the user behind it (peers are
/// equal by connection id, whoever the user).
public struct DocumentPeer: Sendable, Hashable {
    /// Which protocol the peer speaks; each protocol has its own ``DocumentRelay``.
    public enum Kind: Sendable, Hashable {
        case socketIO
        case yWebSocket
    }

    /// The peer's id: the Socket.IO sid, or `yws-<connection>` for a y-websocket connection.
    public var id: String
    public var kind: Kind
    /// The authenticated user behind the connection (for server-made origins such as `server`, a user with only an
    /// id and a name).
    public var user: AuthenticatedUser

    /// A peer for an authenticated user (Socket.IO sockets, y-websocket connections, REST writes).
    public init(id: String, kind: Kind, user: AuthenticatedUser) {
        self.id = id
        self.kind = kind
        self.user = user
    }

    /// A peer from a user's fields: server-made origins and members known from other cluster nodes.
    public init(id: String, kind: Kind, userID: String, userName: String = "", isAdmin: Bool = false, token: String? = nil) {
        self.init(
            id: id, kind: kind,
            user: AuthenticatedUser(id: userID, name: userName, role: isAdmin ? "admin" : "user", token: token))
    }

    /// The authenticated user's id.
    public var userID: String {
        get { self.user.id }
        set { self.user.id = newValue }
    }
    /// The user's display name (for `ydoc:user:joined`).
    public var userName: String {
        get { self.user.name }
        set { self.user.name = newValue }
    }
    /// Whether the user is an admin (admins may read and write every document).
    public var isAdmin: Bool {
        get { self.user.isAdmin }
        set { self.user.role = newValue ? "admin" : "user" }
    }
    /// The bearer token the peer authenticated with, for asking a host application (Open WebUI) on its behalf.
    /// Never logged.
    public var token: String? {
        get { self.user.token }
        set { self.user.token = newValue }
    }
    /// The user's groups (from the token), for group grants on notes.
    public var groups: [String] {
        get { self.user.groups }
        set { self.user.groups = newValue }
    }

    public static func == (lhs: DocumentPeer, rhs: DocumentPeer) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// What a document room tells its members; each protocol's ``DocumentWire`` turns it into its own bytes, once per
/// event for all of that protocol's subscribers.
public enum DocumentEvent: Sendable {
    /// The answer to a join or a resync: the full v1 state and its state vector, for one peer. `content` is the
    /// note's stored content (`{json, html, md}`), sent to Open WebUI clients on join so they can seed an empty
    /// document; nil on a resync.
    case state(documentID: String, state: [UInt8], stateVector: [UInt8], sessions: [String], content: JSONValue?)
    /// A validated update, for every member but its origin.
    case update(documentID: String, update: [UInt8], origin: DocumentPeer)
    /// Awareness, in both encodings: Open WebUI's JSON bytes and y-protocols' binary update.
    case awareness(documentID: String, json: [UInt8]?, yProtocols: [UInt8]?, origin: DocumentPeer?)
    /// A member joined (Socket.IO's `ydoc:user:joined`), for every member but the joiner.
    case joined(documentID: String, peer: DocumentPeer, name: String, color: String)
    /// A member left (Socket.IO's `ydoc:user:left`), for the remaining members.
    case left(documentID: String, peer: DocumentPeer)
    /// A refusal or failure answered to one peer (Socket.IO's `error` event; y-websocket closes or denies).
    case error(documentID: String, message: String)
    /// The state up to this encoded state vector reached disk (save receipt, Docs/history.md).
    case saved(documentID: String, stateVector: [UInt8])
    /// A save failed; it is retried (the log still holds every update).
    case saveFailed(documentID: String, message: String)
    /// An update was refused for a reason a client can act on (`code` such as `document_too_large`, `limit`).
    case refused(documentID: String, code: String, message: String, limit: Int?)
}

/// An event encoded for one protocol: the bytes every subscriber of that protocol receives unchanged.
public enum DocumentWireMessage: Sendable {
    /// A Socket.IO packet (`2["event",{…}]`) for Socket.IO engine sessions, with the WebSocket text frame of its
    /// Engine.IO message (`42[…]`) encoded once for every session on a WebSocket.
    case socketIO(SocketIOWireMessage)
    /// An encoded WebSocket frame, for y-websocket connections.
    case webSocketFrame([UInt8])
}

/// Where a room delivers to one subscriber: a y-websocket connection, a Socket.IO engine session, later a remote
/// node. Sends never suspend and keep their order (the room calls them in event order from its own executor).
public protocol DocumentOutbound: Sendable {
    /// Queues `message` for the subscriber.
    func send(_ message: DocumentWireMessage)
    /// The subscriber lost its access and was removed from the room (a y-websocket connection is closed, since
    /// it serves only this document).
    func revoked()
}

extension WebSocketOutbound: DocumentOutbound {
    /// Sends a y-websocket frame; messages of other protocols are not for this connection.
    public func send(_ message: DocumentWireMessage) {
        if case .webSocketFrame(let frame) = message { self.send(encodedFrame: frame) }
    }

    /// Closes the connection with 4403 (``AuthOutcome/revoked``): its only document is no longer accessible — a
    /// grant was removed or its token revoked.
    public func revoked() {
        self.close(code: AuthOutcome.revoked.closeCode, reason: "access revoked")
    }
}

/// An outbound that drops everything: for server-side writers (seeding, benchmarks) that join a room without a
/// connection.
public struct DiscardingOutbound: DocumentOutbound {
    public init() {}
    public func send(_ message: DocumentWireMessage) {}
    public func revoked() {}
}
