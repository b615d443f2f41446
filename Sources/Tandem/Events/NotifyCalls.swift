import Wire

/// Why a call to a `/ws/notify` connection failed.
public enum NotifyCallError: Error, Equatable, Sendable {
    /// No answer within the timeout (HTTP 504).
    case timedOut
    /// The connection closed before answering, or was closing when the call started (HTTP 502).
    case disconnected
    /// The connection already has ``NotifyCalls/maxPending`` calls waiting (HTTP 429).
    case busy(limit: Int)
    /// No such connection on the node that was asked (HTTP 404).
    case notFound
    /// The node that holds the connection did not receive the call: gone, or Redis unreachable (HTTP 404).
    case unreachable
}

/// The calls waiting for an answer on one `/ws/notify` connection: a state machine that hands out ids and returns
/// the waiters to resume (outside any lock).
///
/// Wire format (Docs/events.md, "`/ws/notify`"): the server sends `{"type":"call","id":<int>,"event","data"}`, the
/// client answers `{"type":"answer","id":<the same int>,"data"}`. Ids start at 1 and increase per connection.
struct NotifyCalls: Sendable {
    typealias Waiter = CheckedContinuation<Result<JSONValue, NotifyCallError>, Never>

    /// The most calls waiting at once on one connection (default 64; ``NotifyEndpoint/maxPendingCalls``).
    let maxPending: Int
    private var nextID: Int64 = 1
    private var waiting: [Int64: Waiter] = [:]
    private(set) var closed = false

    init(maxPending: Int) {
        self.maxPending = maxPending
    }

    /// What to do with a new call.
    enum Start {
        /// Send the call message with this id; `waiter` is resumed by ``finish(_:)`` or ``close()``.
        case send(id: Int64)
        /// Resume `waiter` with this error at once.
        case refuse(NotifyCallError)
    }

    /// Registers `waiter` for a new call.
    mutating func start(_ waiter: Waiter) -> Start {
        guard !closed else { return .refuse(.disconnected) }
        guard waiting.count < maxPending else { return .refuse(.busy(limit: maxPending)) }
        let id = nextID
        nextID += 1
        waiting[id] = waiter
        return .send(id: id)
    }

    /// The waiter of call `id`, removed; nil when no call with this id waits (answered, timed out, never sent).
    mutating func finish(_ id: Int64) -> Waiter? {
        waiting.removeValue(forKey: id)
    }

    /// Every waiting call, removed, and no call starts any more: the connection closed.
    mutating func close() -> [Waiter] {
        closed = true
        defer { waiting = [:] }
        return waiting.sorted { $0.key < $1.key }.map(\.value)
    }

    /// How many calls wait.
    var count: Int { waiting.count }
}

/// The live `/ws/notify` connections of this node by id (``NotifyEndpoint/idPrefix`` + number), so the events API can call one.
final class NotifyRegistry: Sendable {
    private let sessions = Locked<[String: NotifySession]>([:])

    func add(_ session: NotifySession) {
        sessions.withLock { $0[session.id] = session }
    }

    func remove(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// The connection with this id on this node.
    func session(_ id: String) -> NotifySession? {
        sessions.withLock { $0[id] }
    }
}
