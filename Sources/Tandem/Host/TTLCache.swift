/// A bounded map whose entries expire, with time passed in so tests can drive it.
///
/// Used by ``OpenWebUIHost`` to remember token → user answers briefly. `now` is always an argument (never read
/// from a clock here), so a test can step time without sleeping. When full, expired entries are swept first and
/// then the entry closest to expiry is evicted: memory stays bounded however many distinct tokens arrive.
struct TTLCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    private var entries: [Key: Entry] = [:]
    /// Most entries kept (at least 1).
    let capacity: Int

    /// Creates an empty cache holding at most `capacity` entries.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Entries currently stored (expired ones included until swept).
    var count: Int { self.entries.count }

    /// The value for `key` if it has not expired at `now`; an expired entry is removed.
    mutating func value(for key: Key, now: ContinuousClock.Instant) -> Value? {
        guard let entry = self.entries[key] else { return nil }
        guard now < entry.expires else {
            self.entries[key] = nil
            return nil
        }
        return entry.value
    }

    /// Stores `value` until `now + ttl`; a non-positive ttl stores nothing.
    mutating func set(_ value: Value, for key: Key, ttl: Duration, now: ContinuousClock.Instant) {
        guard ttl > .zero else {
            self.entries[key] = nil
            return
        }
        if self.entries[key] == nil && self.entries.count >= self.capacity {
            self.entries = self.entries.filter { now < $0.value.expires }
            if self.entries.count >= self.capacity,
                let soonest = self.entries.min(by: { $0.value.expires < $1.value.expires })?.key
            {
                self.entries[soonest] = nil
            }
        }
        self.entries[key] = Entry(value: value, expires: now + ttl)
    }

    /// Forgets `key`.
    mutating func remove(_ key: Key) {
        self.entries[key] = nil
    }

    /// Forgets everything.
    mutating func removeAll() {
        self.entries.removeAll()
    }
}
