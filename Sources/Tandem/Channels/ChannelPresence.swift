import Wire

/// Who is online in each channel, across Socket.IO sockets in `channel:<id>` and plain chat connections
/// (`/ws/chat/<id>`), on this host and — in cluster mode, through ``ClusterChannelPresence`` — on every node
/// (Docs/events.md).
///
/// A user is online while at least one of their connections is in the channel; the first connection emits
/// `channel:presence {channel_id, type: "joined", user, online}` to the channel room, the last one leaving emits
/// `type: "left"`. In a cluster both are announced only when the user has no connection on another node either,
/// and `online` lists the users of every node. Plain chat connections see these as `user_joined` / `user_left`. Socket.IO clients can ask with
/// `channel:presence {channel_id}` (ack `{channel_id, online}`).
public actor ChannelPresence {
    /// The Socket.IO event name of presence changes.
    public static let eventName = "channel:presence"
    /// The most connections tracked per user and channel (default 1,000), checked before adding.
    public static let maxConnectionsPerUser = 1_000

    let server: SocketIOServer
    /// channel → user → (user, connection keys)
    private var online: [ByteKey: [ByteKey: (user: AuthenticatedUser, keys: Set<String>)]] = [:]
    private let changes: AsyncStream<(SocketIOSession, String, Bool)>.Continuation
    /// The other nodes' online users (cluster mode); nil on a single node.
    private var shared: ClusterChannelPresence?

    public init(server: SocketIOServer) {
        self.server = server
        let (stream, continuation) = AsyncStream.makeStream(of: (SocketIOSession, String, Bool).self)
        self.changes = continuation
        Task { await self.consume(stream) }
    }

    /// Follows Socket.IO room changes and answers `channel:presence` queries.
    public func install(service: ChannelService) async {
        let changes = self.changes
        await server.onRoomChange { session, room, joined in
            guard let channelID = SocketIORoom(room).channelID, session.user != nil else { return }
            changes.yield((session, channelID, joined))
        }
        await server.on(Self.eventName) { [weak self] event in
            guard let self, let user = event.session.user, let channelID = event.data?["channel_id"]?.stringValue else {
                await event.ack?([["error": "channel:presence needs {channel_id}"]])
                return
            }
            guard (try? await service.channel(channelID, for: user)) != nil else {
                await event.ack?([["error": "not a member of this channel"]])
                return
            }
            let list = await self.onlineUsers(channelID).map(\.json)
            await event.ack?([["channel_id": .string(channelID), "online": .array(list)]])
        }
    }

    private func consume(_ stream: AsyncStream<(SocketIOSession, String, Bool)>) async {
        for await (session, channelID, joined) in stream {
            guard let user = session.user else { continue }
            if joined { await add(channelID, user: user, key: session.sid) } else { await remove(channelID, userID: user.id, key: session.sid) }
        }
    }

    /// Shares this node's online users with the other nodes of a cluster and counts theirs from now on.
    func share(through cluster: ClusterChannelPresence) {
        self.shared = cluster
        cluster.start(
            .init(
                users: { [weak self] channelID in await self?.localUsers(channelID) ?? [] },
                channels: { [weak self] in await self?.localChannels() ?? [] }))
    }

    /// Adds a connection of `user` to the channel; the user's first one announces them (in a cluster: unless they
    /// are online on another node).
    public func add(_ channelID: String, user: AuthenticatedUser, key: String) async {
        var entry = online[ByteKey(channelID)]?[ByteKey(user.id)] ?? (user, [])
        guard entry.keys.count < Self.maxConnectionsPerUser else { return }
        let first = entry.keys.isEmpty
        entry.keys.insert(key)
        online[ByteKey(channelID), default: [:]][ByteKey(user.id)] = entry
        guard first else { return }
        shared?.changed(channelID)
        let elsewhere = await shared?.elsewhere(channelID) ?? []
        // Still here after the read (a leave may have run meanwhile), and new to the cluster.
        guard online[ByteKey(channelID)]?[ByteKey(user.id)] != nil,
            !elsewhere.contains(where: { $0.id.bytewiseEquals(user.id) })
        else { return }
        await announce(channelID, user: user, type: "joined", elsewhere: elsewhere)
    }

    /// Removes a connection; the user's last one announces that they left (in a cluster: unless they are still
    /// online on another node).
    public func remove(_ channelID: String, userID: String, key: String) async {
        guard var entry = online[ByteKey(channelID)]?[ByteKey(userID)], entry.keys.remove(key) != nil else { return }
        guard entry.keys.isEmpty else {
            online[ByteKey(channelID)]?[ByteKey(userID)] = entry
            return
        }
        online[ByteKey(channelID)]?[ByteKey(userID)] = nil
        if online[ByteKey(channelID)]?.isEmpty == true { online[ByteKey(channelID)] = nil }
        shared?.changed(channelID)
        let elsewhere = await shared?.elsewhere(channelID) ?? []
        guard online[ByteKey(channelID)]?[ByteKey(userID)] == nil,
            !elsewhere.contains(where: { $0.id.bytewiseEquals(userID) })
        else { return }
        await announce(channelID, user: entry.user, type: "left", elsewhere: elsewhere)
    }

    /// The users online in a channel, by id: this node's and, in a cluster, every other node's.
    public func onlineUsers(_ channelID: String) async -> [AuthenticatedUser] {
        merged(localUsers(channelID), await shared?.elsewhere(channelID) ?? [])
    }

    /// The channels with at least one user online on this node.
    func localChannels() -> [String] {
        online.compactMap { channel, users in users.isEmpty ? nil : channel.string }
    }

    /// This node's online users of a channel, by id.
    func localUsers(_ channelID: String) -> [AuthenticatedUser] {
        (online[ByteKey(channelID)] ?? [:]).values.map(\.user).sorted { $0.id < $1.id }
    }

    private func merged(_ local: [AuthenticatedUser], _ elsewhere: [AuthenticatedUser])
        -> [AuthenticatedUser]
    {
        var users: [ByteKey: AuthenticatedUser] = [:]
        for user in elsewhere { users[ByteKey(user.id)] = user }
        for user in local { users[ByteKey(user.id)] = user }
        return users.values.sorted { $0.id < $1.id }
    }

    private func announce(
        _ channelID: String, user: AuthenticatedUser, type: String, elsewhere: [AuthenticatedUser]
    ) async {
        let payload: JSONValue = [
            "channel_id": .string(channelID), "type": .string(type), "user": user.json,
            "online": .array(merged(localUsers(channelID), elsewhere).map(\.json)),
        ]
        await server.emit(Self.eventName, [payload], to: .channel(channelID))
    }
}
