/// The latency histograms of the documents layer (Prometheus conventions, in seconds), shared by every room of one
/// ``DocumentManager`` and published on `/metrics` by ``DocumentManager/exportMetrics(to:)``.
///
/// - `tandem_document_join_duration_seconds{protocol="socketio"|"ywebsocket"}`: from a join request reaching the
///   directory (access check and load included) to the joiner's state answer handed to its outbound.
/// - `tandem_document_relay_duration_seconds{protocol=…}` (the writer's): from a member's update reaching its room to
///   its hand-over to every other member's outbound, after the durable append.
/// - `tandem_document_save_duration_seconds{target="state"|"note"}`: one write of the merged state to the store, or
///   of a note's content to its source (every attempt, failed ones too).
///
/// Label sets are fixed (never a document or user id). Observing is the histogram's lock and binary search; the
/// series objects exist from the start, so rooms on their own executors never touch the registry.
public final class DocumentLatencies: Sendable {
    /// Join latency of Socket.IO peers.
    public let joinSocketIO = MetricHistogram(bounds: MetricHistogram.latencyBuckets)
    /// Join latency of y-websocket peers.
    public let joinYWebSocket = MetricHistogram(bounds: MetricHistogram.latencyBuckets)
    /// Relay latency of updates written by Socket.IO peers.
    public let relaySocketIO = MetricHistogram(bounds: MetricHistogram.latencyBuckets)
    /// Relay latency of updates written by y-websocket peers.
    public let relayYWebSocket = MetricHistogram(bounds: MetricHistogram.latencyBuckets)
    /// State writes to the document store.
    public let saveState = MetricHistogram(bounds: MetricHistogram.latencyBuckets)
    /// Note content writes to the note's source (Tandem's note store or the host application).
    public let saveNote = MetricHistogram(bounds: MetricHistogram.latencyBuckets)

    /// The join latency family.
    public static let joinName = "tandem_document_join_duration_seconds"
    /// The relay latency family.
    public static let relayName = "tandem_document_relay_duration_seconds"
    /// The save latency family.
    public static let saveName = "tandem_document_save_duration_seconds"

    init() {}

    /// The join histogram of `kind`.
    func join(_ kind: DocumentPeer.Kind) -> MetricHistogram {
        switch kind {
        case .socketIO: return joinSocketIO
        case .yWebSocket: return joinYWebSocket
        }
    }

    /// The relay histogram of a writer of `kind`.
    func relay(_ kind: DocumentPeer.Kind) -> MetricHistogram {
        switch kind {
        case .socketIO: return relaySocketIO
        case .yWebSocket: return relayYWebSocket
        }
    }

    /// Publishes the histograms in `registry`.
    func register(in registry: MetricsRegistry) {
        let join = "Time from a join request to the joiner's state answer being queued"
        let relay =
            "Time from a member's update reaching its room to its relay to every other member, after the durable append"
        let save = "Time to write a document's state (target=state) or a note's content (target=note)"
        registry.register(joinSocketIO, as: Self.joinName, help: join, labels: ["protocol": "socketio"])
        registry.register(joinYWebSocket, as: Self.joinName, help: join, labels: ["protocol": "ywebsocket"])
        registry.register(relaySocketIO, as: Self.relayName, help: relay, labels: ["protocol": "socketio"])
        registry.register(relayYWebSocket, as: Self.relayName, help: relay, labels: ["protocol": "ywebsocket"])
        registry.register(saveState, as: Self.saveName, help: save, labels: ["target": "state"])
        registry.register(saveNote, as: Self.saveName, help: save, labels: ["target": "note"])
    }
}
