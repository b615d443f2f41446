import Wire

/// A non-Socket.IO listener of a room: gets `(event, arguments)` of every emit to the room, on this host or from
/// the bus. Called inside the server actor: it must not block (queue to an outbound and return).
public typealias SocketIORoomTap = @Sendable (String, [JSONValue]) -> Void

/// An observer of room membership: `(session, room, joined)` after a socket joined or left a room (also when it
/// disconnects). Called inside the server actor: it must not block.
public typealias SocketIORoomHook = @Sendable (SocketIOSession, String, Bool) -> Void

/// Room taps and hooks: how the plain JSON WebSocket endpoints (`/ws/chat/…`, `/ws/notify`, Docs/events.md) see
/// the same rooms as Socket.IO sockets, so an emit to `user:<id>` or `channel:<id>` reaches every protocol.
extension SocketIOServer {
    /// Adds a listener of `room` (namespace `/`); returns its id for ``removeRoomTap(_:room:)``. With a bus, the
    /// room counts as occupied on this host while it has a tap, so emits from other hosts arrive.
    public func addRoomTap(room typed: SocketIORoom, _ tap: @escaping SocketIORoomTap) -> Int {
        let room = typed.name
        self.nextTapID += 1
        let id = self.nextTapID
        let first = self.roomTaps[ByteKey(room)]?.isEmpty ?? true
        self.roomTaps[ByteKey(room), default: [:]][id] = tap
        if first, self.rooms["/"]?[ByteKey(room)] == nil { self.roomOccupancy(namespace: "/", room: room, occupied: true) }
        return id
    }

    /// Removes a listener added with ``addRoomTap(room:_:)``.
    public func removeRoomTap(_ id: Int, room typed: SocketIORoom) {
        let room = typed.name
        guard self.roomTaps[ByteKey(room)]?.removeValue(forKey: id) != nil else { return }
        if self.roomTaps[ByteKey(room)]?.isEmpty == true {
            self.roomTaps[ByteKey(room)] = nil
            if self.rooms["/"]?[ByteKey(room)] == nil { self.roomOccupancy(namespace: "/", room: room, occupied: false) }
        }
    }

    /// How many taps listen to `room`.
    public func tapCount(room: SocketIORoom) -> Int {
        self.roomTaps[ByteKey(room.name)]?.count ?? 0
    }

    /// Registers an observer of room joins and leaves.
    public func onRoomChange(_ hook: @escaping SocketIORoomHook) {
        self.roomHooks.append(hook)
    }

    /// Shares a connection table with the plain endpoints: Socket.IO sockets with a user register at CONNECT and
    /// are refused past its limit (CONNECT_ERROR code 4029).
    public func setUserConnections(_ connections: UserConnections) {
        self.userConnections = connections
    }

    /// Gives an emit to the taps of `room`; returns how many there were.
    @discardableResult
    func deliverToTaps(room: String, _ event: String, _ arguments: [JSONValue]) -> Int {
        guard let taps = self.roomTaps[ByteKey(room)] else { return 0 }
        for tap in taps.values { tap(event, arguments) }
        return taps.count
    }

    func roomChanged(_ session: SocketIOSession, room: String, joined: Bool) {
        for hook in self.roomHooks { hook(session, room, joined) }
    }
}
