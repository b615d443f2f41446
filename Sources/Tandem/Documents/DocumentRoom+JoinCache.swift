import Wire
import YCRDT

/// What a room keeps to answer joiners of one document version without encoding the whole state again (issue 16):
/// in a join storm every client joins at the same version, and the state is the bulk of every answer.
///
/// One entry per room, for the current version only: ``DocumentRoom/cachedState`` going to nil (any applied update)
/// clears it, the room closing drops it, and it is dropped ``DocumentConfiguration/joinCacheLifetime`` after its last
/// use, so an idle document does not keep a multi-megabyte packet around.
struct RoomJoinCache {
    /// The full state as one y-websocket sync step 2 frame, for every client that syncs from the empty vector.
    var syncFrame: [UInt8]?
    /// The last Socket.IO `ydoc:document:state` answer of this version.
    var socketIOState: SocketIOState?
    /// When the cache was last used.
    var lastUsed: ContinuousClock.Instant?

    /// A Socket.IO state answer: its message, the tail that makes it this joiner's (`content` or `sessions`), and
    /// the shared state head (``DocumentWire/statePacketHead(documentID:state:)``), so a joiner with another tail
    /// gets a message of the same head buffer and its own tail, neither serialised nor copied again.
    struct SocketIOState {
        var head: [UInt8]
        var tail: [UInt8]
        var message: DocumentWireMessage
    }

    var isEmpty: Bool { syncFrame == nil && socketIOState == nil }

    /// When the cache is dropped, with nothing cached: never.
    func expiry(lifetime: Duration) -> ContinuousClock.Instant? {
        guard !isEmpty, let lastUsed else { return nil }
        return lastUsed + lifetime
    }

    /// A Socket.IO state answer of `head` (the packet's start) and `tail`: the Engine.IO frame is a small header
    /// followed by both buffers as they are, queued by reference on a WebSocket (``SocketIOWireMessage``); the
    /// packet text is built only if a polling session needs it.
    static func socketIOState(head: [UInt8], tail: [UInt8]) -> SocketIOState {
        var header = WebSocketFrameEncoder.header(fin: true, opcode: .text, payloadLength: head.count + tail.count + 1)
        header.append(UInt8(ascii: "4"))
        let message = SocketIOWireMessage(header: header, packetParts: [head, tail])
        return SocketIOState(head: head, tail: tail, message: .socketIO(message))
    }
}

extension DocumentRoom {
    /// Sends the full state to a joiner (`content`: the note's content on an Open WebUI join; nil on a resync, which
    /// carries `sessions`). Socket.IO joiners of one version share one serialised state (``RoomJoinCache``).
    func sendState(content: JSONValue?, to peer: DocumentPeer, outbound: any DocumentOutbound, now: ContinuousClock.Instant) {
        switch peer.kind {
        case .yWebSocket: send(stateEvent(content: content), to: peer, outbound: outbound)
        case .socketIO: outbound.send(socketIOStateMessage(content: content, now: now))
        }
    }

    /// The `ydoc:document:state` message for a Socket.IO joiner now: the cached one when its tail (content or
    /// sessions) is the same, else the cached state head with this joiner's tail, else a fresh serialisation.
    func socketIOStateMessage(content: JSONValue?, now: ContinuousClock.Instant) -> DocumentWireMessage {
        let tail = DocumentWire.statePacketTail(sessions: sessionIDs, content: content)
        guard configuration.joinCacheLifetime > .zero else {
            stats.update { $0.socketIOStateEncodings += 1 }
            return RoomJoinCache.socketIOState(
                head: DocumentWire.statePacketHead(documentID: documentID, state: state()), tail: tail
            ).message
        }
        joinCache.lastUsed = now
        let answer: RoomJoinCache.SocketIOState
        if let cached = joinCache.socketIOState {
            if cached.tail == tail { return cached.message }
            answer = RoomJoinCache.socketIOState(head: cached.head, tail: tail)
        } else {
            stats.update { $0.socketIOStateEncodings += 1 }
            answer = RoomJoinCache.socketIOState(
                head: DocumentWire.statePacketHead(documentID: documentID, state: state()), tail: tail)
        }
        joinCache.socketIOState = answer
        wake()
        return answer.message
    }

    /// What a peer with state vector `vector` lacks, as one encoded y-websocket sync step 2 frame.
    ///
    /// A peer that has nothing (the empty vector every new client sends) gets the full state's frame, encoded once
    /// per document version and shared (``RoomJoinCache``): a join storm sends the same bytes to every client,
    /// without a diff, an encoding or a copy per client (issue 16).
    func syncStep2Frame(stateVector vector: [UInt8]) throws(DocumentRefusal) -> [UInt8] {
        guard vector == [0] else {
            return WebSocketFrameEncoder.encode(.binary(ProtocolMessage.sync(.step2(update: try diff(stateVector: vector))).encoded()))
        }
        let caching = configuration.joinCacheLifetime > .zero
        if caching {
            joinCache.lastUsed = .now
            if let frame = joinCache.syncFrame { return frame }
        }
        stats.update { $0.syncFrameEncodings += 1 }
        let frame = WebSocketFrameEncoder.encode(.binary(ProtocolMessage.sync(.step2(update: state())).encoded()))
        if caching {
            joinCache.syncFrame = frame
            wake()
        }
        return frame
    }

    /// Drops the cache once it was not used for ``DocumentConfiguration/joinCacheLifetime``.
    func expireJoinCache(now: ContinuousClock.Instant) {
        guard let expiry = joinCache.expiry(lifetime: configuration.joinCacheLifetime), expiry <= now else { return }
        joinCache = RoomJoinCache()
    }
}
