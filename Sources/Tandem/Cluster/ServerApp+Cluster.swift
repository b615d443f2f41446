extension ServerApp {
    /// The cluster node of `--cluster`: its own Redis connections, the bus's key prefix and host id.
    /// - Throws: ``RedisError/invalidURL(_:)`` when `--cluster` is given without `--redis`.
    static func makeClusterNode(
        _ configuration: AppConfiguration, redis: RedisConfiguration?, metrics: MetricsRegistry?
    ) throws(RedisError) -> ClusterNode? {
        guard configuration.cluster else { return nil }
        guard let redis else { throw .invalidURL("--cluster needs --redis URL (the documents live there)") }
        var settings = configuration.clusterSettings
        settings.keyPrefix = configuration.bus.keyPrefix
        settings.nodeID = configuration.bus.hostID
        return ClusterNode(
            client: RedisClient(
                configuration: redis, metrics: metrics.map { RedisClientMetrics(registry: $0, client: "cluster") }),
            subscriber: RedisSubscriber(configuration: redis), settings: settings,
            metrics: metrics)
    }
}
