/// Settings of the events API, the durable outbox, the plain WebSocket endpoints and the per-user connection limit
/// (Docs/events.md).
public struct EventsConfiguration: Sendable, Equatable {
    /// `--service-token` / `TANDEM_SERVICE_TOKEN`: the bearer token of host backends on `/api/v1/events/…` (admin
    /// JWTs are accepted too). Nil: admin JWTs only. Never logged.
    public var serviceToken: String?
    /// `--max-connections-per-user` / `TANDEM_MAX_CONNECTIONS_PER_USER`: connections one user may hold across
    /// Socket.IO, y-websocket, `/ws/chat` and `/ws/notify`; nil (the default, as Open WebUI) for no limit.
    public var maxConnectionsPerUser: Int?
    /// `--outbox-max-per-user`, `--outbox-expiry` (and `--wal-sync` for its fsync).
    public var outbox = OutboxSettings()
    /// Path of the plain notify endpoint (default `/ws/notify`).
    public var notifyPath = "/ws/notify"
    /// Path prefix of the plain chat endpoint (default `/ws/chat/`).
    public var chatPathPrefix = "/ws/chat/"

    public init() {}
}
