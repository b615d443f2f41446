import Wire

/// Socket.IO v5 packet handling: CONNECT with auth, DISCONNECT, events to handlers, acks both ways.
extension SocketIOServer {
    /// Why a token did not authenticate; the text goes into CONNECT_ERROR in strict mode.
    struct AuthFailure: Error {
        var message: String
    }

    /// Verifies an Open WebUI JWT and maps its claims to a user; with a user source (Open WebUI mode) the source
    /// confirms the user and supplies name and role, which Open WebUI 0.12's tokens do not carry.
    func authenticate(_ token: String?) async -> Result<AuthenticatedUser, AuthFailure> {
        let local = self.verifyLocally(token)
        guard case .success(let user) = local, let source = self.userSource, let token else { return local }
        switch await source.user(token: token, claims: user.claims) {
        case .user(let host):
            guard let confirmed = user.confirmed(by: host) else { return .failure(AuthFailure(message: "Invalid token")) }
            return .success(confirmed)
        case .refused(let why):
            Log.shared.info("token refused by the host", ["user": user.id, "reason": why])
            return .failure(AuthFailure(message: "Invalid token"))
        case .unavailable(let why):
            Log.shared.warn("host unavailable for authentication", ["user": user.id, "reason": why])
            return .failure(AuthFailure(message: "Authentication temporarily unavailable, retry later"))
        }
    }

    /// Checks a token's signature, expiry and claims with the shared secret.
    func verifyLocally(_ token: String?) -> Result<AuthenticatedUser, AuthFailure> {
        guard let verifier = self.verifier else { return .failure(AuthFailure(message: "Authentication unavailable")) }
        guard let token, !token.isEmpty else { return .failure(AuthFailure(message: "Missing token")) }
        let claims: JSONObject
        do {
            claims = try verifier.verify(token, now: self.wallClock())
        } catch {
            switch error {
            case .expired: return .failure(AuthFailure(message: "Token expired"))
            case .unsupportedAlgorithm: return .failure(AuthFailure(message: "Unsupported token algorithm"))
            default: return .failure(AuthFailure(message: "Invalid token"))
            }
        }
        guard let user = AuthenticatedUser(claims: claims, token: token) else {
            return .failure(AuthFailure(message: "User not allowed"))
        }
        return .success(user)
    }

    func receiveSocketIO(engineSID: String, text: String) async {
        guard var assembler = self.engines[engineSID]?.assembler else { return }
        let message = try? assembler.receive(text: text)
        self.engines[engineSID]?.assembler = assembler
        if let message { await self.dispatch(message, engineSID: engineSID) }
    }

    /// The Socket.IO packet of a WebSocket text frame, from its UTF-8 bytes at `start` (after the Engine.IO type).
    func receiveSocketIO(engineSID: String, bytes: [UInt8], from start: Int) async {
        guard var assembler = self.engines[engineSID]?.assembler else { return }
        let message = try? assembler.receive(bytes: bytes, from: start)
        self.engines[engineSID]?.assembler = assembler
        if let message { await self.dispatch(message, engineSID: engineSID) }
    }

    func receiveSocketIO(engineSID: String, binary: [UInt8]) async {
        guard var assembler = self.engines[engineSID]?.assembler else { return }
        let message = try? assembler.receive(binary: binary)
        self.engines[engineSID]?.assembler = assembler
        if let message { await self.dispatch(message, engineSID: engineSID) }
    }

    private func dispatch(_ message: SocketIOMessage, engineSID: String) async {
        let packet = message.packet
        switch packet.type {
        case .connect:
            await self.connect(packet, engineSID: engineSID)
        case .disconnect:
            guard let sid = self.engines[engineSID]?.sockets[packet.namespace] else { return }
            self.engines[engineSID]?.sockets[packet.namespace] = nil
            await self.removeSocket(sid)
        case .event, .binaryEvent:
            await self.event(message, engineSID: engineSID)
        case .ack, .binaryAck:
            guard let sid = self.engines[engineSID]?.sockets[packet.namespace], let id = packet.ackID else { return }
            let arguments = (try? JSONValue.array(packet.arguments).resolvingPlaceholders(message.attachments))?
                .arrayValue ?? packet.arguments
            self.finishCall(sid: sid, id: id, with: .success(arguments))
        case .connectError:
            break
        }
    }

    private func connect(_ packet: SocketIOPacket, engineSID: String) async {
        let namespace = packet.namespace
        guard self.configuration.namespaces.contains(namespace) else {
            self.sendConnectError("Invalid namespace", namespace: namespace, engineSID: engineSID)
            return
        }
        guard self.engines[engineSID] != nil, self.engines[engineSID]?.sockets[namespace] == nil else { return }
        var user: AuthenticatedUser? = nil
        let outcome = await self.authenticate(packet.data?["token"]?.stringValue)
        // The engine may have closed, or connected this namespace, while the user was being resolved.
        guard self.engines[engineSID] != nil, self.engines[engineSID]?.sockets[namespace] == nil else { return }
        switch outcome {
        case .success(let verified):
            user = verified
        case .failure(let failure):
            if self.configuration.strictAuth {
                self.sendConnectError(failure.message, namespace: namespace, engineSID: engineSID)
                return
            }
        }
        let sid = Self.newID()
        if let user, let connections = self.userConnections {
            let entry = UserConnections.Entry(id: sid, userID: user.id, kind: "socketio", target: nil)
            guard connections.admitsAcrossNodes ? await connections.admit(entry) : connections.register(entry) else {
                self.sendConnectError(AuthOutcome.tooManyConnections.message, namespace: namespace, engineSID: engineSID)
                return
            }
            // In cluster mode the other nodes were asked (a Redis round trip): the engine may have closed, or
            // connected this namespace, meanwhile.
            guard self.engines[engineSID] != nil, self.engines[engineSID]?.sockets[namespace] == nil else {
                connections.unregister(sid)
                return
            }
        }
        let session = SocketIOSession(
            sid: sid, namespace: namespace, user: user, engineSID: engineSID, auth: packet.data)
        self.sockets[sid] = session
        self.engines[engineSID]?.sockets[namespace] = sid
        self.engines[engineSID]?.state.connected()
        self.join(sid, room: .session(sid))
        if let user { self.join(sid, room: .user(user.id)) }
        if let cluster = self.cluster {
            if let user { cluster.sessionActivity(.authenticated(sid: sid, user: user)) }
            await cluster.roomsSettled()
        }
        let reply = SocketIOPacket(type: .connect, namespace: namespace, data: ["sid": .string(sid)])
        self.send([.message(reply.encoded)], toEngine: engineSID)
        for hook in self.connectHooks { await hook(session) }
    }

    private func sendConnectError(_ message: String, namespace: String, engineSID: String) {
        // `code` (Docs/events.md) lets a client tell "log in again" from "retry later"; the texts are unchanged.
        var data: JSONObject = ["message": .string(message)]
        if let outcome = AuthOutcome(socketIOMessage: message) ?? (message == AuthOutcome.tooManyConnections.message ? .tooManyConnections : nil) {
            data["code"] = .int(Int64(outcome.code))
            data["reason"] = .string(outcome.rawValue)
        }
        let packet = SocketIOPacket(type: .connectError, namespace: namespace, data: .object(data))
        self.send([.message(packet.encoded)], toEngine: engineSID)
    }

    private func event(_ message: SocketIOMessage, engineSID: String) async {
        let packet = message.packet
        guard let sid = self.engines[engineSID]?.sockets[packet.namespace], self.sockets[sid] != nil,
            let name = packet.eventName
        else { return }
        let raw = packet.arguments
        var arguments = raw
        if !message.attachments.isEmpty {
            guard let resolved = try? JSONValue.array(raw).resolvingPlaceholders(message.attachments).arrayValue
            else { return }
            arguments = resolved
        }
        let ack = packet.ackID.map { id in
            SocketIOAck { [weak self] replies, attachments in
                await self?.sendAck(sid: sid, id: id, replies, attachments: attachments)
            }
        }
        let attachments = message.attachments
        let resolved = arguments
        await self.enqueue(engineSID: engineSID) { [weak self] in
            await self?.run(
                name, sid: sid, arguments: resolved, rawArguments: raw, attachments: attachments, ack: ack)
        }
    }

    /// Runs one queued event. The session (and its user) is read now, not when the packet arrived, so an event
    /// sent right behind a `user-join` sees the user that `user-join` stored.
    private func run(
        _ name: String, sid: String, arguments: [JSONValue], rawArguments: [JSONValue], attachments: [[UInt8]],
        ack: SocketIOAck?
    ) async {
        guard let session = self.sockets[sid] else { return }
        let event = SocketIOEvent(
            name: name, session: session, arguments: arguments, rawArguments: rawArguments, attachments: attachments,
            ack: ack)
        if let registration = self.handlers[session.namespace]?[name] {
            guard !registration.requiresUser || session.user != nil else {
                await ack?([])  // python-socketio acks a handler that returned None with no arguments
                return
            }
            await registration.handler(event)
            return
        }
        if session.namespace == "/", self.openWebUI != nil, await OpenWebUISocketEvents.handle(event, on: self) {
            return
        }
        if self.configuration.reportUnknownEvents { self.sendError("Unknown event: \(name)", to: sid) }
    }

    func sendAck(sid: String, id: Int64, _ arguments: [JSONValue], attachments: [[UInt8]]) {
        guard let session = self.sockets[sid] else { return }
        let packet = SocketIOPacket.ack(
            id, arguments, namespace: session.namespace, attachmentCount: attachments.count)
        self.send([.message(packet.encoded)] + attachments.map { .binaryMessage($0) }, toEngine: session.engineSID)
    }

    /// Sends Open WebUI's `error` event (`{message}`) to one socket.
    func sendError(_ message: String, to sid: String) {
        self.emit("error", [["message": .string(message)]], to: .session(sid), namespace: self.sockets[sid]?.namespace ?? "/")
    }
}
