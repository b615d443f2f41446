import Wire

/// A Redis pub/sub subscriber on its own connection, re-subscribing everything after a reconnect.
///
/// A subscribed RESP2 connection can only (un)subscribe and ping, so subscriptions never share the
/// ``RedisClient`` connection. The subscriber remembers the channels and patterns asked for; after every
/// (re)connection it subscribes to all of them again, which python-socketio's Redis manager also does
/// (`_redis_listen_with_retries`). Messages published while disconnected are lost: Redis pub/sub is at-most-once.
/// Messages arrive on ``messages`` in publish order.
public actor RedisSubscriber {
    /// A published message.
    public struct Message: Sendable, Hashable {
        /// The channel it was published on.
        public var channel: String
        /// The pattern that matched, for PSUBSCRIBE deliveries.
        public var pattern: String?
        /// The payload bytes.
        public var payload: [UInt8]

        public init(channel: String, pattern: String? = nil, payload: [UInt8]) {
            self.channel = channel
            self.pattern = pattern
            self.payload = payload
        }
    }

    private enum Kind: String {
        case channel = "subscribe"
        case pattern = "psubscribe"
    }

    private struct Waiter {
        var kind: Kind
        var names: Set<String>
        var subscribing: Bool
        var continuation: CheckedContinuation<Bool, Never>
    }

    /// The settings this subscriber was made with.
    public nonisolated let configuration: RedisConfiguration
    /// Every message received, in order, across reconnects; finishes when the subscriber is closed.
    public nonisolated let messages: AsyncStream<Message>
    /// The current connection state.
    public private(set) var state: RedisConnectionState = .idle

    private let messageContinuation: AsyncStream<Message>.Continuation
    private let pushes: AsyncStream<RESPValue>
    private let pushContinuation: AsyncStream<RESPValue>.Continuation
    private var connection: RedisConnection?
    private var tasks: [Task<Void, Never>] = []
    private var wanted: [Kind: Set<String>] = [.channel: [], .pattern: []]
    private var confirmed: [Kind: Set<String>] = [.channel: [], .pattern: []]
    private var waiters: [Int: Waiter] = [:]
    private var nextID = 0

    /// A subscriber; call ``start()`` or just ``subscribe(_:timeout:)``.
    /// - Parameter bufferLimit: messages kept for a slow consumer before the oldest are dropped. Default 65,536.
    public init(configuration: RedisConfiguration, bufferLimit: Int = 1 << 16) {
        self.configuration = configuration
        (self.messages, self.messageContinuation) = AsyncStream.makeStream(
            of: Message.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        (self.pushes, self.pushContinuation) = AsyncStream.makeStream(of: RESPValue.self)
    }

    /// The channels currently confirmed by the server.
    public var subscribedChannels: Set<String> { self.confirmed[.channel] ?? [] }

    /// Starts connecting in the background. Calling it again does nothing.
    public func start() {
        guard self.tasks.isEmpty, self.state != .closed else { return }
        self.tasks.append(Task { await self.maintain() })
        self.tasks.append(Task { await self.readPushes() })
    }

    /// Subscribes to `channels` and waits until the server confirms them all.
    /// - Throws: ``RedisError/timeout`` when not confirmed within `timeout` (default: the command timeout); the
    ///   channels stay wanted and are subscribed as soon as a connection is up.
    public func subscribe(_ channels: [String], timeout: Duration? = nil) async throws(RedisError) {
        try await self.change(.channel, Set(channels), subscribing: true, timeout: timeout)
    }

    /// Unsubscribes from `channels` and waits for the confirmation (immediate while disconnected).
    public func unsubscribe(_ channels: [String], timeout: Duration? = nil) async throws(RedisError) {
        try await self.change(.channel, Set(channels), subscribing: false, timeout: timeout)
    }

    /// Subscribes to glob `patterns` (PSUBSCRIBE) and waits for the confirmation.
    public func psubscribe(_ patterns: [String], timeout: Duration? = nil) async throws(RedisError) {
        try await self.change(.pattern, Set(patterns), subscribing: true, timeout: timeout)
    }

    /// Unsubscribes from glob `patterns` (PUNSUBSCRIBE) and waits for the confirmation.
    public func punsubscribe(_ patterns: [String], timeout: Duration? = nil) async throws(RedisError) {
        try await self.change(.pattern, Set(patterns), subscribing: false, timeout: timeout)
    }

    /// Closes the connection, stops reconnecting and finishes ``messages``.
    public func close() {
        self.state = .closed
        for task in self.tasks { task.cancel() }
        self.connection?.close()
        self.connection = nil
        self.pushContinuation.finish()
        self.messageContinuation.finish()
        for waiter in self.waiters.values { waiter.continuation.resume(returning: false) }
        self.waiters = [:]
    }

    // MARK: Subscriptions

    private func change(_ kind: Kind, _ names: Set<String>, subscribing: Bool, timeout: Duration?) async throws(RedisError) {
        guard self.state != .closed else { throw .closed }
        guard !names.isEmpty else { return }
        if subscribing {
            self.wanted[kind, default: []].formUnion(names)
        } else {
            self.wanted[kind, default: []].subtract(names)
        }
        self.start()
        if let connection = self.connection {
            let verb = subscribing ? kind.rawValue : "un" + kind.rawValue
            connection.write(RESPCommand(verb.uppercased(), arguments: names.sorted()).encoded)
        }
        guard !self.isSettled(kind, names, subscribing: subscribing) else { return }
        let id = self.allocateID()
        let deadline = ContinuousClock.now + (timeout ?? self.configuration.commandTimeout)
        let timer = Task {
            try? await Task.sleep(until: deadline)
            self.expire(id)
        }
        let settled = await withCheckedContinuation { continuation in
            self.waiters[id] = Waiter(kind: kind, names: names, subscribing: subscribing, continuation: continuation)
        }
        timer.cancel()
        guard settled else { throw self.state == .closed ? .closed : .timeout }
    }

    private func isSettled(_ kind: Kind, _ names: Set<String>, subscribing: Bool) -> Bool {
        let confirmed = self.confirmed[kind] ?? []
        return subscribing ? names.isSubset(of: confirmed) : names.isDisjoint(with: confirmed)
    }

    private func settleWaiters() {
        for (id, waiter) in self.waiters where self.isSettled(waiter.kind, waiter.names, subscribing: waiter.subscribing) {
            self.waiters[id] = nil
            waiter.continuation.resume(returning: true)
        }
    }

    private func expire(_ id: Int) {
        self.waiters.removeValue(forKey: id)?.continuation.resume(returning: false)
    }

    // MARK: Connection upkeep and pushes

    private func maintain() async {
        var backoff = RedisBackoff(policy: self.configuration.reconnect)
        let pushes = self.pushContinuation
        var lastError = RedisError.notConnected("not started")
        while self.state != .closed && !Task.isCancelled {
            self.state = .connecting(attempt: backoff.attempt)
            do {
                let connection = try await self.configuration.connect { pushes.yield($0) }
                guard self.state != .closed else {
                    connection.close()
                    return
                }
                self.connection = connection
                backoff.reset()
                self.state = .connected
                var bytes: [UInt8] = []
                for kind in [Kind.channel, .pattern] {
                    let names = (self.wanted[kind] ?? []).sorted()
                    if !names.isEmpty { RESPCommand(kind.rawValue.uppercased(), arguments: names).encode(into: &bytes) }
                }
                if !bytes.isEmpty { connection.write(bytes) }
                lastError = await connection.waitUntilClosed()
                self.connection = nil
                self.confirmed = [.channel: [], .pattern: []]
                self.settleWaiters()
            } catch {
                lastError = error
            }
            guard self.state != .closed else { return }
            let delay = backoff.next()
            self.state = .disconnected(lastError: lastError, retryIn: delay)
            try? await Task.sleep(for: delay)
        }
    }

    private func readPushes() async {
        for await push in self.pushes {
            self.handle(push)
        }
    }

    /// Routes one pub/sub frame: `message`/`pmessage` to ``messages``, confirmations to the waiters.
    private func handle(_ push: RESPValue) {
        guard let parts = push.arrayValue, let kind = parts.first?.stringValue else { return }
        switch (kind, parts.count) {
        case ("message", 3), ("smessage", 3):
            guard let channel = parts[1].stringValue, let payload = parts[2].bytesValue else { return }
            self.messageContinuation.yield(Message(channel: channel, payload: payload))
        case ("pmessage", 4):
            guard let pattern = parts[1].stringValue, let channel = parts[2].stringValue,
                let payload = parts[3].bytesValue
            else { return }
            self.messageContinuation.yield(Message(channel: channel, pattern: pattern, payload: payload))
        case ("subscribe", 3), ("psubscribe", 3):
            guard let name = parts[1].stringValue else { return }
            self.confirmed[kind == "subscribe" ? .channel : .pattern, default: []].insert(name)
            self.settleWaiters()
        case ("unsubscribe", 3), ("punsubscribe", 3):
            guard let name = parts[1].stringValue else { return }
            self.confirmed[kind == "unsubscribe" ? .channel : .pattern, default: []].remove(name)
            self.settleWaiters()
        default:
            return
        }
    }

    private func allocateID() -> Int {
        self.nextID += 1
        return self.nextID
    }
}
