/// A token bucket per key: at most `burst` events at once, refilled at `perSecond`.
///
/// Used for typing indicators (the Open WebUI client emits `typing` on every keystroke) so one user cannot flood a
/// channel room. Time is passed in, so the limiter is testable without sleeping.
public struct RateLimiter<Key: Hashable & Sendable>: Sendable {
    /// Tokens refilled per second.
    public var perSecond: Double
    /// Bucket size: events allowed in a burst.
    public var burst: Double
    /// Buckets idle this long are forgotten by ``prune(now:)``.
    public var idleExpiry: Duration = .seconds(60)

    private var buckets: [Key: (tokens: Double, last: ContinuousClock.Instant)] = [:]

    /// A limiter allowing `perSecond` events per second per key, with bursts of `burst`.
    public init(perSecond: Double, burst: Double) {
        self.perSecond = max(perSecond, 0)
        self.burst = max(burst, 1)
    }

    /// Takes a token for `key` at `now`; false when the key is over its rate (drop the event).
    public mutating func allow(_ key: Key, now: ContinuousClock.Instant) -> Bool {
        var bucket = buckets[key] ?? (tokens: burst, last: now)
        let elapsed = now - bucket.last
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + max(0, seconds) * perSecond)
        bucket.last = max(bucket.last, now)
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return true
    }

    /// Forgets buckets idle for ``idleExpiry`` (they are full again by then), bounding memory.
    public mutating func prune(now: ContinuousClock.Instant) {
        buckets = buckets.filter { now - $0.value.last < idleExpiry }
    }

    /// Keys currently tracked.
    public var trackedCount: Int { buckets.count }
}
