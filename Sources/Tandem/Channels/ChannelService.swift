import Wire

/// Settings of the channel event layer (typing rate, event names).
public struct ChannelEventSettings: Sendable, Equatable {
    /// Typing events one user may send per second, sustained (default 2); extra ones are dropped.
    public var typingPerSecond: Double = 2
    /// Typing events one user may send in a burst (default 5).
    public var typingBurst: Double = 5
    /// Also emit every channel event under the legacy name `channel-events` (default false). Open WebUI clients
    /// listen to one name only (`events:channel` since mid-2025), so doubling is only useful with older builds.
    public var emitLegacyEventName = false

    public init() {}
}

/// The channel operations shared by the REST routes (``ChannelsAPI``) and the socket events
/// (``SocketIOChannelBridge``): each changes the ``ChannelStorage`` (files, or Redis in cluster mode) and then tells the `channel:<id>` room with an
/// `events:channel` event `{channel_id, message_id, data: {type, data}, user, channel}`
/// (openwebui-protocol.md §2, §5).
///
/// Mutations run one after another (store change, then emit, then the next mutation), so the order of the events a
/// room sees is the order of the stored history, whichever path (REST or socket) each change came from.
public actor ChannelService {
    /// The store of channels and messages: ``ChannelStore`` (files) or ``RedisChannelStorage`` (cluster mode).
    public nonisolated let store: any ChannelStorage
    /// The Socket.IO server events go to; nil for a REST-only service (tests).
    public nonisolated let server: SocketIOServer?
    public nonisolated let settings: ChannelEventSettings
    private var typingLimiter: RateLimiter<String>
    private var tail: Task<Void, Never>?
    /// A user's Socket.IO sids on every node (cluster mode: the bus's session pool); nil: this node's only.
    private var userSessions: (@Sendable (String) async -> [String])?

    public init(store: any ChannelStorage, server: SocketIOServer?, settings: ChannelEventSettings = ChannelEventSettings()) {
        self.store = store
        self.server = server
        self.settings = settings
        self.typingLimiter = RateLimiter(perSecond: settings.typingPerSecond, burst: settings.typingBurst)
    }

    /// Makes room joins and leaves reach a user's sockets on every node: `lookup` answers a user's sids on every
    /// node (the bus's `session_pool`); those held elsewhere join through the bus (`enter_room`, `leave_room`).
    public func setUserSessions(_ lookup: @escaping @Sendable (String) async -> [String]) {
        userSessions = lookup
    }

    /// The Socket.IO room of a channel.
    public nonisolated static func room(_ channelID: String) -> SocketIORoom { .channel(channelID) }

    // MARK: Channels

    /// Creates a channel owned by `user`; every member's connected sockets join its room, and every member is told
    /// `channel:created` in their `user:<id>` room — the room each of their sockets has been in since it connected,
    /// on every node. (In a cluster a new channel's room is joined on the other nodes through the bus, and a node
    /// subscribes to a room's channel only once it has a member there: an event sent to the new room at once could
    /// pass before that subscription.)
    public func createChannel(name: String, memberIDs: [String], by user: AuthenticatedUser, now: Int64)
        async throws(ChannelError) -> Channel
    {
        let store = self.store
        return try await serially { () async throws(ChannelError) -> Channel in
            let channel = try await store.createChannel(name: name, ownerID: user.id, memberIDs: memberIDs, now: now)
            await self.join(channel.members.keys.map(\.string), room: Self.room(channel.id))
            await self.emit(
                type: "channel:created", channel: channel, messageID: nil, data: channel.json, user: user,
                to: channel.members.keys.map { SocketIORoom.user($0.string) })
            return channel
        }
    }

    /// Adds and removes members (owner or admin); added members' sockets join the room, removed ones leave it.
    public func changeMembers(
        _ channelID: String, add: [String], remove: [String], by user: AuthenticatedUser, now: Int64
    ) async throws(ChannelError) -> Channel {
        let (store, server) = (self.store, self.server)
        return try await serially { () async throws(ChannelError) -> Channel in
            let channel = try await store.changeMembers(
                channelID, add: add, remove: remove, by: user.id, isAdmin: user.isAdmin, now: now)
            let room = Self.room(channelID)
            await self.join(add.filter { channel.isMember($0) }, room: room)
            for id in remove where !channel.isMember(id) {
                for sid in await self.sids(ofUser: id) { await server?.leave(sid, room: room) }
            }
            return channel
        }
    }

    /// Channels `user` belongs to.
    public func channels(of user: AuthenticatedUser) async throws(ChannelError) -> [Channel] {
        try await store.channels(of: user.id, includeAll: false)
    }

    /// One channel, for a member or an admin.
    public func channel(_ channelID: String, for user: AuthenticatedUser) async throws(ChannelError) -> Channel {
        guard let channel = try await store.channel(channelID) else { throw .channelNotFound(channelID) }
        guard user.isAdmin || channel.isMember(user.id) else { throw .notMember }
        return channel
    }

    /// Records that `user` read the channel (`last_read_at`); nothing is emitted.
    public func markRead(_ channelID: String, by user: AuthenticatedUser, now: Int64) async throws(ChannelError) {
        try await store.markRead(channelID, userID: user.id, now: now)
    }

    // MARK: Messages

    /// Posts a message (members only) and emits `message`.
    public func post(
        _ channelID: String, content: String, parentID: String? = nil, by user: AuthenticatedUser, now: Int64
    ) async throws(ChannelError) -> ChannelMessage {
        let store = self.store
        return try await serially { () async throws(ChannelError) -> ChannelMessage in
            let message = try await store.post(
                channelID, userID: user.id, content: content, parentID: parentID, now: now)
            await self.emitMessage("message", message, user: user)
            return message
        }
    }

    /// Edits a message (author or admin) and emits `message:update`.
    public func edit(
        _ channelID: String, messageID: String, content: String, by user: AuthenticatedUser, now: Int64
    ) async throws(ChannelError) -> ChannelMessage {
        let store = self.store
        return try await serially { () async throws(ChannelError) -> ChannelMessage in
            let message = try await store.edit(
                channelID, messageID: messageID, content: content, by: user.id, isAdmin: user.isAdmin, now: now)
            await self.emitMessage("message:update", message, user: user)
            return message
        }
    }

    /// Deletes a message (author or admin) and emits `message:delete` with the deleted message.
    public func delete(_ channelID: String, messageID: String, by user: AuthenticatedUser)
        async throws(ChannelError) -> ChannelMessage
    {
        let store = self.store
        return try await serially { () async throws(ChannelError) -> ChannelMessage in
            let message = try await store.delete(channelID, messageID: messageID, by: user.id, isAdmin: user.isAdmin)
            await self.emitMessage("message:delete", message, user: user)
            return message
        }
    }

    /// A page of history, newest first.
    public func messages(_ channelID: String, for user: AuthenticatedUser, skip: Int, limit: Int?)
        async throws(ChannelError) -> [ChannelMessage]
    {
        try await store.messages(channelID, userID: user.id, isAdmin: user.isAdmin, skip: skip, limit: limit)
    }

    // MARK: Typing

    /// Re-emits a typing indicator to the room, the sender included, when socket `sid` is in the room, `user` is a
    /// member and within the typing rate. Returns whether it was emitted (dropped silently otherwise, as Open WebUI).
    /// A nil `sid` is a plain chat connection (``ChatWebSocketEndpoint``), which is bound to the channel.
    @discardableResult
    public func typing(
        _ channelID: String, messageID: String?, typing: Bool, sid: String?, user: AuthenticatedUser,
        now: ContinuousClock.Instant
    ) async -> Bool {
        guard let server, await sid.asyncAll({ await server.isMember($0, of: Self.room(channelID)) }),
            let channel = try? await store.channel(channelID), channel.isMember(user.id)
        else { return false }
        if typingLimiter.trackedCount > 1_024 { typingLimiter.prune(now: now) }
        guard typingLimiter.allow(user.id, now: now) else { return false }
        await send([
            "channel_id": .string(channelID), "message_id": messageID.map(JSONValue.string) ?? .null,
            "data": ["type": "typing", "data": ["typing": .bool(typing)]], "user": user.json,
        ], to: Self.room(channelID))
        return true
    }

    // MARK: Internals

    /// Runs `operation` after every earlier mutation finished.
    private func serially<T: Sendable>(_ operation: @escaping @Sendable () async throws(ChannelError) -> T)
        async throws(ChannelError) -> T
    {
        let previous = tail
        let task = Task { () async -> Result<T, ChannelError> in
            await previous?.value
            do throws(ChannelError) {
                return .success(try await operation())
            } catch {
                return .failure(error)
            }
        }
        tail = Task { _ = await task.value }
        return try await task.value.get()
    }

    private func join(_ userIDs: some Sequence<String>, room: SocketIORoom) async {
        guard let server else { return }
        for id in userIDs {
            for sid in await sids(ofUser: id) { await server.join(sid, room: room) }
        }
    }

    /// The user's sids here and, in cluster mode, on the other nodes.
    private func sids(ofUser userID: String) async -> [String] {
        let local = await server?.sids(ofUser: userID) ?? []
        guard let userSessions else { return local }
        return Array(Set(local).union(await userSessions(userID))).sorted()
    }

    private func emitMessage(_ type: String, _ message: ChannelMessage, user: AuthenticatedUser) async {
        guard let channel = try? await store.channel(message.channelID) else { return }
        await emit(type: type, channel: channel, messageID: message.id, data: message.json, user: user)
    }

    /// Emits a channel event to the channel's room, or to `rooms` instead.
    private func emit(
        type: String, channel: Channel, messageID: String?, data: JSONValue, user: AuthenticatedUser,
        to rooms: [SocketIORoom]? = nil
    ) async {
        let payload: JSONValue = [
            "channel_id": .string(channel.id), "message_id": messageID.map(JSONValue.string) ?? .null,
            "data": ["type": .string(type), "data": data], "user": user.json, "channel": channel.json,
        ]
        for room in rooms ?? [Self.room(channel.id)] { await send(payload, to: room) }
    }

    private func send(_ payload: JSONValue, to room: SocketIORoom) async {
        guard let server else { return }
        await server.emit("events:channel", [payload], to: room)
        if settings.emitLegacyEventName { await server.emit("channel-events", [payload], to: room) }
    }
}

extension Optional where Wrapped == String {
    /// True for nil, else the check's answer.
    fileprivate func asyncAll(_ check: (String) async -> Bool) async -> Bool {
        guard let value = self else { return true }
        return await check(value)
    }
}
