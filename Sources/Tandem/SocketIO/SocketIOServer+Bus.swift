import Wire

/// The server's side of a cluster bus: applying messages from other hosts to local sockets, as python-socketio's
/// `AsyncPubSubManager` does (`_handle_emit`, `_handle_disconnect`, `_handle_enter_room`, …).
///
/// Room membership stays local, as in python-socketio: each host knows only its own sockets, an emit is delivered by
/// every host to its local members of the room, and a room change for a sid held elsewhere is published so the host
/// owning the sid applies it.
extension SocketIOServer {
    /// Connects the server to a bus. Local sockets already connected are reported as room occupants and sessions.
    public func attachCluster(_ link: any SocketIOClusterLink) {
        self.cluster = link
        for (namespace, rooms) in self.rooms {
            for room in rooms.keys { link.roomOccupancyChanged(namespace: namespace, room: room.string, occupied: true) }
        }
        for session in self.sockets.values {
            if let user = session.user { link.sessionActivity(.authenticated(sid: session.sid, user: user)) }
        }
    }

    /// Waits (bounded) until Redis confirmed the room-channel subscriptions of every room joined so far, so an emit
    /// from another host right after a join reaches the new member (Open WebUI's `enter_room` waits the same way).
    /// Returns at once without a bus or without room channels.
    public func roomsSettled() async {
        await self.cluster?.roomsSettled()
    }

    /// Disconnects the server from its bus.
    public func detachCluster() {
        self.cluster = nil
    }

    /// Applies a message published by another host. `callback` messages are the link's business (it holds the
    /// calls this host made) and are ignored here.
    public func applyBusMessage(_ message: SocketIOBusMessage) async {
        switch message {
        case .emit(let emit):
            self.deliverBusEmit(emit)
        case .disconnect(let sid, _, _):
            if self.sockets[sid] != nil { await self.disconnect(sid) }
        case .enterRoom(let sid, let room, _, _):
            if self.sockets[sid] != nil { self.join(sid, room: SocketIORoom(room)) }
        case .leaveRoom(let sid, let room, _, _):
            if self.sockets[sid] != nil { self.leave(sid, room: SocketIORoom(room)) }
        case .closeRoom(let room, let namespace, _):
            self.closeLocalRoom(room, namespace: namespace)
        case .callback:
            break
        }
    }

    /// Empties `room` on every host (python-socketio `close_room`): locally now, elsewhere through the bus.
    public func closeRoom(_ room: String, namespace: String = "/") {
        self.closeLocalRoom(room, namespace: namespace)
        self.cluster?.publish(.closeRoom(room: room, namespace: namespace, hostID: nil))
    }

    /// Whether `room` is the own room of a socket on this host: emits to it need not be published, since no other
    /// host has members there (python-socketio publishes them anyway; the other hosts find no participant).
    func isLocalSocketRoom(_ room: String) -> Bool {
        self.sockets[room] != nil
    }

    /// Reports a room that gained its first or lost its last local member.
    func roomOccupancy(namespace: String, room: String, occupied: Bool) {
        // A room with plain-WebSocket listeners stays subscribed until the last of them leaves.
        if !occupied, namespace == "/", self.roomTaps[ByteKey(room)]?.isEmpty == false { return }
        self.cluster?.roomOccupancyChanged(namespace: namespace, room: room, occupied: occupied)
    }

    private func closeLocalRoom(_ room: String, namespace: String) {
        for sid in self.rooms[namespace]?[ByteKey(room)] ?? [] { self.leave(sid, room: SocketIORoom(room)) }
    }

    /// Delivers an emit from another host to the local members of its rooms (`AsyncManager.emit`): once per socket
    /// even when it is in several of the rooms, skipping `skip_sid`; with a callback, each receiver gets its own ack
    /// id and its answer is published back to the emitting host (`_return_callback`).
    private func deliverBusEmit(_ emit: SocketIOBusEmit) {
        let namespace = emit.namespace
        var targets = Set<String>()
        switch emit.recipients {
        case .everyone:
            for session in self.sockets.values where session.namespace == namespace { targets.insert(session.sid) }
        case .room(let room):
            targets = self.rooms[namespace]?[ByteKey(room)] ?? []
        case .rooms(let rooms):
            for room in rooms { targets.formUnion(self.rooms[namespace]?[ByteKey(room)] ?? []) }
        }
        targets.subtract(emit.skipSIDs)
        if namespace == "/", emit.callback == nil {
            switch emit.recipients {
            case .everyone: break
            case .room(let room): self.deliverToTaps(room: room, emit.event, emit.arguments)
            case .rooms(let rooms): for room in rooms { self.deliverToTaps(room: room, emit.event, emit.arguments) }
            }
        }
        guard !targets.isEmpty else { return }
        let binary = emit.attachments.map { EngineIOPacket.binaryMessage($0) }
        guard let request = emit.callback, let origin = emit.hostID else {
            let packet = SocketIOPacket.event(
                emit.event, emit.arguments, namespace: namespace, attachmentCount: emit.attachments.count)
            let packets = [EngineIOPacket.message(packet.encoded)] + binary
            for sid in targets.sorted() {
                guard let session = self.sockets[sid] else { continue }
                self.send(packets, toEngine: session.engineSID)
            }
            return
        }
        for sid in targets.sorted() {
            guard let session = self.sockets[sid] else { continue }
            let id = self.nextAckID[sid, default: 0]
            self.nextAckID[sid] = id + 1
            // Answered in finishCall when the client acks; forgotten when it disconnects (as python-socketio does).
            self.busAcks[sid, default: [:]][id] = SocketIOBusCallback(
                hostID: origin, sid: request.room, namespace: request.namespace, id: request.id, arguments: [])
            let packet = SocketIOPacket.event(
                emit.event, emit.arguments, namespace: namespace, ackID: id, attachmentCount: emit.attachments.count)
            self.send([.message(packet.encoded)] + binary, toEngine: session.engineSID)
        }
    }

    /// Publishes a local client's ack of a bus emit back to the emitting host; false when `id` is not such an ack.
    func forwardBusAck(sid: String, id: Int64, _ result: Result<[JSONValue], SocketIOCallError>) -> Bool {
        guard var callback = self.busAcks[sid]?.removeValue(forKey: id) else { return false }
        if self.busAcks[sid]?.isEmpty == true { self.busAcks[sid] = nil }
        if case .success(let arguments) = result {
            callback.arguments = arguments
            self.cluster?.publish(.callback(callback))
        }
        return true
    }
}
