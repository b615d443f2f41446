/// The events API's and the outbox's metrics (Docs/events.md "Metrics"), registered once per server.
///
/// Label values come from small fixed sets: the target kind (`user`, `room`, `session`), durable or not, and the
/// outcome of a call; never a user id, room or event name. Without a registry (tests, embedded use) the counters
/// still count into a private registry that nobody renders.
public struct EventsMetrics: Sendable {
    /// Outcomes of ``EventsAPI`` calls, in label order.
    public enum CallOutcome: String, Sendable, CaseIterable {
        case answered, timeout, notConnected = "not_connected", disconnected
    }

    /// Why a durable event was not stored, in label order.
    public enum Refusal: String, Sendable, CaseIterable {
        case full, tooLarge = "too_large", storage
    }

    let emitted: [String: MetricCounter]
    let receivers: MetricCounter
    let calls: [CallOutcome: MetricCounter]
    let callDuration: MetricHistogram
    let outboxStored: MetricCounter
    let outboxRefused: [Refusal: MetricCounter]
    let outboxAcknowledged: MetricCounter
    let outboxResent: MetricCounter
    /// Connects whose cluster-wide per-user count could not be read (only this node's connections counted).
    let limitCheckFailures: MetricCounter

    /// Registers the events metrics in `registry` (a private one when nil).
    public init(registry: MetricsRegistry?) {
        let registry = registry ?? MetricsRegistry()
        var emitted: [String: MetricCounter] = [:]
        for target in ["user", "room", "session"] {
            for durable in ["false", "true"] where durable == "false" || target == "user" {
                emitted[Self.key(target, durable == "true")] = registry.counter(
                    "tandem_events_emitted_total", help: "Events sent by host backends (events API), by target kind",
                    labels: ["target": target, "durable": durable])
            }
        }
        self.emitted = emitted
        self.receivers = registry.counter(
            "tandem_events_receivers_total", help: "Local connections that received an event of the events API")
        self.calls = Dictionary(uniqueKeysWithValues: CallOutcome.allCases.map { outcome in
            (outcome, registry.counter(
                "tandem_events_calls_total", help: "Calls of the events API (emit and wait for the answer), by outcome",
                labels: ["outcome": outcome.rawValue]))
        })
        self.callDuration = registry.histogram(
            "tandem_events_call_duration_seconds", help: "Time from a call of the events API to its answer or failure")
        self.outboxStored = registry.counter(
            "tandem_events_outbox_stored_total", help: "Durable events stored in users' outboxes")
        self.outboxRefused = Dictionary(uniqueKeysWithValues: Refusal.allCases.map { reason in
            (reason, registry.counter(
                "tandem_events_outbox_refused_total", help: "Durable events refused, by reason",
                labels: ["reason": reason.rawValue]))
        })
        self.outboxAcknowledged = registry.counter(
            "tandem_events_outbox_acknowledged_total", help: "Durable events acknowledged by clients")
        self.outboxResent = registry.counter(
            "tandem_events_outbox_resent_total", help: "Pending durable events sent again on reconnect or resume")
        self.limitCheckFailures = registry.counter(
            "tandem_events_limit_check_failures_total",
            help: "Connects whose connections on other cluster nodes could not be counted (this node's counted only)")
    }

    static func key(_ target: String, _ durable: Bool) -> String { durable ? target + "+durable" : target }

    /// Counts one emit to `target` that reached `receivers` local connections.
    func emitted(to target: EventTarget, durable: Bool, receivers: Int) {
        let kind: String
        switch target {
        case .user: kind = "user"
        case .room: kind = "room"
        case .session: kind = "session"
        }
        emitted[Self.key(kind, durable)]?.increment()
        self.receivers.increment(by: Int64(receivers))
    }

    func called(_ outcome: CallOutcome, since start: ContinuousClock.Instant) {
        calls[outcome]?.increment()
        callDuration.observe(since: start)
    }

    func refused(_ error: OutboxError) {
        switch error {
        case .full: outboxRefused[.full]?.increment()
        case .tooLarge: outboxRefused[.tooLarge]?.increment()
        case .storage: outboxRefused[.storage]?.increment()
        }
    }
}
