import Wire

/// Tandem's Socket.IO server as one host of python-socketio's Redis pub/sub cluster (`AsyncRedisManager`, or Open
/// WebUI's `AsyncRedisRoomChannelManager`), so Open WebUI's workers and Tandem reach each other's sockets.
///
/// Every emit of the local server is published (except to a local socket's own room) and delivered by each host to
/// its own members; messages from other hosts are applied to local sockets by ``SocketIOServer/applyBusMessage(_:)``;
/// a `call` to a sid held elsewhere is an emit with `callback: [sid, namespace, id]`, answered by a `callback`
/// message addressed to this `host_id`. Messages with this host's `host_id` are ignored (except callbacks to it).
/// Publishing is ordered and pipelined; Redis outages are ridden out by ``RedisClient`` / ``RedisSubscriber``
/// (reconnect with backoff, resubscribe); messages published meanwhile are lost, as with python-socketio.
public final class SocketIORedisBus: SocketIOClusterLink, Sendable {
    public let settings: SocketIOBusSettings
    public let client: RedisClient
    public let subscriber: RedisSubscriber
    public let server: SocketIOServer
    let pools: SocketIOSessionPools

    private struct PendingCall {
        var sid: String
        var continuation: CheckedContinuation<Result<[JSONValue], SocketIOCallError>, Never>
    }

    private struct State {
        var outbox: [SocketIOBusMessage] = []
        var wantedRooms: Set<String> = []
        var roomGeneration = 0
        var syncedGeneration = 0
        var settleWaiters: [Int: (generation: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        var calls: [Int64: PendingCall] = [:]
        var nextID: Int64 = 0
        var tasks: [Task<Void, Never>] = []
        var dropped = 0
    }

    private let state = Locked(State())
    private let publishWake: AsyncStream<Void>.Continuation
    private let publishSignals: AsyncStream<Void>
    private let roomWake: AsyncStream<Void>.Continuation
    private let roomSignals: AsyncStream<Void>
    private let metrics: BusMetrics?

    /// A bus for `server` over `client` (commands, publishing) and `subscriber` (its own connection).
    public init(
        server: SocketIOServer, client: RedisClient, subscriber: RedisSubscriber, settings: SocketIOBusSettings = .init(),
        metrics: MetricsRegistry? = nil, wallClock: @escaping @Sendable () -> Double
    ) {
        self.server = server
        self.client = client
        self.subscriber = subscriber
        self.settings = settings
        self.pools = SocketIOSessionPools(client: client, settings: settings, wallClock: wallClock)
        (self.publishSignals, self.publishWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (self.roomSignals, self.roomWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.metrics = metrics.map(BusMetrics.init)
    }

    /// Subscribes to the base channel, attaches to the server and starts the publishing, listening, room and pool
    /// tasks. Redis need not be up: subscriptions and writes happen once it is.
    public func start() async {
        let tasks = [
            Task { await self.listen() }, Task { await self.drainPublishes() }, Task { await self.syncRooms() },
            Task { await self.pools.run() },
        ]
        self.state.withLock { $0.tasks = tasks }
        do {
            try await self.subscriber.subscribe([self.settings.channels.base], timeout: self.settings.settleTimeout)
        } catch {
            Log.shared.warn("redis bus: subscribing waits for Redis", ["error": "\(error)"])
        }
        await self.server.attachCluster(self)
        Log.shared.info(
            "redis bus started",
            ["host_id": self.settings.hostID, "channel": self.settings.channels.base,
             "room_channels": "\(self.settings.channels.roomChannels)", "key_prefix": self.settings.keyPrefix])
    }

    /// Detaches from the server, writes the pool changes still queued (bounded by `timeout`) and stops; pending
    /// calls fail with ``SocketIOCallError/disconnected``. Call after the server closed its sockets, so their
    /// sessions leave `session_pool`.
    public func stop(timeout: Duration = .seconds(2)) async {
        await self.server.detachCluster()
        await self.pools.finish(timeout: timeout)
        let (tasks, calls, waiters) = self.state.withLock { state in
            defer { state.tasks = []; state.calls = [:]; state.settleWaiters = [:] }
            return (state.tasks, state.calls, state.settleWaiters)
        }
        for task in tasks { task.cancel() }
        for call in calls.values { call.continuation.resume(returning: .failure(.disconnected)) }
        for waiter in waiters.values { waiter.continuation.resume() }
        self.publishWake.finish()
        self.roomWake.finish()
    }

    /// Ready when both Redis connections are up and the server answers PING (the `/readyz` check).
    public func isReady() async -> Bool {
        guard await self.subscriber.state == .connected else { return false }
        return (try? await self.client.send(RESPCommand("PING"), timeout: .seconds(1))) != nil
    }

    /// The sids of `userID` on every host of the bus, from Open WebUI's shared `session_pool` (Tandem nodes write
    /// their sockets there too); nil when Redis cannot be read.
    public func sessions(ofUser userID: String) async -> [(sid: String, lastSeenAt: Int64?)]? {
        do {
            return try await self.pools.sessions(ofUser: userID)
        } catch {
            Log.shared.warn("redis bus: session pool not read", ["error": "\(error)"])
            return nil
        }
    }

    // MARK: SocketIOClusterLink

    public func publish(_ message: SocketIOBusMessage) {
        let stamped = message.stamped(hostID: self.settings.hostID)
        let accepted = self.state.withLock { state -> Bool in
            guard state.outbox.count < self.settings.maxPendingPublishes else {
                state.dropped += 1
                return false
            }
            state.outbox.append(stamped)
            return true
        }
        guard accepted else {
            self.metrics?.dropped.increment()
            Log.shared.warn("redis bus: publish queue full, message dropped", ["method": message.method])
            return
        }
        self.publishWake.yield()
    }

    public func roomOccupancyChanged(namespace: String, room: String, occupied: Bool) {
        guard self.settings.channels.roomChannels else { return }
        let channel = self.settings.channels.channel(namespace: namespace, room: room)
        self.state.withLock { state in
            if occupied { state.wantedRooms.insert(channel) } else { state.wantedRooms.remove(channel) }
            state.roomGeneration += 1
        }
        self.roomWake.yield()
    }

    public func roomsSettled() async {
        guard self.settings.channels.roomChannels else { return }
        let id = self.state.withLock { state -> Int64 in
            state.nextID += 1
            return state.nextID
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let settled = self.state.withLock { state -> Bool in
                guard state.syncedGeneration < state.roomGeneration else { return true }
                state.settleWaiters[Int(id)] = (state.roomGeneration, continuation)
                return false
            }
            if settled { return continuation.resume() }
            let timeout = self.settings.settleTimeout
            Task {
                try? await Task.sleep(for: timeout)
                self.state.withLock { $0.settleWaiters.removeValue(forKey: Int(id)) }?.continuation.resume()
            }
        }
    }

    public func call(
        _ event: String, _ arguments: [JSONValue], attachments: [[UInt8]], to sid: String, namespace: String,
        timeout: Duration
    ) async throws(SocketIOCallError) -> [JSONValue] {
        let id = self.state.withLock { state -> Int64 in
            state.nextID += 1
            return state.nextID
        }
        let result = await withCheckedContinuation { continuation in
            self.state.withLock { $0.calls[id] = PendingCall(sid: sid, continuation: continuation) }
            self.publish(
                .emit(
                    SocketIOBusEmit(
                        event: event, arguments: arguments, attachments: attachments, namespace: namespace,
                        recipients: .room(sid),
                        callback: SocketIOBusCallbackRequest(room: sid, namespace: namespace, id: id), hostID: nil)))
            Task {
                try? await Task.sleep(for: timeout)
                self.state.withLock { $0.calls.removeValue(forKey: id) }?.continuation.resume(returning: .failure(.timedOut))
            }
        }
        return try result.get()
    }

    public func sessionActivity(_ activity: SocketIOSessionActivity) {
        self.pools.record(activity)
    }

    // MARK: Tasks

    /// Decodes and applies every message received, in order.
    private func listen() async {
        for await message in self.subscriber.messages {
            let decoded: SocketIOBusMessage
            do {
                decoded = try SocketIOBusMessage(json: message.payload, limits: self.settings.limits)
            } catch {
                self.metrics?.malformed.increment()
                Log.shared.warn("redis bus: message dropped", ["channel": message.channel, "error": "\(error)"])
                continue
            }
            guard decoded.isFor(hostID: self.settings.hostID) else { continue }
            self.metrics?.received.increment()
            if case .callback(let callback) = decoded {
                self.resolve(callback)
            } else {
                await self.server.applyBusMessage(decoded)
            }
        }
    }

    /// Answers a call of ours (`_handle_callback` → `trigger_callback(sid, id, args)`); unknown ids are ignored.
    private func resolve(_ callback: SocketIOBusCallback) {
        let call = self.state.withLock { state -> PendingCall? in
            guard state.calls[callback.id]?.sid == callback.sid else { return nil }
            return state.calls.removeValue(forKey: callback.id)
        }
        call?.continuation.resume(returning: .success(callback.arguments))
    }

    /// Publishes queued messages in order, in pipelined batches.
    private func drainPublishes() async {
        for await _ in self.publishSignals {
            while true {
                let batch = self.state.withLock { state -> [SocketIOBusMessage] in
                    let batch = Array(state.outbox.prefix(self.settings.maxPublishBatch))
                    state.outbox.removeFirst(batch.count)
                    return batch
                }
                if batch.isEmpty { break }
                let commands = batch.map {
                    RESPCommand("PUBLISH", self.settings.channels.channel(for: $0), $0.serializedBytes())
                }
                do {
                    let replies = try await self.client.pipeline(commands)
                    let failed = replies.filter { $0.errorMessage != nil }.count
                    self.metrics?.published.increment(by: Int64(batch.count - failed))
                    if failed > 0 {
                        self.metrics?.publishFailures.increment(by: Int64(failed))
                        Log.shared.warn("redis bus: PUBLISH refused", ["count": failed])
                    }
                } catch {
                    self.metrics?.publishFailures.increment(by: Int64(batch.count))
                    Log.shared.warn("redis bus: cannot publish", ["count": batch.count, "error": "\(error)"])
                }
            }
        }
    }

    /// Keeps the room-channel subscriptions equal to the rooms with local members.
    private func syncRooms() async {
        var subscribed = Set<String>()
        for await _ in self.roomSignals {
            let (wanted, generation) = self.state.withLock { ($0.wantedRooms, $0.roomGeneration) }
            let added = wanted.subtracting(subscribed)
            let removed = subscribed.subtracting(wanted)
            // A timeout leaves the channels wanted by the subscriber, which subscribes them once Redis is back.
            if !added.isEmpty { try? await self.subscriber.subscribe(added.sorted(), timeout: self.settings.settleTimeout) }
            if !removed.isEmpty { try? await self.subscriber.unsubscribe(removed.sorted(), timeout: self.settings.settleTimeout) }
            subscribed = wanted
            let ready = self.state.withLock { state in
                state.syncedGeneration = max(state.syncedGeneration, generation)
                let ready = state.settleWaiters.filter { $0.value.generation <= generation }
                for id in ready.keys { state.settleWaiters[id] = nil }
                return ready.values.map(\.continuation)
            }
            for continuation in ready { continuation.resume() }
        }
    }
}

/// The bus counters.
private struct BusMetrics: Sendable {
    let published: MetricCounter
    let received: MetricCounter
    let malformed: MetricCounter
    let dropped: MetricCounter
    let publishFailures: MetricCounter

    init(_ registry: MetricsRegistry) {
        self.published = registry.counter("tandem_redis_bus_published_total", help: "Bus messages published")
        self.received = registry.counter("tandem_redis_bus_received_total", help: "Bus messages from other hosts applied")
        self.malformed = registry.counter("tandem_redis_bus_malformed_total", help: "Bus messages that did not decode")
        self.dropped = registry.counter("tandem_redis_bus_dropped_total", help: "Messages dropped on a full publish queue")
        self.publishFailures = registry.counter("tandem_redis_bus_publish_failures_total", help: "Messages Redis did not take")
    }
}

extension SocketIOBusMessage {
    /// The message with `host_id` set to `hostID`, except a callback, whose `host_id` names its addressee.
    func stamped(hostID: String) -> SocketIOBusMessage {
        switch self {
        case .emit(var emit):
            emit.hostID = hostID
            return .emit(emit)
        case .callback: return self
        case .disconnect(let sid, let namespace, _): return .disconnect(sid: sid, namespace: namespace, hostID: hostID)
        case .enterRoom(let sid, let room, let namespace, _):
            return .enterRoom(sid: sid, room: room, namespace: namespace, hostID: hostID)
        case .leaveRoom(let sid, let room, let namespace, _):
            return .leaveRoom(sid: sid, room: room, namespace: namespace, hostID: hostID)
        case .closeRoom(let room, let namespace, _): return .closeRoom(room: room, namespace: namespace, hostID: hostID)
        }
    }
}
