import Wire

/// Engine.IO v4 transports: WebSocket (direct or upgraded from polling), HTTP long-polling, heartbeat and close.
extension SocketIOServer {
    // MARK: - WebSocket

    /// A WebSocket connected to the endpoint.
    ///
    /// Without `engineSID` (Open WebUI's default: `transports: ['websocket']`) this opens a new session and sends the
    /// open packet over the socket. With the `sid` query parameter of a polling session it is an upgrade probe:
    /// the client sends `2probe`, the server answers `3probe` and completes the pending poll with a noop, then the
    /// client sends `5` and the session moves to the WebSocket (engine.io-protocol v4, "Upgrade").
    /// - Returns: the token to pass with the socket's messages, or nil when the sid is unknown or already upgraded
    ///   (the caller closes the socket).
    public func webSocketOpened(
        _ socket: any EngineIOWebSocket, engineSID: String?, now: ContinuousClock.Instant = .now
    ) -> EngineIOWebSocketToken? {
        self.nextSerial += 1
        let serial = self.nextSerial
        if let engineSID {
            guard var engine = self.engines[engineSID], engine.state.probeOpened(serial: serial) else { return nil }
            engine.probe = socket
            self.engines[engineSID] = engine
            return EngineIOWebSocketToken(engineSID: engineSID, serial: serial)
        }
        let sid = Self.newID()
        var engine = self.newEngineSession(sid: sid, webSocketSerial: serial, now: now)
        engine.websocket = socket
        self.engines[sid] = engine
        socket.send(text: self.handshake(sid: sid, upgrades: []).packet.encodedText)
        return EngineIOWebSocketToken(engineSID: sid, serial: serial)
    }

    /// A text message from a WebSocket.
    public func webSocketReceived(
        _ token: EngineIOWebSocketToken, text: String, now: ContinuousClock.Instant = .now
    ) async {
        guard let engine = self.engines[token.engineSID] else { return }
        if engine.probe != nil, token.serial == engine.state.probeSerial {
            self.receiveProbe(token.engineSID, text: text)
            return
        }
        guard engine.websocket != nil, token.serial == engine.state.webSocketSerial else { return }
        guard text.utf8.count <= self.configuration.maxPayload else {
            await self.closeEngine(token.engineSID, reason: "message too big", code: 1009)
            return
        }
        let bytes = Array(text.utf8)
        if bytes.first == UInt8(ascii: "4") {
            // An Engine.IO message (the frame's text is valid UTF-8): its Socket.IO packet is decoded straight from
            // these bytes, with no String per layer in between.
            await self.receiveSocketIO(engineSID: token.engineSID, bytes: bytes, from: 1)
            return
        }
        guard let packet = try? EngineIOPacket(text: bytes[...]) else {
            await self.closeEngine(token.engineSID, reason: "malformed Engine.IO packet", code: 1002)
            return
        }
        await self.receive(packet, engineSID: token.engineSID, now: now)
    }

    /// A binary message from a WebSocket (a Socket.IO attachment).
    public func webSocketReceived(
        _ token: EngineIOWebSocketToken, binary: [UInt8], now: ContinuousClock.Instant = .now
    ) async {
        guard let engine = self.engines[token.engineSID], engine.websocket != nil,
            token.serial == engine.state.webSocketSerial
        else { return }
        guard binary.count <= self.configuration.maxPayload else {
            await self.closeEngine(token.engineSID, reason: "message too big", code: 1009)
            return
        }
        await self.receive(.binaryMessage(binary), engineSID: token.engineSID, now: now)
    }

    /// A WebSocket closed (by the peer or the network).
    public func webSocketClosed(_ token: EngineIOWebSocketToken) async {
        guard var engine = self.engines[token.engineSID] else { return }
        if token.serial == engine.state.probeSerial {
            engine.probe = nil
        } else if token.serial == engine.state.webSocketSerial {
            engine.websocket = nil
        }
        let actions = engine.state.webSocketClosed(serial: token.serial)
        self.engines[token.engineSID] = engine
        await self.perform(actions, engineSID: token.engineSID)
    }

    /// A text message on the upgrade probe: `2probe`, then `5` (``EngineIOSessionState/probeReceived(_:)``).
    private func receiveProbe(_ engineSID: String, text: String) {
        guard var engine = self.engines[engineSID], let packet = try? EngineIOPacket(text: text) else { return }
        let probeSerial = engine.state.probeSerial
        let actions = engine.state.probeReceived(packet)
        if probeSerial != nil, engine.state.webSocketSerial == probeSerial {  // upgraded: the probe carries it now
            engine.websocket = engine.probe
            engine.probe = nil
        }
        self.engines[engineSID] = engine
        _ = self.apply(actions, engineSID: engineSID)
    }

    /// Carries out a session's actions; returns the close one, if any, for the caller to perform (it suspends).
    func apply(_ actions: [EngineIOSessionState.Action], engineSID: String) -> EngineIOSessionState.Action? {
        var close: EngineIOSessionState.Action?
        for action in actions {
            switch action {
            case .writeWebSocket(let packets):
                guard let websocket = self.engines[engineSID]?.websocket else { continue }
                for packet in packets {
                    if case .binaryMessage(let bytes) = packet {
                        websocket.send(binary: bytes)
                    } else {
                        websocket.send(text: packet.encodedText)
                    }
                }
            case .writeProbe(let packet):
                self.engines[engineSID]?.probe?.send(text: packet.encodedText)
            case .answerPoll(let packets):
                let poll = self.engines[engineSID]?.pendingPoll
                self.engines[engineSID]?.pendingPoll = nil
                poll?.resume(returning: packets)
            case .close:
                close = action
            }
        }
        return close
    }

    /// Carries out a session's actions, closing it when one says so.
    func perform(_ actions: [EngineIOSessionState.Action], engineSID: String) async {
        if case .close(let reason, let code, let notify)? = self.apply(actions, engineSID: engineSID) {
            await self.closeEngine(engineSID, reason: reason, notify: notify, code: code)
        }
    }

    // MARK: - Long-polling

    /// Answers an Engine.IO long-polling request (`GET` to poll or open, `POST` to send) on the endpoint path.
    /// - Parameters:
    ///   - method: `GET` or `POST`.
    ///   - query: the raw query string (`EIO=4&transport=polling&sid=…&t=…`).
    ///   - body: the request body of a POST.
    public func handlePolling(
        method: String, query: String, body: [UInt8], now: ContinuousClock.Instant = .now
    ) async -> EngineIOHTTPResponse {
        let parameters = Self.parseQuery(query)
        guard parameters["EIO"] == "4" else {
            return .error(code: 5, message: "Unsupported protocol version")
        }
        guard parameters["transport"] == "polling" else { return .error(code: 0, message: "Transport unknown") }
        guard let sid = parameters["sid"] else {
            guard method == "GET" else { return .error(code: 2, message: "Bad handshake method") }
            let sid = Self.newID()
            self.engines[sid] = self.newEngineSession(sid: sid, now: now)
            return EngineIOHTTPResponse(
                status: 200, body: EngineIOPayload.encode([self.handshake(sid: sid, upgrades: ["websocket"]).packet]))
        }
        guard var engine = self.engines[sid] else { return .error(code: 1, message: "Session ID unknown") }
        switch method {
        case "GET":
            let answer = engine.state.poll()
            self.engines[sid] = engine
            switch answer {
            case .badRequest:
                return .error(code: 3, message: "Bad request")
            case .overlapping:
                await self.closeEngine(sid, reason: "overlapping polls")
                return .error(code: 3, message: "Bad request")
            case .now(let packets):
                return EngineIOHTTPResponse(status: 200, body: EngineIOPayload.encode(packets))
            case .wait:
                let packets = await withCheckedContinuation { continuation in
                    if self.engines[sid] != nil {
                        self.engines[sid]?.pendingPoll = continuation
                    } else {
                        continuation.resume(returning: [.close])
                    }
                }
                return EngineIOHTTPResponse(status: 200, body: EngineIOPayload.encode(packets))
            }
        case "POST":
            guard body.count <= self.configuration.maxPayload else {
                await self.closeEngine(sid, reason: "payload too large")
                return .error(status: 413, code: 3, message: "Payload too large")
            }
            let limits = EngineIOPayload.Limits(
                maxPayload: self.configuration.maxPayload, maxPackets: self.configuration.maxPacketsPerPoll)
            guard let packets = try? EngineIOPayload.decode(body, limits: limits) else {
                await self.closeEngine(sid, reason: "malformed polling payload")
                return .error(code: 3, message: "Bad request")
            }
            for packet in packets { await self.receive(packet, engineSID: sid, now: now) }
            return EngineIOHTTPResponse(status: 200, contentType: "text/html", body: Array("ok".utf8))
        default:
            return .error(code: 2, message: "Bad handshake method")
        }
    }

    // MARK: - Packets, heartbeat, close

    /// Handles one inbound Engine.IO packet of an open session.
    func receive(_ packet: EngineIOPacket, engineSID: String, now: ContinuousClock.Instant) async {
        switch packet {
        case .pong:
            self.engines[engineSID]?.state.receivedPong(now: now)
        case .ping(let data):
            self.send([.pong(data)], toEngine: engineSID)
        case .message(let text):
            await self.receiveSocketIO(engineSID: engineSID, text: text)
        case .binaryMessage(let bytes):
            await self.receiveSocketIO(engineSID: engineSID, binary: bytes)
        case .close:
            await self.closeEngine(engineSID, reason: "client close", notify: false)
        case .open, .upgrade, .noop:
            break
        }
    }

    /// Sends pings that are due, closes sessions whose pong is overdue, and expires usage entries.
    public func housekeep(now: ContinuousClock.Instant) async {
        for sid in Array(self.engines.keys) {
            guard var engine = self.engines[sid] else { continue }
            let actions = engine.state.tick(now: now)
            self.engines[sid] = engine
            await self.perform(actions, engineSID: sid)
        }
        self.openWebUI?.usage.expire(now: now)
        await self.disconnectExpiredTokens()
    }

    /// Closes an Engine.IO session and disconnects its sockets.
    /// - Parameters:
    ///   - notify: send the close packet first (not when the client asked to close).
    ///   - code: the WebSocket close code.
    func closeEngine(_ sid: String, reason: String, notify: Bool = true, code: UInt16 = 1000) async {
        guard let engine = self.engines.removeValue(forKey: sid) else { return }
        self.finishWork(engine)
        if let websocket = engine.websocket {
            if notify, code == 1000 { websocket.send(text: EngineIOPacket.close.encodedText) }
            websocket.close(code: code, reason: reason)
        }
        engine.probe?.close(code: 1000, reason: reason)
        var state = engine.state
        for case .answerPoll(let packets) in state.closing() { engine.pendingPoll?.resume(returning: packets) }
        for socketSID in engine.sockets.values { await self.removeSocket(socketSID) }
    }

    func newEngineSession(sid: String, webSocketSerial: Int? = nil, now: ContinuousClock.Instant) -> EngineSession {
        let heartbeat = EngineIOHeartbeat(
            interval: self.configuration.pingInterval, timeout: self.configuration.pingTimeout, now: now)
        return EngineSession(
            sid: sid,
            state: EngineIOSessionState(
                webSocketSerial: webSocketSerial, heartbeat: heartbeat,
                connectTimeout: self.configuration.connectTimeout, now: now),
            assembler: SocketIOPacketAssembler(limits: self.configuration.parserLimits))
    }

    func handshake(sid: String, upgrades: [String]) -> EngineIOHandshake {
        let milliseconds = self.configuration.milliseconds
        return EngineIOHandshake(
            sid: sid, upgrades: upgrades, pingInterval: milliseconds.interval, pingTimeout: milliseconds.timeout,
            maxPayload: self.configuration.maxPayload)
    }

    /// Splits `a=1&b=2` into a dictionary (values are not percent-decoded: Engine.IO's are URL-safe).
    static func parseQuery(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts.first else { continue }
            result[String(key)] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }
}
