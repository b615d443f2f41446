import Foundation
import Tandem
import Wire

/// The Redis bus flags as given; unset ones fall back to Open WebUI's variables in ``ServeCommand/configureRedis(_:environment:)``.
struct RedisFlags {
    var url: String?
    var keyPrefix: String?
    var roomChannels: Bool?
}

/// `tandem serve` flags and wiring of the Socket.IO endpoint (Open WebUI's `/ws/socket.io`).
extension ServeCommand {
    static var socketIOFlags: [FlagParser<ServeOptions>.Flag] {
        [
            .init("--socketio-path", env: "TANDEM_SOCKETIO_PATH", value: "PATH",
                  help: "Socket.IO endpoint path (default /ws/socket.io/)") {
                $0.app.socketIO.path = $1.hasSuffix("/") ? $1 : $1 + "/"
            },
            .init("--max-payload", env: "TANDEM_MAX_PAYLOAD", value: "BYTES",
                  help: "Engine.IO maxPayload: largest packet or body, Socket.IO path only (default 16M, Open WebUI 0.12)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.socketIO.maxPayload = try FlagValue.byteSize(value, flag: "--max-payload")
            },
            .init("--strict-auth", env: "TANDEM_STRICT_AUTH",
                  help: "answer a bad Socket.IO token with CONNECT_ERROR (default: connect without a user)") {
                $0.app.socketIO.strictAuth = $1
            },
            .init("--socketio-ping-interval", env: "TANDEM_SOCKETIO_PING_INTERVAL", value: "DURATION",
                  help: "Engine.IO ping interval (default 25s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.socketIO.pingInterval = try FlagValue.duration(value, flag: "--socketio-ping-interval")
            },
            .init("--socketio-ping-timeout", env: "TANDEM_SOCKETIO_PING_TIMEOUT", value: "DURATION",
                  help: "Engine.IO ping timeout (default 20s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.socketIO.pingTimeout = try FlagValue.duration(value, flag: "--socketio-ping-timeout")
            },
            .init("--socketio-test-events", env: "TANDEM_SOCKETIO_TEST_EVENTS",
                  help: "register the test:* relay and echo events (interop tests, benchmarks)") {
                $0.app.socketIOTestEvents = $1
            },
            .init("--redis", env: "TANDEM_REDIS_URL", value: "URL",
                  help: "join Open WebUI's Socket.IO Redis bus and session pools (also WEBSOCKET_REDIS_URL)") {
                $0.redis.url = $1
            },
            .init("--redis-key-prefix", env: "TANDEM_REDIS_KEY_PREFIX", value: "PREFIX",
                  help: "prefix of the shared Redis keys (also REDIS_KEY_PREFIX; default open-webui)") {
                $0.redis.keyPrefix = $1
            },
            .init("--cluster", env: "TANDEM_CLUSTER",
                  help: "with --redis: keep documents in Redis so several nodes serve them (Docs/cluster.md)") {
                $0.app.cluster = $1
            },
            .init("--cluster-node-ttl", env: "TANDEM_CLUSTER_NODE_TTL", value: "DURATION",
                  help: "how long a silent node counts as alive before the others clear its awareness and sessions (default 10s)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.clusterSettings.nodeTTL = try FlagValue.duration(value, flag: "--cluster-node-ttl")
            },
            .init("--cluster-heartbeat", env: "TANDEM_CLUSTER_HEARTBEAT", value: "DURATION",
                  help: "how often a node renews its presence and checks the others (default 3s; below --cluster-node-ttl)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.clusterSettings.heartbeatInterval = try FlagValue.duration(value, flag: "--cluster-heartbeat")
            },
            .init("--redis-room-channels", env: "TANDEM_REDIS_ROOM_CHANNELS",
                  help: "per-room bus channels, =false for plain python-socketio (also WEBSOCKET_REDIS_ROOM_CHANNELS; default true)") {
                $0.redis.roomChannels = $1
            },
        ]
    }

    /// Fills unset Redis flags from Open WebUI's own variables, so Tandem reads the same environment as its workers.
    static func configureRedis(_ options: inout ServeOptions, environment: [String: String]) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        options.app.redisURL = options.redis.url ?? value("WEBSOCKET_REDIS_URL")
        options.app.bus.keyPrefix = options.redis.keyPrefix ?? value("REDIS_KEY_PREFIX") ?? "open-webui"
        if let roomChannels = options.redis.roomChannels {
            options.app.bus.channels.roomChannels = roomChannels
        } else if let text = value("WEBSOCKET_REDIS_ROOM_CHANNELS") {
            options.app.bus.channels.roomChannels = text.lowercased() == "true"  // Open WebUI: `.lower() == 'true'`
        }
    }

    /// Reads the Redis settings and gives the Socket.IO path limits of its own derived from `--max-payload`, so
    /// payloads up to maxPayload reach the Engine.IO layer, which refuses larger ones itself (413 for a polling
    /// body, close 1009 "message too big" on a WebSocket). `--max-body-size`, `--max-frame-size` and
    /// `--max-message-size` keep applying, unchanged, to every other route (REST, y-websocket, echo).
    static func configureSocketIO(_ options: inout ServeOptions) {
        self.configureRedis(&options, environment: ProcessInfo.processInfo.environment)
        let limit = options.app.socketIO.maxPayload + 64
        let path = options.app.socketIO.path
        options.configuration.http.pathBodyLimits.append(.init(pathPrefix: path, maxBodySize: limit))
        options.configuration.webSocketPathLimits.append(
            .init(pathPrefix: path, maxFrameSize: limit, maxMessageSize: limit))
    }
}
