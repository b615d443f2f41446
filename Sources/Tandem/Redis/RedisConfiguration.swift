import Wire

/// Settings shared by ``RedisClient`` and ``RedisSubscriber``: endpoint, timeouts, reconnect schedule, RESP limits.
public struct RedisConfiguration: Sendable, Equatable {
    /// Where to connect, with credentials and database.
    public var endpoint: RedisEndpoint
    /// Longest wait for the TCP/Unix connection and for the AUTH/SELECT replies. Default 5 s (redis-py's
    /// `socket_connect_timeout` has no default; Open WebUI sets `REDIS_SOCKET_CONNECT_TIMEOUT` when configured).
    public var connectTimeout: Duration
    /// Default per-command timeout, including time spent waiting for a connection. Default 5 s; pass a longer one
    /// to ``RedisClient/send(_:timeout:)`` for blocking commands (`BLPOP`, `WAIT`).
    public var commandTimeout: Duration
    /// Reconnect delays after a failure.
    public var reconnect: RedisBackoff.Policy
    /// Limits on the replies read from the server (RESP decoder limits).
    public var limits: RESPDecoder.Limits

    public init(
        endpoint: RedisEndpoint, connectTimeout: Duration = .seconds(5), commandTimeout: Duration = .seconds(5),
        reconnect: RedisBackoff.Policy = RedisBackoff.Policy(), limits: RESPDecoder.Limits = .default
    ) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.reconnect = reconnect
        self.limits = limits
    }

    /// A configuration for a `redis://` or `unix://` URL with default settings.
    /// - Throws: ``RedisError/invalidURL(_:)`` or ``RedisError/tlsUnsupported``.
    public init(url: String) throws(RedisError) {
        self.init(endpoint: try RedisEndpoint(url: url))
    }

    /// The AUTH and SELECT commands that open every connection (none for a password-less database 0).
    var handshake: [RESPCommand] {
        var commands: [RESPCommand] = []
        if let password = self.endpoint.password {
            if let username = self.endpoint.username {
                commands.append(RESPCommand("AUTH", username, password))
            } else {
                commands.append(RESPCommand("AUTH", password))
            }
        }
        if self.endpoint.database != 0 { commands.append(RESPCommand("SELECT", self.endpoint.database)) }
        return commands
    }

    /// Opens a connection and runs the handshake on it.
    func connect(pushHandler: (@Sendable (RESPValue) -> Void)? = nil) async throws(RedisError) -> RedisConnection {
        let connection = try await RedisConnection.open(
            self.endpoint.address, connectTimeout: self.connectTimeout, limits: self.limits, pushHandler: pushHandler)
        let commands = self.handshake
        guard !commands.isEmpty else { return connection }
        var bytes: [UInt8] = []
        for command in commands { command.encode(into: &bytes) }
        let reply = await connection.request(bytes, replies: commands.count, deadline: .now + self.connectTimeout)
        switch reply {
        case .failure(let error):
            connection.close()
            throw error
        case .success(let values):
            if let message = values.lazy.compactMap(\.errorMessage).first {
                connection.close()
                throw .handshakeFailed(message)
            }
        }
        return connection
    }
}

/// The connection state a ``RedisClient`` or ``RedisSubscriber`` reports.
public enum RedisConnectionState: Sendable, Equatable {
    /// Not started yet.
    case idle
    /// Opening the socket and running AUTH/SELECT (`attempt` counts failures since the last success, from 0).
    case connecting(attempt: Int)
    /// Ready for commands.
    case connected
    /// The last attempt or connection failed; the next attempt starts after `retryIn`.
    case disconnected(lastError: RedisError, retryIn: Duration)
    /// Closed for good by ``RedisClient/close()``.
    case closed
}
