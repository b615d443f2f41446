import Wire

/// Open WebUI's lightweight socket events (openwebui-protocol.md §2 and §5), built into the server.
///
/// Registering a handler with the same name replaces a built-in. Payloads of the wrong type get an `error` event;
/// sockets without a user are ignored, as in Open WebUI (a `user-join` with a valid token authenticates them).
extension SocketIOServer {
    /// Handles a built-in event; false when `event` is not one.
    func handleBuiltin(_ event: SocketIOEvent) async -> Bool {
        switch event.name {
        case "user-join": await self.userJoin(event)
        case "join-channels": await self.joinChannels(event)
        case "join-note": await self.joinNote(event)
        case "heartbeat": self.heartbeat(event)
        case "usage": self.recordUsage(event)
        default: return false
        }
        return true
    }

    /// When the sid last sent `heartbeat` (nil if never, or not authenticated).
    public func lastSeen(_ sid: String) -> ContinuousClock.Instant? {
        self.lastSeen[sid]
    }

    /// `user-join {auth:{token}}`: verify the token, store the user, join `user:<id>` and the user's channel rooms,
    /// ack `{id, name}`. A bad token acks nothing useful (an empty ack) and changes nothing.
    private func userJoin(_ event: SocketIOEvent) async {
        let sid = event.session.sid
        guard let data = event.data?.objectValue else {
            self.sendError("Invalid payload for user-join", to: sid)
            await event.ack?([])
            return
        }
        guard case .success(let user) = await self.authenticate(data["auth"]?["token"]?.stringValue),
            self.sockets[sid] != nil
        else {
            await event.ack?([])
            return
        }
        self.sockets[sid]?.user = user
        self.join(sid, room: "user:\(user.id)")
        self.cluster?.sessionActivity(.authenticated(sid: sid, user: user))
        await self.joinChannelRooms(sid: sid, user: user)
        await self.roomsSettled()
        await event.ack?([["id": .string(user.id), "name": .string(user.name)]])
    }

    /// `join-channels {auth:{token}}`: join the `channel:<id>` rooms the channel lookup returns.
    private func joinChannels(_ event: SocketIOEvent) async {
        guard let data = event.data?.objectValue else {
            self.sendError("Invalid payload for join-channels", to: event.session.sid)
            return
        }
        guard let user = await self.user(for: data, session: event.session) else { return }
        await self.joinChannelRooms(sid: event.session.sid, user: user)
    }

    /// `join-note {note_id, auth:{token}}`: join `note:<note_id>` if the note access check allows it; silent otherwise.
    private func joinNote(_ event: SocketIOEvent) async {
        guard let data = event.data?.objectValue, let noteID = data["note_id"]?.stringValue, !noteID.isEmpty else {
            self.sendError("Invalid payload for join-note", to: event.session.sid)
            return
        }
        guard let user = await self.user(for: data, session: event.session) else { return }
        if let check = self.noteAccess, await check(user, noteID) == false { return }
        self.join(event.session.sid, room: "note:\(noteID)")
    }

    /// `heartbeat {}`: record the time for an authenticated sid.
    private func heartbeat(_ event: SocketIOEvent) {
        guard let user = self.sockets[event.session.sid]?.user else { return }
        self.lastSeen[event.session.sid] = .now
        self.cluster?.sessionActivity(.heartbeat(sid: event.session.sid, user: user))
    }

    /// `usage {action, model, chat_id}`: mark the model in use by this sid for 3 s.
    private func recordUsage(_ event: SocketIOEvent) {
        guard let data = event.data?.objectValue, let model = data["model"]?.stringValue else {
            self.sendError("Invalid payload for usage", to: event.session.sid)
            return
        }
        guard self.sockets[event.session.sid]?.user != nil else { return }
        self.usage.record(model: model, sid: event.session.sid, now: .now)
        self.cluster?.sessionActivity(.usage(sid: event.session.sid, model: model))
    }

    /// The user of a payload's `auth.token`, else of the session.
    private func user(for data: JSONObject, session: SocketIOSession) async -> SocketIOUser? {
        if let token = data["auth"]?["token"]?.stringValue, case .success(let user) = await self.authenticate(token) {
            return user
        }
        return self.sockets[session.sid]?.user
    }

    private func joinChannelRooms(sid: String, user: SocketIOUser) async {
        guard let lookup = self.channelLookup else { return }
        for channel in await lookup(user) { self.join(sid, room: "channel:\(channel)") }
    }
}
