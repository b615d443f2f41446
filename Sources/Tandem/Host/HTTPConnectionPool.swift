import Foundation

/// Idle keep-alive connections per upstream `host:port`, so Open WebUI look-ups do not pay a TCP handshake each.
///
/// Bounded both ways: at most `maxIdlePerHost` connections are kept per host (extra ones are closed), and a
/// connection idle longer than `maxIdleTime` is closed instead of reused, because uvicorn closes idle keep-alive
/// connections after 5 s (`--timeout-keep-alive`) and reusing one at that instant loses the request.
final class HTTPConnectionPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [String: [HTTPClientConnection]] = [:]
    private let maxIdlePerHost: Int
    private let maxIdleTime: Duration
    private var closed = false

    init(maxIdlePerHost: Int, maxIdleTime: Duration) {
        self.maxIdlePerHost = maxIdlePerHost
        self.maxIdleTime = maxIdleTime
    }

    /// The most recently used live idle connection to `key`, if any; stale ones are dropped (and closed).
    func take(_ key: String, now: ContinuousClock.Instant) -> HTTPClientConnection? {
        var stale: [HTTPClientConnection] = []  // closed (deinit) when this returns, after the lock is released
        return self.lock.withLock {
            while let connection = self.idle[key]?.popLast() {
                if connection.idleSince.duration(to: now) < self.maxIdleTime && connection.looksReusable {
                    return connection
                }
                stale.append(connection)
            }
            return nil
        }
    }

    /// Returns a connection after a complete keep-alive exchange; closes it when the pool is full or shut down.
    func put(_ connection: HTTPClientConnection, now: ContinuousClock.Instant) {
        connection.idleSince = now
        self.lock.withLock {
            guard !self.closed, self.maxIdlePerHost > 0 else { return }
            var list = self.idle[connection.key] ?? []
            guard list.count < self.maxIdlePerHost else { return }
            list.append(connection)
            self.idle[connection.key] = list
        }
    }

    /// Number of idle connections held (all hosts).
    var idleCount: Int {
        self.lock.withLock { self.idle.values.reduce(0) { $0 + $1.count } }
    }

    /// Closes every idle connection and refuses new ones.
    func close() {
        let dropped = self.lock.withLock { () -> [String: [HTTPClientConnection]] in
            self.closed = true
            let all = self.idle
            self.idle = [:]
            return all
        }
        _ = dropped  // the connections close (deinit) here, after the lock is released
    }
}
