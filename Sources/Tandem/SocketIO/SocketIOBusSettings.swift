import Wire

/// Settings of ``SocketIORedisBus``, each with Open WebUI 0.12.4's default.
public struct SocketIOBusSettings: Sendable {
    /// `REDIS_KEY_PREFIX` of the shared pools (`{prefix}:session_pool`, `{prefix}:usage_pool`). Default `open-webui`.
    public var keyPrefix = "open-webui"
    /// The channels: base `socketio`, per-room channels on (`WEBSOCKET_REDIS_ROOM_CHANNELS`, default true). Every
    /// host of a cluster must agree on the mode (Open WebUI says so too).
    public var channels = SocketIOBusChannels()
    /// This host's `host_id`: 32 random hex digits, like python-socketio's `uuid.uuid4().hex`.
    public var hostID = SocketIOBusSettings.randomHostID()
    /// Messages queued for publishing while Redis is slow or away; beyond it new ones are dropped and counted
    /// (pub/sub is at-most-once anyway). Default 65,536.
    public var maxPendingPublishes = 65_536
    /// Most messages written in one pipelined batch. Default 256.
    public var maxPublishBatch = 256
    /// Longest wait for room-channel subscriptions before a CONNECT is answered. Default 2 s (Open WebUI waits
    /// without bound; a Redis outage must not stall every connection).
    public var settleTimeout: Duration = .seconds(2)
    /// How long a `usage` entry stays in `usage_pool` without a refresh (`TIMEOUT_DURATION`). Default 3 s.
    public var usageExpiry: Duration = .seconds(3)
    /// Decoding limits of received messages.
    public var limits = SocketIOBusMessage.Limits.default
    /// Also keep the set of this host's sids in `session_pool` (`{prefix}:node:<host id>:sids`), so the other
    /// nodes of a cluster remove them when this node dies (cluster mode sets it; Docs/cluster.md).
    public var recordsNodeSessions = false

    public init() {}

    /// 32 lower-case hex digits from the system random generator.
    public static func randomHostID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: (0..<32).map { _ in hex[Int(generator.next() % 16)] }, as: UTF8.self)
    }
}
