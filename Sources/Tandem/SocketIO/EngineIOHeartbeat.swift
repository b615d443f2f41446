/// Engine.IO v4 server heartbeat: ping every `interval`, close if no pong within `timeout`.
///
/// In Engine.IO v4 the server pings (`2`) and the client answers (`3`); a client that misses the deadline is gone
/// (engine.io-protocol v4, "Heartbeat"). A pure state machine: the caller passes `now` and acts on the result.
public struct EngineIOHeartbeat: Sendable, Equatable {
    /// What the caller must do after ``tick(now:)``.
    public enum Action: Sendable, Equatable {
        case none
        /// Send a ping packet now.
        case sendPing
        /// The pong is overdue: close the session.
        case timedOut
    }

    /// Time between a pong (or the open) and the next ping.
    public let interval: Duration
    /// Time allowed for the pong.
    public let timeout: Duration
    private var nextPing: ContinuousClock.Instant
    private var pongDeadline: ContinuousClock.Instant?

    /// A heartbeat whose first ping is due `interval` after `now`.
    public init(interval: Duration, timeout: Duration, now: ContinuousClock.Instant) {
        self.interval = interval
        self.timeout = timeout
        self.nextPing = now + interval
    }

    /// Whether a ping is outstanding.
    public var isAwaitingPong: Bool { self.pongDeadline != nil }

    /// Advances to `now`.
    public mutating func tick(now: ContinuousClock.Instant) -> Action {
        if let deadline = self.pongDeadline {
            return now >= deadline ? .timedOut : .none
        }
        guard now >= self.nextPing else { return .none }
        self.pongDeadline = now + self.timeout
        return .sendPing
    }

    /// Records a pong at `now`; the next ping is due `interval` later.
    public mutating func receivedPong(now: ContinuousClock.Instant) {
        self.pongDeadline = nil
        self.nextPing = now + self.interval
    }
}
