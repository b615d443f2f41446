/// The transport's own metrics, registered in a ``MetricsRegistry``.
///
/// Updated from the event loop thread and from sending tasks; every metric is internally locked.
public struct ServerMetrics: Sendable {
    /// Kinds of error counted in `tandem_errors_total{kind=...}`.
    public enum ErrorKind: String, Sendable, CaseIterable {
        /// A request that failed to parse (answered 4xx/5xx).
        case httpParse = "http_parse"
        /// A refused WebSocket handshake.
        case handshake
        /// A WebSocket protocol violation (connection failed with 1002/1007/1009).
        case websocketProtocol = "websocket_protocol"
        /// A reader that fell behind the write-queue limit (closed with 1013).
        case slowReader = "slow_reader"
        /// A peer that did not answer a keepalive ping.
        case keepaliveTimeout = "keepalive_timeout"
        /// A connection closed for being idle.
        case idleTimeout = "idle_timeout"
        /// A request that took longer than the request timeout to arrive (answered 408).
        case requestTimeout = "request_timeout"
        /// A handler that threw something other than `HTTPError` (answered 500).
        case handler
        /// `accept` failures, including running out of descriptors or connections.
        case accept
        /// Read or write errors on a socket (resets included).
        case io
    }

    /// `tandem_connections_open` (gauge).
    public let openConnections: MetricGauge
    /// `tandem_websockets_open` (gauge).
    public let openWebSockets: MetricGauge
    /// `tandem_connections_accepted_total`.
    public let acceptedConnections: MetricCounter
    /// `tandem_connections_closed_total`.
    public let closedConnections: MetricCounter
    /// `tandem_http_requests_total`.
    public let httpRequests: MetricCounter
    /// `tandem_http_request_duration_seconds` (histogram): from the complete request to its response queued.
    public let httpRequestDuration: MetricHistogram
    /// `tandem_websocket_messages_received_total`.
    public let messagesIn: MetricCounter
    /// `tandem_websocket_messages_sent_total`.
    public let messagesOut: MetricCounter
    /// `tandem_bytes_received_total`.
    public let bytesIn: MetricCounter
    /// `tandem_bytes_sent_total`.
    public let bytesOut: MetricCounter
    private let errors: [ErrorKind: MetricCounter]
    /// `tandem_http_responses_total{class="1xx"…"5xx"}`, by status class (bounded labels).
    private let responses: [MetricCounter]

    /// Registers the transport metrics in `registry`.
    public init(registry: MetricsRegistry) {
        self.openConnections = registry.gauge("tandem_connections_open", help: "Open TCP connections.")
        self.openWebSockets = registry.gauge("tandem_websockets_open", help: "Open WebSocket connections.")
        self.acceptedConnections = registry.counter(
            "tandem_connections_accepted_total", help: "TCP connections accepted.")
        self.closedConnections = registry.counter(
            "tandem_connections_closed_total", help: "TCP connections closed.")
        self.httpRequests = registry.counter("tandem_http_requests_total", help: "HTTP requests received.")
        self.httpRequestDuration = registry.histogram(
            "tandem_http_request_duration_seconds", help: "Time from a complete HTTP request to its response.")
        self.responses = (1...5).map { digit in
            registry.counter(
                "tandem_http_responses_total", help: "HTTP responses by status class.", labels: ["class": "\(digit)xx"])
        }
        self.messagesIn = registry.counter(
            "tandem_websocket_messages_received_total", help: "WebSocket messages received.")
        self.messagesOut = registry.counter(
            "tandem_websocket_messages_sent_total", help: "WebSocket messages queued for sending.")
        self.bytesIn = registry.counter("tandem_bytes_received_total", help: "Bytes read from sockets.")
        self.bytesOut = registry.counter("tandem_bytes_sent_total", help: "Bytes written to sockets.")
        var errors: [ErrorKind: MetricCounter] = [:]
        for kind in ErrorKind.allCases {
            errors[kind] = registry.counter(
                "tandem_errors_total", help: "Errors by kind.", labels: ["kind": kind.rawValue])
        }
        self.errors = errors
    }

    /// Counts one error of `kind`.
    public func error(_ kind: ErrorKind) {
        self.errors[kind]?.increment()
    }

    /// Counts one response with `status` (a status code of 100–599) in its class.
    public func response(status: Int) {
        let index = status / 100 - 1
        guard self.responses.indices.contains(index) else { return }
        self.responses[index].increment()
    }

    /// The count of errors of `kind` so far.
    public func errorCount(_ kind: ErrorKind) -> Int64 {
        self.errors[kind]?.value ?? 0
    }
}
