import Wire

/// A Redis client: one pipelined connection, re-opened with exponential backoff whenever it fails.
///
/// Commands from any task share the connection and are written in call order; replies come back in the same order
/// (RESP request/response), so concurrent callers and ``pipeline(_:timeout:)`` batches need no extra round trips.
/// A command issued while the client is (re)connecting waits for the connection within its own timeout. When a
/// command times out, the connection is closed and re-opened (see ``RedisError/timeout``). Observe the connection
/// through ``state`` and ``stateUpdates()``. Scripts go through ``evaluate(_:keys:arguments:timeout:)``, which uses
/// EVALSHA and falls back to EVAL on NOSCRIPT.
public actor RedisClient {
    /// The settings this client was made with.
    public nonisolated let configuration: RedisConfiguration
    /// Round-trip, failure and reconnect counts; nil when nobody exports them.
    public nonisolated let metrics: RedisClientMetrics?
    private var connections = 0
    /// The current connection state.
    public private(set) var state: RedisConnectionState = .idle {
        didSet { for continuation in self.stateObservers.values { continuation.yield(self.state) } }
    }

    private var connection: RedisConnection?
    private var maintainer: Task<Void, Never>?
    private var lastError: RedisError = .notConnected("not started")
    private var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    private var stateObservers: [Int: AsyncStream<RedisConnectionState>.Continuation] = [:]
    private var nextID = 0

    public init(configuration: RedisConfiguration, metrics: RedisClientMetrics? = nil) {
        self.configuration = configuration
        self.metrics = metrics
    }

    /// A client for a `redis://` or `unix://` URL with default settings (not yet connected).
    public init(url: String) throws(RedisError) {
        self.init(configuration: try RedisConfiguration(url: url))
    }

    /// Starts connecting in the background (the first command does it too). Calling it again does nothing.
    public func start() {
        guard self.maintainer == nil, self.state != .closed else { return }
        self.maintainer = Task { await self.maintain() }
    }

    /// Waits until the client is connected, starting it if needed.
    /// - Throws: ``RedisError/notConnected(_:)`` after `timeout` (default: the command timeout), or ``RedisError/closed``.
    public func waitUntilConnected(timeout: Duration? = nil) async throws(RedisError) {
        _ = try await self.connected(deadline: .now + (timeout ?? self.configuration.commandTimeout))
    }

    /// The state now and every later change, for as long as the stream is iterated.
    public func stateUpdates() -> AsyncStream<RedisConnectionState> {
        let (stream, continuation) = AsyncStream.makeStream(of: RedisConnectionState.self, bufferingPolicy: .bufferingNewest(16))
        let id = self.allocateID()
        self.stateObservers[id] = continuation
        continuation.yield(self.state)
        continuation.onTermination = { _ in Task { await self.removeObserver(id) } }
        return stream
    }

    /// Sends one command and returns its reply.
    /// - Throws: ``RedisError/server(_:)`` for an error reply, or a connection error.
    public func send(_ command: RESPCommand, timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        let replies = try await self.pipeline([command], timeout: timeout)
        guard let reply = replies.first else { throw .protocolViolation("no reply") }
        if let message = reply.errorMessage { throw .server(message) }
        return reply
    }

    /// Sends many commands as pipelines of at most `batch` (512) each, one after another, ignoring the replies: for
    /// rewriting a large mirror without building one huge write. Error replies are not checked.
    /// - Throws: the first connection error or timeout; the batches before it were sent.
    public func send(batched commands: [RESPCommand], batch: Int = 512, timeout: Duration? = nil) async throws(RedisError) {
        let size = max(1, batch)
        var start = 0
        while start < commands.count {
            _ = try await self.pipeline(Array(commands[start..<min(start + size, commands.count)]), timeout: timeout)
            start += size
        }
    }

    /// Sends `commands` in one write and returns their replies in order. Error replies are returned as values
    /// (``RESPValue/error(_:)``), so one failing command does not hide the others' results.
    /// - Throws: a connection error or timeout, which fails the whole batch.
    public func pipeline(_ commands: [RESPCommand], timeout: Duration? = nil) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        let deadline = ContinuousClock.now + (timeout ?? self.configuration.commandTimeout)
        var bytes: [UInt8] = []
        for command in commands { command.encode(into: &bytes) }
        let started = ContinuousClock.now
        while true {
            let connection: RedisConnection
            do {
                connection = try await self.connected(deadline: deadline)
            } catch {
                self.metrics?.failures.increment()
                throw error
            }
            let reply = await connection.request(bytes, replies: commands.count, deadline: deadline)
            // A connection that closed before the batch was written: nothing was sent, so use the next one.
            if case .failure(.notConnected) = reply {
                if self.connection === connection { self.connection = nil }
                continue
            }
            switch reply {
            case .success(let values):
                self.metrics?.roundTrip.observe(since: started)
                return values
            case .failure(let error):
                self.metrics?.failures.increment()
                throw error
            }
        }
    }

    /// Closes the connection and stops reconnecting; pending and later commands fail with ``RedisError/closed``.
    public func close() {
        self.state = .closed
        self.maintainer?.cancel()
        self.connection?.close()
        self.connection = nil
        for waiter in self.waiters.values { waiter.resume(returning: false) }
        self.waiters = [:]
        for observer in self.stateObservers.values { observer.finish() }
        self.stateObservers = [:]
    }

    // MARK: Connection upkeep

    private func maintain() async {
        var backoff = RedisBackoff(policy: self.configuration.reconnect)
        while self.state != .closed && !Task.isCancelled {
            self.state = .connecting(attempt: backoff.attempt)
            do {
                let connection = try await self.configuration.connect()
                guard self.state != .closed else {
                    connection.close()
                    return
                }
                self.connection = connection
                self.connections += 1
                if self.connections > 1 { self.metrics?.reconnects.increment() }
                backoff.reset()
                self.state = .connected
                self.resumeWaiters(true)
                self.lastError = await connection.waitUntilClosed()
                if self.connection === connection { self.connection = nil }
            } catch {
                self.lastError = error
            }
            guard self.state != .closed else { return }
            let delay = backoff.next()
            self.state = .disconnected(lastError: self.lastError, retryIn: delay)
            try? await Task.sleep(for: delay)
        }
    }

    /// The live connection, waiting for one until `deadline`.
    private func connected(deadline: ContinuousClock.Instant) async throws(RedisError) -> RedisConnection {
        while true {
            if self.state == .closed { throw .closed }
            if let connection = self.connection { return connection }
            self.start()
            guard deadline > .now else { throw .notConnected("\(self.lastError)") }
            let id = self.allocateID()
            let timer = Task {
                try? await Task.sleep(until: deadline)
                self.expireWaiter(id)
            }
            _ = await withCheckedContinuation { continuation in self.waiters[id] = continuation }
            timer.cancel()
        }
    }

    private func expireWaiter(_ id: Int) {
        self.waiters.removeValue(forKey: id)?.resume(returning: false)
    }

    private func resumeWaiters(_ connected: Bool) {
        let waiters = self.waiters
        self.waiters = [:]
        for waiter in waiters.values { waiter.resume(returning: connected) }
    }

    private func removeObserver(_ id: Int) {
        self.stateObservers[id] = nil
    }

    private func allocateID() -> Int {
        self.nextID += 1
        return self.nextID
    }
}
