import Glibc

/// When to stop and resume accepting connections after `accept(2)` ran out of file descriptors.
///
/// With `EMFILE`/`ENFILE` the pending connection stays in the listen backlog, so the listener stays readable and a
/// level-triggered loop would call `accept` again at once, forever: 100 % CPU and no client served or refused
/// (issue 19, #6). Instead the loop stops polling the listener for a backoff that doubles from
/// ``ServerConfiguration/acceptBackoff`` up to ``ServerConfiguration/maxAcceptBackoff`` while the condition lasts,
/// and resets after a successful accept. A value type; time is passed in.
struct AcceptThrottle {
    let initialBackoff: Duration
    let maxBackoff: Duration
    /// When the listener is polled again; nil while accepting normally.
    private(set) var resumeAt: ContinuousClock.Instant?
    private var backoff: Duration
    /// Pauses since the last successful accept (the first one is logged, the rest only counted).
    private(set) var consecutivePauses = 0

    init(initialBackoff: Duration, maxBackoff: Duration) {
        self.initialBackoff = max(initialBackoff, .milliseconds(1))
        self.maxBackoff = max(maxBackoff, self.initialBackoff)
        self.backoff = self.initialBackoff
    }

    /// Whether `errno` from `accept(2)` means "out of descriptors or kernel memory": pause rather than retry.
    static func isExhaustion(_ code: Int32) -> Bool {
        code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM
    }

    /// Accepting ran out of descriptors at `now`: pause until the returned instant.
    mutating func exhausted(now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let until = now + self.backoff
        self.resumeAt = until
        self.consecutivePauses += 1
        self.backoff = min(self.backoff * 2, self.maxBackoff)
        return until
    }

    /// Whether a pause is over at `now` (the loop then polls the listener again).
    func shouldResume(now: ContinuousClock.Instant) -> Bool {
        self.resumeAt.map { now >= $0 } ?? false
    }

    /// The listener is polled again.
    mutating func resumed() {
        self.resumeAt = nil
    }

    /// A connection was accepted: the next exhaustion starts from the initial backoff again.
    mutating func accepted() {
        self.backoff = self.initialBackoff
        self.consecutivePauses = 0
    }
}
