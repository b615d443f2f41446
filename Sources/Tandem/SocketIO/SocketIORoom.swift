/// The name of a Socket.IO room, built in one place.
///
/// Rooms are plain strings on the wire and on the Redis bus (python-socketio's `enter_room`, `emit` with `room`),
/// but Open WebUI gives them meaning by prefix: `user:<id>` (every socket of a user), `note:<id>` (sockets showing a
/// note), `channel:<id>` (members of a channel), and each socket is alone in the room named by its sid. Before this
/// type the prefixes were spelled out in a handful of files; now the server's API takes a `SocketIORoom` and the
/// constructors below are the only place that knows them. Equality and hashing are those of the name (compared
/// byte-wise by the server, see ``SocketIOServer/isMember(_:of:)``).
public struct SocketIORoom: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The room's name as Socket.IO and the bus carry it.
    public let name: String

    /// A room by its wire name (names from the bus or from other hosts).
    public init(_ name: String) {
        self.name = name
    }

    public init(stringLiteral name: String) {
        self.name = name
    }

    /// `user:<id>`: every socket of a user (joined on CONNECT with a token and on `user-join`).
    public static func user(_ id: String) -> SocketIORoom { SocketIORoom("user:" + id) }

    /// `note:<id>`: the sockets that joined a note with `join-note` (`events:note` goes there).
    public static func note(_ id: String) -> SocketIORoom { SocketIORoom("note:" + id) }

    /// `channel:<id>`: the members of a channel (`user-join`, `join-channels`, membership changes).
    public static func channel(_ id: String) -> SocketIORoom { SocketIORoom("channel:" + id) }

    /// `chat:<id>`: the sockets that joined a chat with `events:chat {type: join}` (typing indicators).
    public static func chat(_ id: String) -> SocketIORoom { SocketIORoom("chat:" + id) }

    /// The room of one socket: its sid.
    public static func session(_ sid: String) -> SocketIORoom { SocketIORoom(sid) }

    /// The channel id of a `channel:<id>` room, else nil.
    public var channelID: String? { self.id(after: "channel:") }

    /// The user id of a `user:<id>` room, else nil.
    public var userID: String? { self.id(after: "user:") }

    /// The note id of a `note:<id>` room, else nil.
    public var noteID: String? { self.id(after: "note:") }

    public var description: String { self.name }

    private func id(after prefix: String) -> String? {
        guard self.name.utf8.starts(with: prefix.utf8) else { return nil }
        return String(self.name.utf8.dropFirst(prefix.utf8.count)) ?? ""
    }
}
