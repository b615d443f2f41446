import Wire

/// Open WebUI's application events on the Socket.IO server — `user-join`, `join-channels`, `join-note`, `heartbeat`,
/// `usage` (openwebui-protocol.md §2 and §5; socket/main.py of 0.12.4) — and the state they keep.
///
/// ``SocketIOServer`` is the protocol: sessions, rooms, emits, acks and the bus. What Open WebUI's client means by
/// these five events lives here, beside it: the heartbeat times, the usage pool, the channel and note lookups. The
/// server holds one (installed by default, `nil` for a plain Socket.IO server) and hands it the events that have no
/// registered handler, so registering a handler with the same name replaces a built-in. Every function runs on the
/// server's actor (`isolated`): an event costs no extra hop, and a `user-join` is complete before the socket's next
/// event runs, as in Open WebUI. Payloads of the wrong type get an `error` event; sockets without a user are
/// ignored (a `user-join` with a valid token authenticates them).
struct OpenWebUISocketEvents: Sendable {
    /// The events handled here.
    static let names: Set<String> = ["user-join", "join-channels", "join-note", "heartbeat", "usage"]

    /// Which models are generating for which sids (`USAGE_POOL`).
    var usage: UsagePool
    /// When each authenticated sid last sent `heartbeat`.
    var lastSeen: [String: ContinuousClock.Instant] = [:]
    /// The channel ids of a user, for `user-join` and `join-channels`; none without a lookup.
    var channelLookup: (@Sendable (AuthenticatedUser) async -> [String])?
    /// The note read-access check of `join-note`; without one, any authenticated user may join.
    var noteAccess: (@Sendable (AuthenticatedUser, String) async -> Bool)?

    init(usageExpiry: Duration) {
        self.usage = UsagePool(expiry: usageExpiry)
    }

    /// Forgets a socket that disconnected.
    mutating func remove(sid: String) {
        self.usage.remove(sid: sid)
        self.lastSeen[sid] = nil
    }

    /// Handles `event` if it is one of ``names``; false otherwise.
    static func handle(_ event: SocketIOEvent, on server: isolated SocketIOServer) async -> Bool {
        switch event.name {
        case "user-join": await self.userJoin(event, on: server)
        case "join-channels": await self.joinChannels(event, on: server)
        case "join-note": await self.joinNote(event, on: server)
        case "heartbeat": self.heartbeat(event, on: server)
        case "usage": self.recordUsage(event, on: server)
        default: return false
        }
        return true
    }

    /// `user-join {auth:{token}}`: verify the token, store the user, join `user:<id>` and the user's channel rooms,
    /// ack `{id, name}`. A bad token acks nothing useful (an empty ack) and changes nothing.
    private static func userJoin(_ event: SocketIOEvent, on server: isolated SocketIOServer) async {
        let sid = event.session.sid
        guard let data = event.data?.objectValue else {
            server.sendError("Invalid payload for user-join", to: sid)
            await event.ack?([])
            return
        }
        guard case .success(let user) = await server.authenticate(data["auth"]?["token"]?.stringValue),
            server.sockets[sid] != nil
        else {
            await event.ack?([])
            return
        }
        server.sockets[sid]?.user = user
        server.join(sid, room: .user(user.id))
        server.cluster?.sessionActivity(.authenticated(sid: sid, user: user))
        await self.joinChannelRooms(sid: sid, user: user, on: server)
        await server.roomsSettled()
        await event.ack?([["id": .string(user.id), "name": .string(user.name)]])
    }

    /// `join-channels {auth:{token}}`: join the `channel:<id>` rooms the channel lookup returns.
    private static func joinChannels(_ event: SocketIOEvent, on server: isolated SocketIOServer) async {
        guard let data = event.data?.objectValue else {
            server.sendError("Invalid payload for join-channels", to: event.session.sid)
            return
        }
        guard let user = await self.user(for: data, session: event.session, on: server) else { return }
        await self.joinChannelRooms(sid: event.session.sid, user: user, on: server)
    }

    /// `join-note {note_id, auth:{token}}`: join `note:<note_id>` if the note access check allows it; silent otherwise.
    private static func joinNote(_ event: SocketIOEvent, on server: isolated SocketIOServer) async {
        guard let data = event.data?.objectValue, let noteID = data["note_id"]?.stringValue, !noteID.isEmpty else {
            server.sendError("Invalid payload for join-note", to: event.session.sid)
            return
        }
        guard let user = await self.user(for: data, session: event.session, on: server) else { return }
        if let check = server.openWebUI?.noteAccess, await check(user, noteID) == false { return }
        server.join(event.session.sid, room: .note(noteID))
    }

    /// `heartbeat {}`: record the time for an authenticated sid.
    private static func heartbeat(_ event: SocketIOEvent, on server: isolated SocketIOServer) {
        guard let user = server.sockets[event.session.sid]?.user else { return }
        server.openWebUI?.lastSeen[event.session.sid] = .now
        server.cluster?.sessionActivity(.heartbeat(sid: event.session.sid, user: user))
    }

    /// `usage {action, model, chat_id}`: mark the model in use by this sid for 3 s.
    private static func recordUsage(_ event: SocketIOEvent, on server: isolated SocketIOServer) {
        guard let data = event.data?.objectValue, let model = data["model"]?.stringValue else {
            server.sendError("Invalid payload for usage", to: event.session.sid)
            return
        }
        guard server.sockets[event.session.sid]?.user != nil else { return }
        server.openWebUI?.usage.record(model: model, sid: event.session.sid, now: .now)
        server.cluster?.sessionActivity(.usage(sid: event.session.sid, model: model))
    }

    /// The user of a payload's `auth.token`, else of the session.
    private static func user(
        for data: JSONObject, session: SocketIOSession, on server: isolated SocketIOServer
    ) async -> AuthenticatedUser? {
        if let token = data["auth"]?["token"]?.stringValue, case .success(let user) = await server.authenticate(token) {
            return user
        }
        return server.sockets[session.sid]?.user
    }

    private static func joinChannelRooms(sid: String, user: AuthenticatedUser, on server: isolated SocketIOServer) async {
        guard let lookup = server.openWebUI?.channelLookup else { return }
        for channel in await lookup(user) { server.join(sid, room: .channel(channel)) }
    }
}
