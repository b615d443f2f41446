/// When to persist each dirty document: a trailing debounce with a maximum wait.
///
/// A document is written `delay` after its last change (0.5 s by default), so a burst of keystrokes costs one write;
/// a document under constant editing is still written at least every `maxWait` (5 s by default), counted from the
/// first change since its last write. The schedule is a pure value: callers pass the time in and act on what the
/// methods return, which keeps the persister testable without sleeping.
public struct DebounceSchedule<Key: Hashable & Sendable>: Sendable {
    /// Trailing delay after the last change before a document is written.
    public var delay: Duration
    /// Longest a dirty document waits, counted from its first unwritten change.
    public var maxWait: Duration

    private struct Entry: Sendable {
        var firstDirty: ContinuousClock.Instant
        var lastDirty: ContinuousClock.Instant
    }

    private var entries: [Key: Entry] = [:]

    /// Creates a schedule with the given trailing delay and maximum wait (`maxWait` is raised to `delay` if lower).
    public init(delay: Duration = .milliseconds(500), maxWait: Duration = .seconds(5)) {
        self.delay = delay
        self.maxWait = max(maxWait, delay)
    }

    /// Records a change to `key` at `now`.
    public mutating func markDirty(_ key: Key, now: ContinuousClock.Instant) {
        if var entry = entries[key] {
            entry.lastDirty = max(entry.lastDirty, now)
            entries[key] = entry
        } else {
            entries[key] = Entry(firstDirty: now, lastDirty: now)
        }
    }

    /// Whether `key` has changes not yet handed out by ``takeDue(now:)`` or ``takeAll()``.
    public func isDirty(_ key: Key) -> Bool { entries[key] != nil }

    /// The number of dirty documents.
    public var dirtyCount: Int { entries.count }

    /// The instant at which `key` becomes due, or nil when it is clean.
    public func deadline(for key: Key) -> ContinuousClock.Instant? {
        guard let entry = entries[key] else { return nil }
        return min(entry.lastDirty + delay, entry.firstDirty + maxWait)
    }

    /// The earliest instant at which any document becomes due; nil when nothing is dirty.
    public var nextDeadline: ContinuousClock.Instant? {
        entries.keys.compactMap { deadline(for: $0) }.min()
    }

    /// Removes and returns every document due at `now`; the caller writes them.
    public mutating func takeDue(now: ContinuousClock.Instant) -> [Key] {
        let due = entries.keys.filter { key in
            guard let deadline = deadline(for: key) else { return false }
            return deadline <= now
        }
        for key in due { entries[key] = nil }
        return due
    }

    /// Removes and returns `key` if it is dirty, whatever its deadline (a flush on leave or shutdown).
    public mutating func take(_ key: Key) -> Bool {
        entries.removeValue(forKey: key) != nil
    }

    /// Removes and returns every dirty document (shutdown).
    public mutating func takeAll() -> [Key] {
        let keys = Array(entries.keys)
        entries.removeAll()
        return keys
    }
}
