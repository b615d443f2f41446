/// Round trips, failures and reconnects of one ``RedisClient`` (`/metrics`, Docs/cluster.md "Metrics").
///
/// `client` names the connection's role from a fixed set (`bus` for the Socket.IO bus and session pools, `cluster`
/// for the document streams of cluster mode), never an address or a key.
public struct RedisClientMetrics: Sendable {
    /// One pipeline (one command or a batch) from write to its last reply.
    let roundTrip: MetricHistogram
    /// Pipelines that failed (timeout, lost connection, no connection in time); error replies are answers.
    let failures: MetricCounter
    /// Connections made after the first (each one follows a lost connection).
    let reconnects: MetricCounter

    /// Registers the series of `client` in `registry`.
    public init(registry: MetricsRegistry, client: String) {
        let labels = ["client": client]
        roundTrip = registry.histogram(
            "tandem_redis_command_duration_seconds", help: "Redis round trip of one command or pipeline, by client",
            labels: labels)
        failures = registry.counter(
            "tandem_redis_command_failures_total", help: "Redis commands or pipelines that got no reply, by client",
            labels: labels)
        reconnects = registry.counter(
            "tandem_redis_reconnects_total", help: "Redis connections made again after one was lost, by client",
            labels: labels)
    }
}
