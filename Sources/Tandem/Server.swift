import Foundation
import Wire

/// The Tandem server: binds the socket, runs the event loop, routes requests and shuts down gracefully.
///
/// Composition: build a ``Router`` (each endpoint registers its routes), a ``ServerConfiguration`` and a
/// ``MetricsRegistry``, then `try await Server(...).run()`. `/healthz`, `/readyz`, `/metrics` and (with
/// ``ServerConfiguration/echo``) the echo WebSocket are added unless the router already has them.
/// Shutdown (``shutdown()``, or SIGTERM/SIGINT after ``installSignalHandlers()``): stop accepting, close WebSockets
/// with 1001, let open requests finish within ``ServerConfiguration/shutdownGracePeriod``, then run the hooks
/// registered with ``onShutdown(_:)`` in order, then ``run()`` returns.
public final class Server: Sendable {
    /// The configuration the server was started with.
    public let configuration: ServerConfiguration
    /// The registry `/metrics` renders; endpoints may add their own counters and gauges.
    public let metrics: MetricsRegistry
    /// The transport's own metrics.
    public let serverMetrics: ServerMetrics
    /// The checks of `GET /readyz` (see ``registerReadinessCheck(_:timeout:_:)``).
    public let readiness = ReadinessChecks()
    /// Where the transport logs connections and refused requests.
    public let logger: Logger
    private let loop: EventLoop
    private let state = ServerState()

    /// Binds the listening socket (so the port is known and errors surface here) without serving yet.
    ///
    /// - Throws: when the address cannot be bound.
    /// - Parameter logger: where connection and refusal lines go; default ``Log/shared`` at the time of the call.
    /// - Throws: when the address cannot be bound.
    public init(
        configuration: ServerConfiguration, router: Router, metrics: MetricsRegistry = MetricsRegistry(),
        logger: Logger? = nil
    ) throws {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger ?? Log.shared
        let serverMetrics = ServerMetrics(registry: metrics)
        self.serverMetrics = serverMetrics
        var router = router
        BuiltinEndpoints.install(
            on: &router, configuration: configuration, metrics: metrics, serverMetrics: serverMetrics,
            readiness: self.readiness)
        self.loop = try EventLoop(
            configuration: configuration, router: router, metrics: serverMetrics, logger: self.logger)
    }

    /// Adds a check to `GET /readyz`: the server reports ready only while every check returns true within
    /// `timeout` (default 2 s). Checks run on every probe, concurrently; keep them cheap (a ping, a stat).
    /// Registering a name again replaces its check.
    public func registerReadinessCheck(
        _ name: String, timeout: Duration = ReadinessChecks.defaultTimeout,
        _ check: @escaping @Sendable () async -> Bool
    ) {
        self.readiness.register(name, timeout: timeout, check)
    }

    /// The bound TCP port (the real one when the configuration asked for port 0).
    public var port: Int { self.loop.port }

    /// Registers an async hook run once during shutdown, after connections are closed (persistence flushes here).
    public func onShutdown(_ hook: @escaping @Sendable () async -> Void) {
        self.state.addHook(hook)
    }

    /// Serves until shutdown completes (including the shutdown hooks).
    public func run() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.loop.start {
                continuation.resume()
            }
        }
        for hook in self.state.takeHooks() {
            await hook()
        }
        self.state.finish()
    }

    /// Starts a graceful shutdown; returns immediately (``run()`` returns when it is complete). `/readyz` fails from
    /// now on.
    public func shutdown() {
        self.readiness.stopAccepting()
        self.loop.post(.shutdown)
    }

    /// Turns SIGTERM and SIGINT into a graceful ``shutdown()``; a second signal exits immediately.
    ///
    /// Returns once Dispatch has registered both sources with the kernel (at most 5 s): Dispatch opens the
    /// descriptor it reads signals from lazily, on its own thread, and a server that runs out of descriptors right
    /// after starting (a connection flood) would otherwise be left deaf to SIGTERM, the signals being ignored.
    public func installSignalHandlers() {
        let registered = DispatchGroup()
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.setEventHandler { [self] in
                if self.state.noteSignal() {
                    self.logger.warn("second signal, exiting now", ["signal": signalNumber])
                    self.logger.sink.flush()
                    exit(1)
                }
                self.logger.info("shutting down", ["signal": signalNumber])
                self.shutdown()
            }
            source.resume()
            self.state.keep(source)
        }
        if registered.wait(timeout: .now() + 5) == .timedOut {
            self.logger.warn("signal handlers not registered within 5 s; SIGTERM may not stop the server")
        }
    }
}

/// The server's small mutable state: shutdown hooks and signal sources.
private final class ServerState: @unchecked Sendable {
    private let lock = NSLock()
    private var hooks: [@Sendable () async -> Void] = []
    private var signalSources: [any DispatchSourceSignal] = []
    private var signalled = false

    func addHook(_ hook: @escaping @Sendable () async -> Void) {
        self.lock.withLock { self.hooks.append(hook) }
    }

    func takeHooks() -> [@Sendable () async -> Void] {
        self.lock.withLock {
            defer { self.hooks = [] }
            return self.hooks
        }
    }

    func keep(_ source: any DispatchSourceSignal) {
        self.lock.withLock { self.signalSources.append(source) }
    }

    /// Records a signal; true if one was already received.
    func noteSignal() -> Bool {
        self.lock.withLock {
            defer { self.signalled = true }
            return self.signalled
        }
    }

    func finish() {
        let sources = self.lock.withLock {
            defer { self.signalSources = [] }
            return self.signalSources
        }
        for source in sources { source.cancel() }
    }
}
