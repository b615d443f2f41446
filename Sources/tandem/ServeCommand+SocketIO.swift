import Tandem
import Wire

/// `tandem serve` flags and wiring of the Socket.IO endpoint (Open WebUI's `/ws/socket.io`).
extension ServeCommand {
    static var socketIOFlags: [FlagParser<ServeOptions>.Flag] {
        [
            .init("--socketio-path", env: "TANDEM_SOCKETIO_PATH", value: "PATH",
                  help: "Socket.IO endpoint path (default /ws/socket.io/)") {
                $0.socketIO.path = $1.hasSuffix("/") ? $1 : $1 + "/"
            },
            .init("--max-payload", env: "TANDEM_MAX_PAYLOAD", value: "BYTES",
                  help: "Engine.IO maxPayload: largest packet or body, Socket.IO path only (default 10M)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.socketIO.maxPayload = try FlagValue.byteSize(value, flag: "--max-payload")
            },
            .init("--strict-auth", env: "TANDEM_STRICT_AUTH",
                  help: "answer a bad Socket.IO token with CONNECT_ERROR (default: connect without a user)") {
                $0.socketIO.strictAuth = $1
            },
            .init("--socketio-ping-interval", env: "TANDEM_SOCKETIO_PING_INTERVAL", value: "DURATION",
                  help: "Engine.IO ping interval (default 25s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.socketIO.pingInterval = try FlagValue.duration(value, flag: "--socketio-ping-interval")
            },
            .init("--socketio-ping-timeout", env: "TANDEM_SOCKETIO_PING_TIMEOUT", value: "DURATION",
                  help: "Engine.IO ping timeout (default 20s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.socketIO.pingTimeout = try FlagValue.duration(value, flag: "--socketio-ping-timeout")
            },
            .init("--socketio-test-events", env: "TANDEM_SOCKETIO_TEST_EVENTS",
                  help: "register the test:* relay and echo events (interop tests, benchmarks)") {
                $0.socketIOTestEvents = $1
            },
        ]
    }

    /// Shares the JWT secret and gives the Socket.IO path limits of its own derived from `--max-payload`, so
    /// payloads up to maxPayload reach the Engine.IO layer, which refuses larger ones itself (413 for a polling
    /// body, close 1009 "message too big" on a WebSocket). `--max-body-size`, `--max-frame-size` and
    /// `--max-message-size` keep applying, unchanged, to every other route (REST, y-websocket, echo).
    static func configureSocketIO(_ options: inout ServeOptions) {
        options.socketIO.jwtSecret = options.app.jwtSecret
        options.socketIO.jwtClockSkew = options.app.jwtClockSkew
        let limit = options.socketIO.maxPayload + 64
        let path = options.socketIO.path
        options.configuration.http.pathBodyLimits.append(.init(pathPrefix: path, maxBodySize: limit))
        options.configuration.webSocketPathLimits.append(
            .init(pathPrefix: path, maxFrameSize: limit, maxMessageSize: limit))
    }

    /// Starts the Socket.IO server and mounts it on the router.
    static func installSocketIO(_ server: SocketIOServer, options: ServeOptions, on router: inout Router) {
        let testEvents = options.socketIOTestEvents
        Task {
            await server.start()
            if testEvents { await SocketIOTestEvents.install(on: server) }
        }
        SocketIOEndpoint.register(server, on: &router)
    }
}
