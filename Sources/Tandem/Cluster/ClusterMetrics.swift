/// The counters of cluster mode (`/metrics`).
struct ClusterMetrics: Sendable {
    let received: MetricCounter
    let malformed: MetricCounter
    let publishFailures: MetricCounter
    let nodesLost: MetricCounter
    let appends: MetricCounter
    let compactions: MetricCounter
    let pubSubLag: MetricHistogram
    let streamEntriesMax: MetricGauge
    let streamEntriesTotal: MetricGauge
    /// Notes, channels and messages read from Redis that did not decode (skipped, never written back).
    let unreadable: MetricCounter

    init(_ registry: MetricsRegistry) {
        received = registry.counter("tandem_cluster_messages_received_total", help: "Cluster pub/sub messages received")
        malformed = registry.counter("tandem_cluster_malformed_total", help: "Cluster messages that did not decode")
        publishFailures = registry.counter("tandem_cluster_publish_failures_total", help: "Awareness and member publishes that failed")
        nodesLost = registry.counter("tandem_cluster_nodes_lost_total", help: "Nodes whose presence key expired")
        appends = registry.counter("tandem_cluster_appends_total", help: "Updates appended to document streams")
        compactions = registry.counter("tandem_cluster_compactions_total", help: "Document states written by this node")
        pubSubLag = registry.histogram(
            "tandem_cluster_pubsub_lag_seconds", help: "From Redis stamping an update entry to this node hearing of it")
        streamEntriesMax = registry.gauge(
            "tandem_cluster_stream_entries_max", help: "Longest update stream among the documents loaded here")
        streamEntriesTotal = registry.gauge(
            "tandem_cluster_stream_entries", help: "Update stream entries of the documents loaded here, summed")
        unreadable = registry.counter(
            "tandem_cluster_unreadable_entries_total", help: "Notes, channels and messages in Redis that did not decode")
    }
}
