/// The one task that keeps a node's mirror of local state in Redis: it writes changes in the order they happen and
/// heals the mirror on a timer.
///
/// A node mirrors tables that only it changes (its plain connections, its online users per channel). Writes can
/// fail (Redis unreachable), Redis can restart empty, and the other nodes delete a node's entries when they take it
/// for dead during a pause; the mirror must come back by itself. So every ``checkInterval`` the task runs the owner's
/// check: a cheap one (a count), and every ``fullCheckEvery``-th time a full one (every entry), so that a divergence
/// that leaves the count equal heals too. A failed write marks the mirror dirty; the next check then rewrites it
/// whatever the count says. Changes and checks go through one queue, so a check never races a write
/// (Docs/cluster.md, Docs/events.md).
final class RedisMirrorWriter<Change: Sendable>: Sendable {
    /// One item of the queue.
    enum Step: Sendable {
        case change(Change)
        case check
    }

    /// How the owner writes one change; false when the write failed (the mirror is then dirty).
    typealias Write = @Sendable (Change) async -> Bool
    /// How the owner checks and heals the mirror. `full`: compare every entry, not only a count; `dirty`: a write
    /// failed since the last successful check, so rewrite. Returns whether the mirror is now known to match.
    typealias Check = @Sendable (_ full: Bool, _ dirty: Bool) async -> Bool

    /// Every this many checks, the check is full (12: once a minute at the default 5 s interval).
    static var fullCheckEvery: Int { 12 }
    /// Changes queued at most; past it a change is dropped and the mirror marked dirty (healed by the next check).
    static var maxQueued: Int { 1 << 16 }

    let checkInterval: Duration
    private let stream: AsyncStream<Step>
    private let queue: AsyncStream<Step>.Continuation
    /// Failed writes and dropped changes not yet healed by a check (a count, so one that happens during a check is
    /// not cleared by it).
    private let dirty = Locked(0)

    init(checkInterval: Duration) {
        self.checkInterval = checkInterval
        (stream, queue) = AsyncStream.makeStream(of: Step.self, bufferingPolicy: .bufferingOldest(Self.maxQueued))
    }

    /// Starts the writing task and its timer.
    func start(write: @escaping Write, check: @escaping Check) {
        let (stream, dirty, queue, interval) = (self.stream, self.dirty, self.queue, checkInterval)
        Task {
            var checks = 0
            for await step in stream {
                switch step {
                case .change(let change):
                    if await !write(change) { dirty.withLock { $0 += 1 } }
                case .check:
                    checks += 1
                    let pending = dirty.withLock { $0 }
                    if await check(checks % Self.fullCheckEvery == 0, pending > 0) { dirty.withLock { $0 -= pending } }
                }
            }
        }
        Task {
            while true {
                try? await Task.sleep(for: interval)
                if case .terminated = queue.yield(.check) { return }
            }
        }
    }

    /// Queues a change; a full queue marks the mirror dirty instead.
    func yield(_ change: Change) {
        if case .dropped = queue.yield(.change(change)) { dirty.withLock { $0 += 1 } }
    }

    /// Stops the task once what is queued is written.
    func finish() { queue.finish() }

    /// Whether a write failed (or a change was dropped) since the last successful check.
    var isDirty: Bool { dirty.withLock { $0 > 0 } }
}
