import Foundation
import Tandem
import Wire

/// `tandem serve`: parse flags and environment, build the router, run the server until SIGTERM/SIGINT.
///
/// To add a flag: add a property to ``ServeOptions`` if the configuration has no place for it, and one entry to
/// ``ServeCommand/flags``. To add an endpoint: register its routes in ``ServeCommand/makeRouter(options:metrics:)``.
struct ServeOptions {
    var configuration = ServerConfiguration()
    /// Everything of the application (documents, Socket.IO, Open WebUI mode); see ``AppConfiguration``.
    var app = AppConfiguration()
    /// `--log-level` (default info) and `--log-format` (default text): see ServeCommand+Operations.swift.
    var logLevel = LogLevel.info
    var logFormat = LogFormat.text
    /// `--redis`, `--redis-key-prefix`, `--redis-room-channels` before the Open WebUI fallbacks (ServeCommand+SocketIO).
    var redis = RedisFlags()
}

enum ServeCommand {
    static var flags: [FlagParser<ServeOptions>.Flag] {
        [
            .init("--host", env: "TANDEM_HOST", value: "ADDRESS", help: "interface to bind (default 127.0.0.1)") {
                $0.configuration.host = $1
            },
            .init("--port", env: "TANDEM_PORT", value: "PORT", help: "TCP port, 0 for any free port (default 8080)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.port = try FlagValue.int(value, flag: "--port", range: 0...65535)
            },
            .init("--max-frame-size", env: "TANDEM_MAX_FRAME_SIZE", value: "BYTES",
                  help: "largest WebSocket frame, except Socket.IO (--max-payload) (default 16M)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.maxFrameSize = try FlagValue.byteSize(value, flag: "--max-frame-size")
            },
            .init("--max-message-size", env: "TANDEM_MAX_MESSAGE_SIZE", value: "BYTES",
                  help: "largest WebSocket message, except Socket.IO (--max-payload) (default 16M)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.maxMessageSize = try FlagValue.byteSize(value, flag: "--max-message-size")
            },
            .init("--max-buffered-bytes", env: "TANDEM_MAX_BUFFERED_BYTES", value: "BYTES",
                  help: "per-connection write queue; beyond it the client is closed with 1013 (default 16M)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.maxBufferedBytes = try FlagValue.byteSize(value, flag: "--max-buffered-bytes")
            },
            .init("--max-body-size", env: "TANDEM_MAX_BODY_SIZE", value: "BYTES",
                  help: "largest HTTP request body, except Socket.IO polling (--max-payload) (default 10M)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.http.maxBodySize = try FlagValue.byteSize(value, flag: "--max-body-size")
            },
            .init("--max-connections", env: "TANDEM_MAX_CONNECTIONS", value: "N",
                  help: "open connections beyond which new ones are refused (default 16384)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.maxConnections = try FlagValue.int(value, flag: "--max-connections", range: 1...10_000_000)
            },
            .init("--ping-interval", env: "TANDEM_PING_INTERVAL", value: "DURATION",
                  help: "ping a silent WebSocket after this long, 0 disables (default 30s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                let interval = try FlagValue.duration(value, flag: "--ping-interval")
                options.configuration.pingInterval = interval == .zero ? nil : interval
            },
            .init("--pong-timeout", env: "TANDEM_PONG_TIMEOUT", value: "DURATION",
                  help: "close a WebSocket silent this long after a ping (default 30s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.pongTimeout = try FlagValue.duration(value, flag: "--pong-timeout")
            },
            .init("--idle-timeout", env: "TANDEM_IDLE_TIMEOUT", value: "DURATION",
                  help: "close an HTTP connection idle this long (default 60s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.idleTimeout = try FlagValue.duration(value, flag: "--idle-timeout")
            },
            .init("--request-timeout", env: "TANDEM_REQUEST_TIMEOUT", value: "DURATION",
                  help: "time to receive a whole HTTP request, else 408 (default 30s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.requestTimeout = try FlagValue.duration(value, flag: "--request-timeout")
            },
            .init("--close-timeout", env: "TANDEM_CLOSE_TIMEOUT", value: "DURATION",
                  help: "wait this long for the peer's close frame (default 5s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.closeTimeout = try FlagValue.duration(value, flag: "--close-timeout")
            },
            .init("--shutdown-grace", env: "TANDEM_SHUTDOWN_GRACE", value: "DURATION",
                  help: "on SIGTERM, time for open requests before dropping them (default 10s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.configuration.shutdownGracePeriod = try FlagValue.duration(value, flag: "--shutdown-grace")
            },
            .init("--echo", env: "TANDEM_ECHO", help: "serve the echo WebSocket at /echo (conformance, benchmarks)") {
                $0.configuration.echo = $1
            },
        ] + self.appFlags + self.socketIOFlags + self.operationsFlags + self.eventsFlags + self.memberLimitFlags
    }

    /// Flags of the application layer: data directory, persistence, documents, authentication.
    static var appFlags: [FlagParser<ServeOptions>.Flag] {
        [
            .init("--data", env: "TANDEM_DATA", value: "DIR", help: "data directory for documents, notes and channels (default ./data)") {
                $0.app.documents.dataDirectory = $1
            },
            .init("--memory", env: "TANDEM_MEMORY", help: "keep everything in memory, write nothing to disk") {
                if $1 { $0.app.documents.dataDirectory = nil }
            },
            .init("--jwt-secret", env: "TANDEM_JWT_SECRET", value: "SECRET",
                  help: "HS256 secret of the JWTs (also read from WEBUI_SECRET_KEY); without one every token is refused") {
                $0.app.jwtSecret = $1
            },
            .init("--jwt-clock-skew", env: "TANDEM_JWT_CLOCK_SKEW", value: "DURATION",
                  help: "how far a token's nbf or iat may lie in the future (default 30s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.jwtClockSkew = try FlagValue.duration(value, flag: "--jwt-clock-skew")
            },
            .init("--wal-sync", env: "TANDEM_WAL_SYNC", value: "always|never|MS",
                  help: "fsync of the write-ahead logs: each append, never, or batched every MS (default 50)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                guard let policy = SyncPolicy(parsing: value) else {
                    throw FlagError.invalidValue(flag: "--wal-sync", value: value, expected: "always, never or milliseconds")
                }
                options.app.documents.walSync = policy
            },
            .init("--save-delay", env: "TANDEM_SAVE_DELAY", value: "DURATION",
                  help: "write a changed document this long after its last change (default 500ms)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.saveDelay = try FlagValue.duration(value, flag: "--save-delay")
            },
            .init("--save-max-wait", env: "TANDEM_SAVE_MAX_WAIT", value: "DURATION",
                  help: "write a constantly edited document at least this often (default 5s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.saveMaxWait = try FlagValue.duration(value, flag: "--save-max-wait")
            },
            .init("--join-cache-lifetime", env: "TANDEM_JOIN_CACHE_LIFETIME", value: "DURATION",
                  help: "keep a document's encoded join answers this long after their last use (default 10s; 0: none)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.joinCacheLifetime = try FlagValue.duration(value, flag: "--join-cache-lifetime")
            },
            .init("--awareness-flush-interval", env: "TANDEM_AWARENESS_FLUSH_INTERVAL", value: "DURATION",
                  help: "merge a document's awareness updates over this window, one message per member (default 50ms; 0: relay each at once)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.awarenessFlushInterval = try FlagValue.duration(value, flag: "--awareness-flush-interval")
            },
            .init("--compact-updates", env: "TANDEM_COMPACT_UPDATES", value: "N",
                  help: "merge a document's log into its state past N updates (default 500)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.compactionUpdates = try FlagValue.int(value, flag: "--compact-updates", range: 1...10_000_000)
            },
            .init("--compact-bytes", env: "TANDEM_COMPACT_BYTES", value: "BYTES",
                  help: "… or past this many bytes (default 1M)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.compactionBytes = try FlagValue.byteSize(value, flag: "--compact-bytes")
            },
            .init("--max-update-size", env: "TANDEM_MAX_UPDATE_SIZE", value: "BYTES",
                  help: "largest Yjs update accepted (default 10M)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.maxUpdateBytes = try FlagValue.byteSize(value, flag: "--max-update-size")
            },
            .init("--max-document-size", env: "TANDEM_MAX_DOCUMENT_SIZE", value: "BYTES",
                  help: "largest merged document; bigger growth is refused, deletes pass (default 64M)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.maxDocumentBytes = try FlagValue.byteSize(value, flag: "--max-document-size")
            },
            .init("--history-interval", env: "TANDEM_HISTORY_INTERVAL", value: "DURATION",
                  help: "shortest time between automatic versions of an edited document (default 10m)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.historyInterval = try FlagValue.duration(value, flag: "--history-interval")
            },
            .init("--history-max-versions", env: "TANDEM_HISTORY_MAX_VERSIONS", value: "N",
                  help: "most versions kept per document (default 100)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.historyMaxVersions = try FlagValue.int(value, flag: "--history-max-versions", range: 1...100_000)
            },
            .init("--history-max-age", env: "TANDEM_HISTORY_MAX_AGE", value: "DURATION",
                  help: "automatic versions older than this are dropped (default 30 days)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.historyMaxAge = try FlagValue.duration(value, flag: "--history-max-age")
            },
            .init("--max-stored-size", env: "TANDEM_MAX_STORED_SIZE", value: "BYTES",
                  help: "largest document state or log file loaded from disk (default 256M)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.maxStoredBytes = try FlagValue.byteSize(value, flag: "--max-stored-size")
            },
            .init("--yjs-path", env: "TANDEM_YJS_PATH", value: "PREFIX", help: "y-websocket endpoint prefix (default /yjs/)") {
                $0.app.yjsPath = $1
            },
            .init("--channel-max-message", env: "TANDEM_CHANNEL_MAX_MESSAGE", value: "BYTES",
                  help: "largest channel message content (default 32K)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.channels.maxMessageBytes = try FlagValue.byteSize(value, flag: "--channel-max-message")
            },
            .init("--channel-page-size", env: "TANDEM_CHANNEL_PAGE_SIZE", value: "N",
                  help: "largest channel history page (default 100)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                let size = try FlagValue.int(value, flag: "--channel-page-size", range: 1...10_000)
                options.app.channels.maxPageSize = size
                options.app.channels.defaultPageSize = min(options.app.channels.defaultPageSize, size)
            },
            .init("--typing-rate", env: "TANDEM_TYPING_RATE", value: "N",
                  help: "typing events per user and second, bursts of 5 (default 2)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.channelEvents.typingPerSecond = Double(try FlagValue.int(value, flag: "--typing-rate", range: 1...1_000))
            },
            .init("--channel-legacy-events", env: "TANDEM_CHANNEL_LEGACY_EVENTS",
                  help: "also emit channel events as channel-events (older Open WebUI builds)") {
                $0.app.channelEvents.emitLegacyEventName = $1
            },
            .init("--openwebui", env: "TANDEM_OPENWEBUI_URL", value: "URL",
                  help: "Open WebUI mode: users, notes, grants and channels come from the Open WebUI at URL (Docs/openwebui.md)") {
                $0.app.openWebUIURL = $1
            },
            .init("--read-only-awareness", env: "TANDEM_READ_ONLY_AWARENESS",
                  help: "relay the awareness (cursors) of read-only members") {
                $0.app.documents.relayReadOnlyAwareness = $1
            },
        ]
    }

    /// The routes of every endpoint. Endpoints register here.
    static func makeRouter(options: ServeOptions, metrics: MetricsRegistry, app: ServerApp) -> Router {
        var router = Router()
        app.install(on: &router)
        return router
    }

    static func run(_ arguments: [String]) async -> Int32 {
        let parser = FlagParser(flags: self.flags)
        var options = ServeOptions()
        do {
            try parser.parse(arguments, environment: ProcessInfo.processInfo.environment, into: &options)
        } catch .helpRequested {
            print("usage: tandem serve [options]\n\noptions:\n" + parser.help())
            return 0
        } catch {
            FileHandle.standardError.write(
                Data("tandem serve: \(error)\n\nusage: tandem serve [options] (tandem serve --help lists them)\n".utf8))
            return 2
        }
        if options.app.jwtSecret == nil, let secret = ProcessInfo.processInfo.environment["WEBUI_SECRET_KEY"] {
            options.app.jwtSecret = secret
        }
        self.configureLogging(options)
        if options.app.openWebUIURL != nil, (options.app.jwtSecret ?? "").isEmpty {
            FileHandle.standardError.write(
                Data("tandem serve: --openwebui needs Open WebUI's WEBUI_SECRET_KEY (or --jwt-secret) to verify its tokens\n".utf8))
            return 2
        }
        // One server per data directory, in every mode: the lock is held until the process ends.
        var directoryLock: DataDirectoryLock?
        if let data = options.app.documents.dataDirectory {
            do {
                directoryLock = try DataDirectoryLock.acquire(dataDirectory: data)
            } catch {
                let hint = if case .held = error { "; stop it or give this server another --data directory" } else { "" }
                FileHandle.standardError.write(Data("tandem serve: \(error)\(hint)\n".utf8))
                return 1
            }
        }
        defer { withExtendedLifetime(directoryLock) {} }
        let ephemeralSecret = self.makeEphemeralSecretIfNeeded(&options)
        self.configureSocketIO(&options)
        let metrics = MetricsRegistry()
        let app: ServerApp
        do {
            app = try await ServerApp(configuration: options.app, metrics: metrics)
        } catch {
            FileHandle.standardError.write(Data("tandem serve: \(error)\n".utf8))
            return 1
        }
        let router = self.makeRouter(options: options, metrics: metrics, app: app)
        let server: Server
        do {
            server = try Server(configuration: options.configuration, router: router, metrics: metrics)
        } catch {
            FileHandle.standardError.write(Data("tandem serve: \(error)\n".utf8))
            return 1
        }
        let saved = SaveOutcome()
        server.onShutdown {
            if await !app.shutdown() { saved.failed() }
        }
        server.installSignalHandlers()
        self.registerReadinessChecks(on: server, options: options)
        if let bus = app.bus { server.registerReadinessCheck("redis") { await bus.isReady() } }
        if let cluster = app.cluster { server.registerReadinessCheck("cluster") { await cluster.isReady() } }
        self.announce(server: server, options: options, ephemeral: ephemeralSecret)
        await server.run()
        guard saved.ok else {
            Log.shared.error("some documents could not be saved at shutdown; their logs keep what was stored")
            Log.shared.sink.flush()
            return 1
        }
        Log.shared.info("server stopped")
        Log.shared.sink.flush()
        return 0
    }
}

/// Whether every document was saved at shutdown (set from the shutdown hook).
final class SaveOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var failedSaves = false

    func failed() { lock.withLock { failedSaves = true } }
    var ok: Bool { lock.withLock { !failedSaves } }
}
