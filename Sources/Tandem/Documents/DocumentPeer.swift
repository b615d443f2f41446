import Wire

/// A member of a document room: a Socket.IO socket or a y-websocket connection, with the user behind it.
public struct DocumentPeer: Sendable, Hashable {
    /// Which protocol the peer speaks; each protocol has its own ``DocumentRelay``.
    public enum Kind: Sendable, Hashable {
        case socketIO
        case yWebSocket
    }

    /// The peer's id: the Socket.IO sid, or `yws-<connection>` for a y-websocket connection.
    public var id: String
    public var kind: Kind
    /// The authenticated user's id.
    public var userID: String
    /// The user's display name (for `ydoc:user:joined`).
    public var userName: String
    /// Whether the user is an admin (admins may read and write every document).
    public var isAdmin: Bool

    public init(id: String, kind: Kind, userID: String, userName: String = "", isAdmin: Bool = false) {
        self.id = id
        self.kind = kind
        self.userID = userID
        self.userName = userName
        self.isAdmin = isAdmin
    }

    public static func == (lhs: DocumentPeer, rhs: DocumentPeer) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// What a document room tells its members; each protocol's ``DocumentRelay`` turns it into its own messages.
public enum DocumentEvent: Sendable {
    /// The answer to a join or a resync: the full v1 state, for one peer.
    case state(documentID: String, state: [UInt8], sessions: [String], to: DocumentPeer)
    /// A validated update, for every member but its origin.
    case update(documentID: String, update: [UInt8], origin: DocumentPeer)
    /// Awareness, in both encodings: Open WebUI's JSON bytes and y-protocols' binary update.
    case awareness(documentID: String, json: [UInt8]?, yProtocols: [UInt8]?, origin: DocumentPeer?)
    /// A member joined (Socket.IO's `ydoc:user:joined`), for every member but the joiner.
    case joined(documentID: String, peer: DocumentPeer, name: String, color: String)
    /// A member left (Socket.IO's `ydoc:user:left`), for the remaining members.
    case left(documentID: String, peer: DocumentPeer)
    /// A refusal or failure answered to one peer (Socket.IO's `error` event).
    case error(documentID: String, message: String, to: DocumentPeer)
}

/// Delivers ``DocumentEvent``s to the members of one protocol.
///
/// Called from the document manager's actor for every event, in order, with that protocol's members of the room
/// (the joiner included for `.state`; for `.left` the peer has already been removed). It must not block: queue the
/// messages (for instance on a FIFO task) so that events reach each peer in the order they were produced.
public protocol DocumentRelay: Sendable {
    /// The protocol whose peers this relay serves.
    var kind: DocumentPeer.Kind { get }
    /// Delivers `event` to `members` (this relay's peers in the room, origin excluded where the event says so).
    func deliver(_ event: DocumentEvent, members: [DocumentPeer])
}
