import Wire

/// Everything the transport needs to know: address, limits and timeouts. Every limit has a documented default.
///
/// `tandem serve` fills it from flags and `TANDEM_*` environment variables (see README and Docs/server.md).
public struct ServerConfiguration: Sendable {
    /// Interface to bind. Default `127.0.0.1`; use `0.0.0.0` (or `::`) to accept remote clients.
    public var host: String = "127.0.0.1"
    /// TCP port. Default 8080; 0 picks a free port (see ``Server/port``).
    public var port: Int = 8080
    /// `listen(2)` backlog. Default 4096 (capped by `net.core.somaxconn`).
    public var backlog: Int32 = 4096
    /// Open connections beyond which new ones are closed right after `accept`. Default 16,384.
    public var maxConnections: Int = 16_384

    /// HTTP request limits: request line 8 KiB, head 32 KiB, 100 headers, body 1 MiB by default.
    public var http = HTTPRequestParser.Configuration()

    /// Largest WebSocket frame accepted; checked on the header, fails with 1009. Default 16 MiB.
    public var maxFrameSize: Int = 16 << 20
    /// Largest reassembled WebSocket message; fails with 1009. Default 16 MiB.
    public var maxMessageSize: Int = 16 << 20
    /// Write-queue bound per connection: a send that finds more than this already queued closes the connection
    /// with 1013 instead of growing memory. A single message is always accepted into an empty queue.
    /// Default 16 MiB.
    public var maxBufferedBytes: Int = 16 << 20
    /// Received-but-unprocessed message bytes per WebSocket above which the server stops reading that socket until
    /// the session catches up. Default 16 MiB.
    public var maxInboundBufferedBytes: Int = 16 << 20

    /// Silence after which the server pings a WebSocket client; nil disables keepalive. Default 30 s.
    public var pingInterval: Duration? = .seconds(30)
    /// Time without any frame after a ping before closing with 1001. Default 30 s.
    public var pongTimeout: Duration = .seconds(30)
    /// Time to wait for the peer's close frame (and to flush) before dropping TCP. Default 5 s.
    public var closeTimeout: Duration = .seconds(5)
    /// An HTTP connection with no request in progress is closed after this long. Default 60 s.
    public var idleTimeout: Duration = .seconds(60)
    /// Time to receive a whole request (head and body) once its first byte arrived; slower gets 408 and a close,
    /// so a client trickling bytes (slowloris) cannot hold a connection. Default 30 s.
    public var requestTimeout: Duration = .seconds(30)
    /// On shutdown, how long open requests and close handshakes may take before connections are dropped.
    /// Default 10 s.
    public var shutdownGracePeriod: Duration = .seconds(10)

    /// Whether to serve the echo WebSocket endpoint at ``echoPath`` (for Autobahn and benchmarks). Default off.
    public var echo: Bool = false
    /// Path of the echo endpoint. Default `/echo`.
    public var echoPath: String = "/echo"

    /// The defaults.
    public init() {}

    /// The WebSocket connection-state configuration derived from these settings.
    var webSocketState: WebSocketConnectionState.Configuration {
        WebSocketConnectionState.Configuration(
            maxMessageSize: self.maxMessageSize, pingInterval: self.pingInterval, pongTimeout: self.pongTimeout,
            closeTimeout: self.closeTimeout
        )
    }
}
