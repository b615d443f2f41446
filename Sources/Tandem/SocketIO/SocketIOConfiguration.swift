import Wire

/// Settings of the Engine.IO / Socket.IO endpoint, each with the default Open WebUI's clients expect.
public struct SocketIOConfiguration: Sendable {
    /// Where the endpoint lives. Default `/ws/socket.io/` (Open WebUI's `socketio_path="/ws/socket.io"`).
    public var path: String = "/ws/socket.io/"
    /// Milliseconds between server pings, advertised in the open packet. Default 25000 (Open WebUI).
    public var pingInterval: Duration = .seconds(25)
    /// Milliseconds allowed for a pong. Default 20000 (Open WebUI).
    public var pingTimeout: Duration = .seconds(20)
    /// Largest Engine.IO packet, WebSocket message or polling body, in bytes. Default 16 MiB, Open WebUI 0.12's
    /// value (earlier builds used 1 MB, which broke large pastes into notes, issue #26140).
    public var maxPayload: Int = 16 << 20
    /// Most packets in one polling body. Default 1,000.
    public var maxPacketsPerPoll: Int = 1_000
    /// Most binary attachments per Socket.IO packet. Default 16.
    public var maxAttachments: Int = 16
    /// Deepest JSON nesting accepted in packets. Default 256.
    public var maxJSONDepth: Int = 256
    /// Namespaces clients may connect to; others get CONNECT_ERROR. Default `["/"]` (Open WebUI uses only `/`).
    public var namespaces: Set<String> = ["/"]
    /// HS256 secret for the JWTs in CONNECT auth and event payloads; nil accepts no token as valid.
    public var jwtSecret: String? = nil
    /// How far in the future a token's `nbf` or `iat` may lie (issuer clock ahead of ours). Default 30 s
    /// (`--jwt-clock-skew`); `exp` is never extended.
    public var jwtClockSkew: Duration = .seconds(30)
    /// When true, a missing or bad token gets CONNECT_ERROR; when false (Open WebUI's behaviour) the socket connects
    /// without a user and its events are ignored.
    public var strictAuth: Bool = false
    /// How often heartbeats and the usage pool are checked. Default 1 s (at most a quarter of the ping settings).
    public var housekeepingInterval: Duration = .seconds(1)
    /// Expiry of `usage` entries. Default 3 s.
    public var usageExpiry: Duration = .seconds(3)
    /// How long an Engine.IO session may stay without any Socket.IO connection before it is closed. Default 45 s
    /// (socket.io's `connectTimeout`).
    public var connectTimeout: Duration = .seconds(45)
    /// How long a server-to-client call waits for its ack by default. Default 60 s (python-socketio's default).
    public var callTimeout: Duration = .seconds(60)
    /// Events of one connection queued for handlers before its reads are paused. Default 256.
    public var maxPendingEvents: Int = 256
    /// Answer unknown events with an `error` event instead of ignoring them. Default false.
    public var reportUnknownEvents: Bool = false

    public init() {}

    /// The JWT secret from the environment: `TANDEM_JWT_SECRET`, else Open WebUI's `WEBUI_SECRET_KEY`.
    public static func jwtSecret(environment: [String: String]) -> String? {
        if let secret = environment["TANDEM_JWT_SECRET"], !secret.isEmpty { return secret }
        if let secret = environment["WEBUI_SECRET_KEY"], !secret.isEmpty { return secret }
        return nil
    }

    var parserLimits: SocketIOPacket.Limits {
        SocketIOPacket.Limits(
            maxAttachments: self.maxAttachments, maxAttachmentBytes: self.maxPayload,
            json: JSONParser.Limits(maxDepth: self.maxJSONDepth, maxInputBytes: self.maxPayload))
    }

    var milliseconds: (interval: Int, timeout: Int) {
        (Int(self.pingInterval / .milliseconds(1)), Int(self.pingTimeout / .milliseconds(1)))
    }
}
