import CTandemSystem
import Foundation
import Glibc
import Wire

/// The transport: one thread running an epoll loop over the listening socket and every connection.
///
/// All socket I/O and per-connection protocol state live on this thread. Async code (HTTP handlers, WebSocket
/// sessions, any task that sends) talks to it only through ``post(_:)``: a locked command queue plus a wake-up eventfd,
/// so sending is safe from anywhere and never blocks. Sends issued in one loop iteration are written together, one
/// `writev(2)` over the connection's ``WriteQueue`` chunks (SIGPIPE is ignored). Measured choice: see
/// Docs/server.md (epoll vs Dispatch sources).
final class EventLoop: @unchecked Sendable, WebSocketOutboundSink {
    /// Work handed to the loop thread.
    enum Command {
        case send(UInt64, [UInt8], messageCount: Int)
        /// One frame given as parts written one after another (each kept by reference).
        case sendParts(UInt64, [[UInt8]], messageCount: Int)
        case close(UInt64, WebSocketCloseCode, String)
        case respond(UInt64, HTTPResponse, keepAlive: Bool, includeBody: Bool)
        case upgraded(UInt64, HTTPResponse, AsyncStream<SessionEvent>.Continuation, InboundBudget)
        case upgradeRefused(UInt64, HTTPResponse)
        case resumeReading(UInt64)
        case drained(UInt64)
        case shutdown
    }

    static let listenerID: UInt64 = 0
    static let wakeID: UInt64 = 1
    static let readBufferSize = 64 * 1024
    /// Connections refused with 503 per pause after descriptor exhaustion (the rest wait for the next pause).
    static let maxRefusalsPerPause = 256

    let configuration: ServerConfiguration
    let router: Router
    let metrics: ServerMetrics
    /// Connection and refusal lines (see Docs/operations.md).
    let logger: Logger
    /// The bound port (useful with port 0).
    let port: Int

    let epollFD: Int32
    var listenFD: Int32
    /// An eventfd that other threads write to wake the loop.
    private let wakeFD: Int32
    /// A descriptor held in reserve (`/dev/null`): given up to accept and refuse a connection when the process is
    /// out of descriptors, then taken again (-1 when it could not be reopened).
    var spareFD: Int32
    /// Pauses polling of the listener after `EMFILE`/`ENFILE` (issue 19, #6).
    var acceptThrottle: AcceptThrottle

    private let lock = NSLock()
    private var commands: [Command] = []
    private var wakeRequested = false
    private var stopped = false
    private var onStop: [@Sendable () -> Void] = []

    // Loop-thread state.
    var connections: [UInt64: ServerConnection] = [:]
    var nextID: UInt64 = 2
    var dirty: [ServerConnection] = []
    let readBuffer: UnsafeMutableRawBufferPointer
    var shutdownDeadline: ContinuousClock.Instant?

    init(configuration: ServerConfiguration, router: Router, metrics: ServerMetrics, logger: Logger) throws {
        self.configuration = configuration
        self.router = router
        self.metrics = metrics
        self.logger = logger
        Socket.raiseOpenFileLimit()
        signal(SIGPIPE, SIG_IGN)
        self.spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        self.acceptThrottle = AcceptThrottle(
            initialBackoff: configuration.acceptBackoff, maxBackoff: configuration.maxAcceptBackoff)
        self.listenFD = try Socket.listen(
            host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        self.port = Socket.localPort(self.listenFD)
        self.epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        self.wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard self.epollFD >= 0, self.wakeFD >= 0 else {
            Glibc.close(self.listenFD)
            throw Socket.Error(call: "epoll_create1/eventfd", errno: errno)
        }
        self.readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readBufferSize, alignment: 16)
        self.register(self.listenFD, id: Self.listenerID, events: EPOLLIN.rawValue, modify: false)
        self.register(self.wakeFD, id: Self.wakeID, events: EPOLLIN.rawValue, modify: false)
    }

    deinit {
        self.readBuffer.deallocate()
    }

    /// Starts the loop on its own thread; `onStop` runs on that thread after the loop has exited.
    func start(onStop: @escaping @Sendable () -> Void) {
        self.lock.withLock { self.onStop.append(onStop) }
        let thread = Thread { self.run() }
        thread.name = "tandem-event-loop"
        thread.stackSize = 1 << 20
        thread.start()
    }

    // MARK: Commands from other threads

    /// Queues a command for the loop thread; safe from any thread.
    func post(_ command: Command) {
        let wake: Bool? = self.lock.withLock {
            if self.stopped { return nil }
            self.commands.append(command)
            defer { self.wakeRequested = true }
            return !self.wakeRequested
        }
        switch wake {
        case nil:
            // The loop is gone: a session that was being set up still gets its single `closed` event.
            if case .upgraded(_, _, let continuation, _) = command {
                continuation.yield(.closed(.goingAway))
                continuation.finish()
            }
        case true?:
            var one: UInt64 = 1
            _ = write(self.wakeFD, &one, 8)
        case false?:
            break
        }
    }

    func enqueue(connection: UInt64, frames: [UInt8], messageCount: Int) {
        self.post(.send(connection, frames, messageCount: messageCount))
    }

    func enqueue(connection: UInt64, frameParts: [[UInt8]], messageCount: Int) {
        self.post(.sendParts(connection, frameParts, messageCount: messageCount))
    }

    func close(connection: UInt64, code: WebSocketCloseCode, reason: String) {
        self.post(.close(connection, code, reason))
    }

    // MARK: The loop

    private func run() {
        let maxEvents: Int32 = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(maxEvents))
        defer { events.deallocate() }
        var nextTick = ContinuousClock.now + .seconds(1)
        while true {
            let now = ContinuousClock.now
            let wake = self.acceptThrottle.resumeAt.map { min($0, nextTick) } ?? nextTick
            let timeout = max(0, Int32((wake - now).milliseconds))
            let count = epoll_wait(self.epollFD, events, maxEvents, timeout)
            if count < 0 && errno != EINTR { break }
            let afterWait = ContinuousClock.now
            for index in 0..<Int(max(count, 0)) {
                let event = events[index]
                switch event.data.u64 {
                case Self.listenerID: self.acceptConnections(now: afterWait)
                case Self.wakeID: self.drainWakePipe()
                case let id:
                    guard let connection = self.connections[id] else { continue }
                    self.handle(events: event.events, on: connection, now: afterWait)
                }
            }
            self.runCommands(now: afterWait)
            if self.acceptThrottle.shouldResume(now: afterWait) { self.resumeAccepting(now: afterWait) }
            if afterWait >= nextTick {
                self.tick(now: afterWait)
                nextTick = afterWait + .seconds(1)
            }
            self.flushDirty(now: afterWait)
            if let deadline = self.shutdownDeadline {
                if self.connections.isEmpty { break }
                if afterWait >= deadline {
                    for connection in Array(self.connections.values) { self.teardown(connection) }
                    break
                }
            }
        }
        self.stop()
    }

    private func stop() {
        let (callbacks, leftover): ([@Sendable () -> Void], [Command]) = self.lock.withLock {
            self.stopped = true
            defer { self.commands = [] }
            return (self.onStop, self.commands)
        }
        for command in leftover {
            if case .upgraded(_, _, let continuation, _) = command {
                continuation.yield(.closed(.goingAway))
                continuation.finish()
            }
        }
        for connection in Array(self.connections.values) { self.teardown(connection) }
        if self.listenFD >= 0 { Glibc.close(self.listenFD) }
        if self.spareFD >= 0 { Glibc.close(self.spareFD) }
        Glibc.close(self.epollFD)
        Glibc.close(self.wakeFD)
        for callback in callbacks { callback() }
    }

    private func drainWakePipe() {
        var counter: UInt64 = 0
        _ = read(self.wakeFD, &counter, 8)
    }

    private func runCommands(now: ContinuousClock.Instant) {
        let batch: [Command] = self.lock.withLock {
            guard !self.commands.isEmpty else { return [] }
            defer {
                self.commands = []
                self.wakeRequested = false
            }
            return self.commands
        }
        for command in batch {
            self.run(command, now: now)
        }
    }

    private func run(_ command: Command, now: ContinuousClock.Instant) {
        switch command {
        case .send(let id, let bytes, let messageCount):
            guard let connection = self.connections[id] else { return }
            self.sendApplicationFrames(CollectionOfOne(bytes), messageCount: messageCount, on: connection, now: now)
        case .sendParts(let id, let parts, let messageCount):
            guard let connection = self.connections[id] else { return }
            self.sendApplicationFrames(parts, messageCount: messageCount, on: connection, now: now)
        case .close(let id, let code, let reason):
            guard let connection = self.connections[id] else { return }
            self.perform(connection.lifecycle.closeRequested(code: code, reason: reason), on: connection, now: now)
        case .respond(let id, let response, let keepAlive, let includeBody):
            guard let connection = self.connections[id] else { return }
            self.respond(response, keepAlive: keepAlive, includeBody: includeBody, on: connection, now: now)
        case .upgraded(let id, let response, let continuation, let budget):
            guard let connection = self.connections[id] else {
                continuation.yield(.closed(.abnormalClosure))
                continuation.finish()
                return
            }
            self.completeUpgrade(response, continuation: continuation, budget: budget, on: connection, now: now)
        case .upgradeRefused(let id, let response):
            guard let connection = self.connections[id] else { return }
            connection.pendingAfterUpgrade.removeAll()
            self.metrics.error(.handshake)
            self.respond(response, keepAlive: false, includeBody: true, on: connection, now: now)
        case .resumeReading(let id):
            guard let connection = self.connections[id] else { return }
            connection.lifecycle.resumeReading()
            self.processWebSocketInput(connection, now: now)
            self.updateInterest(connection)
        case .drained(let id):
            guard let connection = self.connections[id] else { return }
            self.sessionDrained(connection, now: now)
        case .shutdown:
            self.beginShutdown(now: now)
        }
    }

    // MARK: Timers and shutdown

    private func tick(now: ContinuousClock.Instant) {
        for connection in Array(self.connections.values) {
            let action = connection.lifecycle.tick(now: now, requestInProgress: !connection.parser.isIdle)
            self.perform(action, on: connection, now: now)
            switch connection.phase {
            case .webSocket:
                guard var state = connection.state else { continue }
                let action = state.tick(now: now)
                connection.state = state
                if case .sendClose(_, thenShutdown: true) = action {
                    self.metrics.error(.keepaliveTimeout)
                    self.logger.warn(
                        "websocket closed", ["connection": connection.id, "reason": "keepalive_timeout"])
                }
                self.perform(action, on: connection, now: now)
            case .http, .draining, .awaitingResponse, .upgrading, .closed:
                break
            }
        }
    }

    private func beginShutdown(now: ContinuousClock.Instant) {
        guard self.shutdownDeadline == nil else { return }
        self.shutdownDeadline = now + self.configuration.shutdownGracePeriod
        epoll_ctl(self.epollFD, EPOLL_CTL_DEL, self.listenFD, nil)
        Glibc.close(self.listenFD)
        self.listenFD = -1
        for connection in Array(self.connections.values) {
            let action = connection.lifecycle.shutdownBegan(requestInProgress: !connection.parser.isIdle)
            self.perform(action, on: connection, now: now)
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded up, clamped to `Int32`.
    var milliseconds: Int {
        let (seconds, attoseconds) = self.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(min(max(millis, Int64(Int32.min)), Int64(Int32.max)))
    }
}
