/// Exponential reconnect delays with a cap: a value type, so the schedule is testable without a clock.
///
/// python-socketio's Redis manager retries its subscription after 1, 2, 4 … 60 s; redis-py's `ExponentialBackoff`
/// doubles from a base up to a cap. Tandem starts lower (Redis restarts are usually quick) and caps at 10 s.
public struct RedisBackoff: Sendable, Equatable {
    /// The schedule.
    public struct Policy: Sendable, Equatable {
        /// First delay. Default 100 ms.
        public var initial: Duration
        /// Largest delay. Default 10 s.
        public var maximum: Duration
        /// Growth factor per failed attempt. Default 2.
        public var multiplier: Int

        public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(10), multiplier: Int = 2) {
            self.initial = initial
            self.maximum = maximum
            self.multiplier = multiplier
        }
    }

    /// The schedule.
    public let policy: Policy
    /// Failed attempts since the last success.
    public private(set) var attempt = 0
    private var current: Duration

    public init(policy: Policy = Policy()) {
        self.policy = policy
        self.current = policy.initial
    }

    /// The delay before the next attempt; each call grows the following one, up to the cap.
    public mutating func next() -> Duration {
        self.attempt += 1
        let delay = min(self.current, self.policy.maximum)
        self.current = min(self.current * max(1, self.policy.multiplier), self.policy.maximum)
        return delay
    }

    /// Back to the initial delay (after a successful connection).
    public mutating func reset() {
        self.attempt = 0
        self.current = self.policy.initial
    }
}
