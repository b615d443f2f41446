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
    /// When `accept` fails for lack of file descriptors (`EMFILE`, `ENFILE`), the listener is not polled for this
    /// long, doubling while it lasts (up to ``maxAcceptBackoff``), instead of spinning; the connection waiting in
    /// the backlog is answered 503 and closed through a reserved descriptor. Default 50 ms.
    public var acceptBackoff: Duration = .milliseconds(50)
    /// Longest pause of the listener after descriptor exhaustion. Default 1 s.
    public var maxAcceptBackoff: Duration = .seconds(1)

    /// HTTP request limits: request line 8 KiB, head 32 KiB, 100 headers, body 10 MiB by default (large notes
    /// and Open WebUI's 10 MB Socket.IO payloads; the parser's own default is 1 MiB). Per-path body limits in
    /// ``HTTPRequestParser/Configuration/pathBodyLimits``.
    public var http = HTTPRequestParser.Configuration(maxBodySize: 10 << 20)

    /// Largest WebSocket frame accepted; checked on the header, fails with 1009. Default 16 MiB.
    public var maxFrameSize: Int = 16 << 20
    /// Largest reassembled WebSocket message; fails with 1009. Default 16 MiB.
    public var maxMessageSize: Int = 16 << 20
    /// WebSocket frame and message limits of their own for some paths, instead of ``maxFrameSize`` and
    /// ``maxMessageSize``: the entry with the longest path prefix matching the upgrade request's path wins. `tandem
    /// serve` gives the Socket.IO path limits derived from `--max-payload`, so `--max-frame-size` and
    /// `--max-message-size` keep applying to every other WebSocket route. Default none.
    public var webSocketPathLimits: [WebSocketPathLimits] = []
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

    /// The frame and message limits of a WebSocket upgraded at `path`: the longest matching
    /// ``webSocketPathLimits`` prefix, else ``maxFrameSize`` and ``maxMessageSize``.
    public func webSocketLimits(forPath path: String) -> (maxFrameSize: Int, maxMessageSize: Int) {
        var best: WebSocketPathLimits?
        for limit in self.webSocketPathLimits where path.utf8.starts(with: limit.pathPrefix.utf8) {
            if best.map({ $0.pathPrefix.utf8.count < limit.pathPrefix.utf8.count }) ?? true { best = limit }
        }
        return (best?.maxFrameSize ?? self.maxFrameSize, best?.maxMessageSize ?? self.maxMessageSize)
    }

    /// The WebSocket connection-state configuration of a WebSocket upgraded at `path`.
    func webSocketState(forPath path: String) -> WebSocketConnectionState.Configuration {
        WebSocketConnectionState.Configuration(
            maxMessageSize: self.webSocketLimits(forPath: path).maxMessageSize, pingInterval: self.pingInterval,
            pongTimeout: self.pongTimeout, closeTimeout: self.closeTimeout
        )
    }

    /// The timeouts of each connection's ``ConnectionLifecycle``.
    var connectionTimeouts: ConnectionLifecycle.Timeouts {
        ConnectionLifecycle.Timeouts(close: self.closeTimeout, idle: self.idleTimeout, request: self.requestTimeout)
    }
}

/// WebSocket limits for the upgrades whose path starts with ``pathPrefix`` (compared byte-wise).
public struct WebSocketPathLimits: Sendable, Equatable {
    /// The path prefix, e.g. `/ws/socket.io/`.
    public var pathPrefix: String
    /// Largest frame accepted on those paths; checked on the header, fails with 1009.
    public var maxFrameSize: Int
    /// Largest reassembled message on those paths; fails with 1009.
    public var maxMessageSize: Int

    /// Limits for upgrades under `pathPrefix`.
    public init(pathPrefix: String, maxFrameSize: Int, maxMessageSize: Int) {
        self.pathPrefix = pathPrefix
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
    }
}
