import Foundation
import Wire

/// A handler for one client event; see ``SocketIOServer/on(_:namespace:requiresUser:_:)``.
public typealias SocketIOEventHandler = @Sendable (SocketIOEvent) async -> Void

/// The Socket.IO v5 / Engine.IO v4 server: sessions, rooms, event handlers, emits and acks.
///
/// One actor owns every Engine.IO session (WebSocket or long-polling), every Socket.IO socket, the rooms and the
/// handlers, so that emitting to a room is one pass over its members with no suspension between receivers. The
/// transports (``SocketIOEndpoint``) feed it inbound messages; other components register event handlers with ``on``
/// and push with ``emit``. Open WebUI's own events (`user-join`, `join-channels`, `join-note`, `heartbeat`,
/// `usage`) are handled beside the protocol by ``OpenWebUISocketEvents`` (installed by default; replace one by
/// registering the same name, or all with ``removeOpenWebUIEvents()``).
public actor SocketIOServer {
    /// The configuration the server was created with.
    public let configuration: SocketIOConfiguration
    let verifier: JWTVerifier?
    let wallClock: @Sendable () -> Double

    /// One Engine.IO session: its transport state machine (``EngineIOSessionState``) and what that machine
    /// refers to — the WebSocket carrying it, an upgrade probe, the waiting poll — plus its Socket.IO sockets.
    struct EngineSession {
        let sid: String
        var state: EngineIOSessionState
        /// The WebSocket with `state.webSocketSerial`.
        var websocket: (any EngineIOWebSocket)?
        /// The upgrade probe with `state.probeSerial`.
        var probe: (any EngineIOWebSocket)?
        /// The open poll request (`state.pollWaiting`).
        var pendingPoll: CheckedContinuation<[EngineIOPacket], Never>?
        var assembler: SocketIOPacketAssembler
        /// namespace → socket sid
        var sockets: [String: String] = [:]
        /// Event work of this connection, run in order by one task (see ``enqueue(engineSID:_:)``).
        var work: AsyncStream<@Sendable () async -> Void>.Continuation?
        var pendingWork = 0
        var spaceWaiters: [CheckedContinuation<Void, Never>] = []
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    struct Registration {
        var requiresUser: Bool
        var handler: SocketIOEventHandler
    }

    var engines: [String: EngineSession] = [:]
    var sockets: [String: SocketIOSession] = [:]
    /// namespace → room → socket sids; room names are byte strings (``ByteKey``), so `user:café` in NFC and NFD are
    /// two rooms and an emit to one never reaches the other (issue 19).
    var rooms: [String: [ByteKey: Set<String>]] = [:]
    /// socket sid → rooms
    var socketRooms: [String: Set<ByteKey>] = [:]
    var handlers: [String: [String: Registration]] = [:]
    var connectHooks: [@Sendable (SocketIOSession) async -> Void] = []
    var disconnectHooks: [@Sendable (SocketIOSession) async -> Void] = []
    var pendingCalls: [String: [Int64: CheckedContinuation<Result<[JSONValue], SocketIOCallError>, Never>]] = [:]
    var nextAckID: [String: Int64] = [:]
    var nextSerial = 0
    /// Open WebUI's application events and their state (``OpenWebUISocketEvents``); nil for a plain Socket.IO server.
    var openWebUI: OpenWebUISocketEvents?
    var housekeeping: Task<Void, Never>?
    /// Confirms users with a host application (Open WebUI mode); nil trusts the token's claims.
    var userSource: (any TokenUserSource)?
    /// Packets that document rooms send to engine sessions, in the order the rooms sent them (see
    /// ``SocketIOPeerOutbound``); drained by one task on this actor.
    nonisolated let roomOutbox: AsyncStream<(packet: String, engineSID: String)>.Continuation
    let roomOutboxStream: AsyncStream<(packet: String, engineSID: String)>
    var roomOutboxDrain: Task<Void, Never>?
    /// Engine sessions opened directly on a WebSocket (never polling), which rooms write to without a hop.
    nonisolated let directWebSockets = Locked<[String: WebSocketOutbound]>([:])
    /// The bus to the other hosts (python-socketio's pub/sub protocol), if any; see SocketIOServer+Bus.swift.
    var cluster: (any SocketIOClusterLink)?
    /// Acks owed to other hosts for bus emits with a callback: sid → local ack id → reply to publish.
    var busAcks: [String: [Int64: SocketIOBusCallback]] = [:]
    /// Non-Socket.IO listeners of rooms (plain WebSocket endpoints): room → tap id → handler; see
    /// SocketIOServer+Taps.swift.
    var roomTaps: [ByteKey: [Int: SocketIORoomTap]] = [:]
    var nextTapID = 0
    /// Observers of room joins and leaves (channel presence); see SocketIOServer+Taps.swift.
    var roomHooks: [SocketIORoomHook] = []
    /// The per-user connection table and limit, shared with the plain endpoints (nil: no limit, not listed).
    var userConnections: UserConnections?

    /// A server with `configuration`; `wallClock` gives seconds since 1970 for JWT expiry (injectable for tests).
    public init(
        configuration: SocketIOConfiguration = SocketIOConfiguration(),
        wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.configuration = configuration
        let skew = configuration.jwtClockSkew.inSeconds
        self.verifier = configuration.jwtSecret.map { JWTVerifier(secret: $0, clockSkew: skew) }
        self.wallClock = wallClock
        self.openWebUI = OpenWebUISocketEvents(usageExpiry: configuration.usageExpiry)
        (self.roomOutboxStream, self.roomOutbox) = AsyncStream.makeStream(of: (packet: String, engineSID: String).self)
    }

    /// Starts the heartbeat and usage-expiry loop; call once before serving.
    public func start() {
        guard self.housekeeping == nil else { return }
        self.roomOutboxDrain = Task { await self.drainRoomOutbox() }
        // Ticks must be fine enough that pings are not late against the client's own watchdog
        // (pingInterval + pingTimeout), even with short test settings.
        let heartbeat = min(self.configuration.pingInterval, self.configuration.pingTimeout) / 4
        let interval = min(self.configuration.housekeepingInterval, heartbeat)
        self.housekeeping = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                await self.housekeep(now: .now)
            }
        }
    }

    /// Stops housekeeping and closes every session.
    public func shutdown() async {
        self.housekeeping?.cancel()
        self.housekeeping = nil
        self.roomOutbox.finish()
        for sid in Array(self.engines.keys) { await self.closeEngine(sid, reason: "server shutting down") }
    }

    // MARK: - Registration

    /// Registers `handler` for client event `event` on `namespace`, replacing any earlier one (built-ins included).
    ///
    /// Handlers run outside the actor, one event at a time per connection, in arrival order. With `requiresUser`
    /// (the default) events from sockets without an authenticated user are dropped before the handler, which is
    /// Open WebUI's behaviour for unauthenticated sockets.
    public func on(
        _ event: String, namespace: String = "/", requiresUser: Bool = true, _ handler: @escaping SocketIOEventHandler
    ) {
        self.handlers[namespace, default: [:]][event] = Registration(requiresUser: requiresUser, handler: handler)
    }

    /// Removes the handler of `event`.
    public func off(_ event: String, namespace: String = "/") {
        self.handlers[namespace]?[event] = nil
    }

    /// Runs `hook` after a socket connects (after its CONNECT reply and default rooms).
    public func onConnect(_ hook: @escaping @Sendable (SocketIOSession) async -> Void) {
        self.connectHooks.append(hook)
    }

    /// Runs `hook` after a socket disconnects; it has already left its rooms.
    public func onDisconnect(_ hook: @escaping @Sendable (SocketIOSession) async -> Void) {
        self.disconnectHooks.append(hook)
    }

    /// Sets the channel membership lookup used by `user-join` and `join-channels` (channel ids of a user).
    public func setChannelLookup(_ lookup: @escaping @Sendable (AuthenticatedUser) async -> [String]) {
        self.openWebUI?.channelLookup = lookup
    }

    /// Sets the source that confirms users and supplies their name and role (Open WebUI mode).
    public func setUserSource(_ source: any TokenUserSource) {
        self.userSource = source
    }

    /// Sets the note read-access check used by `join-note`; without one, any authenticated user may join.
    public func setNoteAccess(_ check: @escaping @Sendable (AuthenticatedUser, String) async -> Bool) {
        self.openWebUI?.noteAccess = check
    }

    /// When the sid last sent `heartbeat` (nil if never, or not authenticated).
    public func lastSeen(_ sid: String) -> ContinuousClock.Instant? {
        self.openWebUI?.lastSeen[sid]
    }

    /// Serves only the Socket.IO protocol: Open WebUI's application events (`user-join`, `join-channels`,
    /// `join-note`, `heartbeat`, `usage`) become unknown events unless a handler is registered for them.
    public func removeOpenWebUIEvents() {
        self.openWebUI = nil
    }

    // MARK: - Sessions and rooms

    /// The socket with Socket.IO sid `sid`.
    public func session(_ sid: String) -> SocketIOSession? {
        self.sockets[sid]
    }

    /// Every connected socket.
    public var allSessions: [SocketIOSession] { Array(self.sockets.values) }

    /// The sids of `user`'s sockets.
    public func sids(ofUser userID: String) -> [String] {
        self.sockets.values.filter { $0.user?.id.bytewiseEquals(userID) == true }.map(\.sid).sorted()
    }

    /// The rooms `sid` is in (its own room included). Room names are compared by their bytes (``ByteKey``): use
    /// ``isMember(_:of:)`` for access decisions, since this `Set<String>` merges canonically equivalent names.
    public func rooms(of sid: String) -> Set<String> {
        Set((self.socketRooms[sid] ?? []).map(\.string))
    }

    /// Whether `sid` is in `room`, comparing room names byte-wise (`user:café` NFC and NFD are two rooms).
    public func isMember(_ sid: String, of room: SocketIORoom) -> Bool {
        self.socketRooms[sid]?.contains(ByteKey(room.name)) ?? false
    }

    /// The sids in `room`, sorted.
    public func members(of room: SocketIORoom, namespace: String = "/") -> [String] {
        (self.rooms[namespace]?[ByteKey(room.name)] ?? []).sorted()
    }

    /// Adds `sid` to `room`. A sid not held here is asked of the other hosts (`enter_room`) when there is a bus.
    public func join(_ sid: String, room typed: SocketIORoom) {
        let room = typed.name
        guard let session = self.sockets[sid] else {
            self.cluster?.publish(.enterRoom(sid: sid, room: room, namespace: "/", hostID: nil))
            return
        }
        if self.rooms[session.namespace]?[ByteKey(room)] == nil {
            self.roomOccupancy(namespace: session.namespace, room: room, occupied: true)
        }
        let (inserted, _) = self.rooms[session.namespace, default: [:]][ByteKey(room), default: []].insert(sid)
        self.socketRooms[sid, default: []].insert(ByteKey(room))
        if inserted { self.roomChanged(session, room: room, joined: true) }
    }

    /// Removes `sid` from `room`; empty rooms disappear. A sid not held here is published as `leave_room`.
    public func leave(_ sid: String, room typed: SocketIORoom) {
        let room = typed.name
        guard let session = self.sockets[sid] else {
            self.cluster?.publish(.leaveRoom(sid: sid, room: room, namespace: "/", hostID: nil))
            return
        }
        let removed = self.rooms[session.namespace]?[ByteKey(room)]?.remove(sid)
        if self.rooms[session.namespace]?[ByteKey(room)]?.isEmpty == true {
            self.rooms[session.namespace]?[ByteKey(room)] = nil
            self.roomOccupancy(namespace: session.namespace, room: room, occupied: false)
        }
        self.socketRooms[sid]?.remove(ByteKey(room))
        if removed != nil { self.roomChanged(session, room: room, joined: false) }
    }

    /// The models with a recent `usage` event (`get_models_in_use()`).
    public func modelsInUse(now: ContinuousClock.Instant = .now) -> [String] {
        self.openWebUI?.usage.expire(now: now)
        return self.openWebUI?.usage.modelsInUse ?? []
    }

    /// Disconnects socket `sid` (sends DISCONNECT; the Engine.IO session stays for other namespaces). A sid not
    /// held here is published as `disconnect` when there is a bus.
    public func disconnect(_ sid: String) async {
        guard let session = self.sockets[sid] else {
            self.cluster?.publish(.disconnect(sid: sid, namespace: "/", hostID: nil))
            return
        }
        self.send([.message(SocketIOPacket(type: .disconnect, namespace: session.namespace).encoded)],
            toEngine: session.engineSID)
        self.engines[session.engineSID]?.sockets[session.namespace] = nil
        await self.removeSocket(sid)
    }

    /// Disconnects every socket of a user (Open WebUI's `disconnect_user_sessions` after a role change).
    public func disconnectUser(_ userID: String) async {
        for sid in self.sids(ofUser: userID) { await self.disconnect(sid) }
    }

    // MARK: - Emitting

    /// Emits `event` with `arguments` to `room` (every socket of the namespace when nil), skipping `skip`.
    ///
    /// The packet is encoded once and queued to every receiver without suspending. A socket's own sid is a room,
    /// so `to: sid` reaches one socket. Attachments make it a BINARY_EVENT; reference them with
    /// ``JSONValue/placeholder(_:)`` (Open WebUI clients expect int arrays instead: use ``JSONValue/byteArray(_:)``).
    /// - Returns: how many sockets it was sent to.
    @discardableResult
    public func emit(
        _ event: String, _ arguments: [JSONValue], to typed: SocketIORoom? = nil, skipping skip: String? = nil,
        namespace: String = "/", attachments: [[UInt8]] = []
    ) -> Int {
        let room = typed?.name
        let packet = SocketIOPacket.event(
            event, arguments, namespace: namespace, attachmentCount: attachments.count)
        let packets = [EngineIOPacket.message(packet.encoded)] + attachments.map { .binaryMessage($0) }
        let targets: [String]
        if let room {
            targets = Array(self.rooms[namespace]?[ByteKey(room)] ?? [])
        } else {
            targets = self.sockets.values.filter { $0.namespace == namespace }.map(\.sid)
        }
        var count = 0
        for sid in targets where sid != skip {
            guard let session = self.sockets[sid] else { continue }
            self.send(packets, toEngine: session.engineSID)
            count += 1
        }
        if let room, namespace == "/" { count += self.deliverToTaps(room: room, event, arguments) }
        if let cluster = self.cluster, !(room.map { self.isLocalSocketRoom($0) } ?? false) {
            cluster.publish(
                .emit(
                    SocketIOBusEmit(
                        event: event, arguments: arguments, attachments: attachments, namespace: namespace,
                        recipients: room.map { .room($0) } ?? .everyone, skipSIDs: skip.map { [$0] } ?? [],
                        hostID: nil)))
        }
        return count
    }

    /// Emits `event` to one socket and waits for its acknowledgement (python-socketio `call`); a sid held by
    /// another host is called through the bus.
    /// - Throws: ``SocketIOCallError``.
    public func call(
        _ event: String, _ arguments: [JSONValue], to sid: String, timeout: Duration? = nil
    ) async throws(SocketIOCallError) -> [JSONValue] {
        guard let session = self.sockets[sid] else {
            guard let cluster = self.cluster else { throw .notConnected }
            return try await cluster.call(
                event, arguments, attachments: [], to: sid, namespace: "/",
                timeout: timeout ?? self.configuration.callTimeout)
        }
        let id = self.nextAckID[sid, default: 0]
        self.nextAckID[sid] = id + 1
        let packet = SocketIOPacket.event(event, arguments, namespace: session.namespace, ackID: id)
        let limit = timeout ?? self.configuration.callTimeout
        let result = await withCheckedContinuation { continuation in
            self.pendingCalls[sid, default: [:]][id] = continuation
            self.send([.message(packet.encoded)], toEngine: session.engineSID)
            Task { [weak self] in
                try? await Task.sleep(for: limit)
                await self?.finishCall(sid: sid, id: id, with: .failure(.timedOut))
            }
        }
        return try result.get()
    }

    func finishCall(sid: String, id: Int64, with result: Result<[JSONValue], SocketIOCallError>) {
        if self.forwardBusAck(sid: sid, id: id, result) { return }
        guard let continuation = self.pendingCalls[sid]?.removeValue(forKey: id) else { return }
        continuation.resume(returning: result)
    }

    /// Registers the WebSocket of an engine session opened directly on it (no polling phase, so nothing of it can
    /// be waiting in ``roomOutbox``).
    public nonisolated func attachDirectWebSocket(_ outbound: WebSocketOutbound, engineSID: String) {
        directWebSockets.withLock { $0[engineSID] = outbound }
    }

    /// Forgets a direct WebSocket (it closed).
    public nonisolated func detachDirectWebSocket(engineSID: String) {
        _ = directWebSockets.withLock { $0.removeValue(forKey: engineSID) }
    }

    /// The WebSocket of a direct engine session, if it is one.
    nonisolated func directWebSocket(_ engineSID: String) -> WebSocketOutbound? {
        directWebSockets.withLock { $0[engineSID] }
    }

    /// Sends what document rooms queued, in order, until the server shuts down.
    func drainRoomOutbox() async {
        for await (packet, engineSID) in self.roomOutboxStream {
            self.send([.message(packet)], toEngine: engineSID)
        }
    }

    /// Sends an event to one Engine.IO session, over its WebSocket or into its polling queue.
    func send(_ packets: [EngineIOPacket], toEngine engineSID: String) {
        guard var engine = self.engines[engineSID] else { return }
        let actions = engine.state.send(packets)
        self.engines[engineSID] = engine
        _ = self.apply(actions, engineSID: engineSID)  // sending never closes
    }

    /// Drops socket `sid`: rooms, usage, pending calls; then runs the disconnect hooks.
    func removeSocket(_ sid: String) async {
        guard let session = self.sockets.removeValue(forKey: sid) else { return }
        for key in self.socketRooms.removeValue(forKey: sid) ?? [] {
            self.rooms[session.namespace]?[key]?.remove(sid)
            if self.rooms[session.namespace]?[key]?.isEmpty == true {
                self.rooms[session.namespace]?[key] = nil
                self.roomOccupancy(namespace: session.namespace, room: key.string, occupied: false)
            }
            self.roomChanged(session, room: key.string, joined: false)
        }
        self.userConnections?.unregister(sid)
        self.busAcks[sid] = nil
        self.cluster?.sessionActivity(.disconnected(sid: sid))
        self.openWebUI?.remove(sid: sid)
        self.nextAckID[sid] = nil
        for (_, continuation) in self.pendingCalls.removeValue(forKey: sid) ?? [:] {
            continuation.resume(returning: .failure(.disconnected))
        }
        for hook in self.disconnectHooks { await hook(session) }
    }

    static func newID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".utf8)
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<20).map { _ in alphabet[Int(generator.next() % 64)] }, as: UTF8.self)
    }
}
