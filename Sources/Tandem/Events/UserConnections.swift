import Synchronization
import Wire

/// The live connections of every user across protocols, with the per-user limit (`--max-connections-per-user`).
///
/// Socket.IO sockets (at CONNECT, when the token names a user), plain chat and notify WebSockets and y-websocket
/// connections register here; a registration past the limit is refused and the protocol reports
/// ``AuthOutcome/tooManyConnections`` (CONNECT_ERROR code 4029, close 4029, or HTTP 429 on a y-websocket upgrade).
/// Without a limit (the default, as Open WebUI) nothing is refused and the table only answers
/// `GET /api/v1/events/sessions`. Lock-protected so transports can call it from any task; never suspends.
///
/// In cluster mode the limit is cluster-wide: ``admit(_:)`` first asks the counter set with
/// ``countElsewhere(_:)`` how many connections the user holds on the other live nodes (the Redis connection table,
/// ``ClusterConnections``) and refuses when those plus this node's reach the limit. When that count cannot be read
/// (Redis down or slow) the counter answers nil and only this node's connections are counted: a Redis outage
/// never locks users out, and never lets more than the limit in on any one node. Two connects on two nodes at the
/// same moment may both pass (each counted before the other's registration reached Redis): the limit is a guard
/// against runaway tabs, not a hard quota (Docs/events.md, "Per-user connection limit").
public final class UserConnections: Sendable {
    /// Counts a user's connections held elsewhere (other nodes of a cluster); nil when they cannot be read.
    public typealias ElsewhereCounter = @Sendable (_ userID: String) async -> Int?

    /// One live connection.
    public struct Entry: Sendable, Equatable {
        /// The connection id: the Socket.IO sid, or `chat-<n>`, `notify-<n>`, `yws-<n>`.
        public var id: String
        public var userID: String
        /// `socketio`, `chat`, `notify` or `y-websocket`.
        public var kind: String
        /// The channel or document, when the connection is bound to one.
        public var target: String?
    }

    /// The most connections one user may hold at once; nil (the default) for no limit.
    public let maxPerUser: Int?
    private let state = Mutex<(byID: [String: Entry], byUser: [ByteKey: Set<String>])>(([:], [:]))

    /// Told of every registration (`true`) and removal (`false`), outside the lock (cluster mode mirrors the table).
    private let observer = Mutex<(@Sendable (Entry, Bool) -> Void)?>(nil)

    /// Calls `observer` for every later registration and removal.
    public func observe(_ observer: @escaping @Sendable (Entry, Bool) -> Void) {
        self.observer.withLock { $0 = observer }
    }

    /// The counter of connections on other nodes; nil outside cluster mode.
    private let elsewhere = Mutex<ElsewhereCounter?>(nil)

    public init(maxPerUser: Int? = nil) {
        self.maxPerUser = maxPerUser
    }

    /// Counts the user's connections on other nodes with `counter` at every ``admit(_:)`` (cluster mode).
    public func countElsewhere(_ counter: @escaping ElsewhereCounter) {
        elsewhere.withLock { $0 = counter }
    }

    /// How many connections the user holds elsewhere, for the limit: 0 without a limit or a counter, and when the
    /// counter cannot read them (then only this node's connections count).
    public func elsewhereCount(ofUser userID: String) async -> Int {
        guard maxPerUser != nil, let counter = elsewhere.withLock({ $0 }) else { return 0 }
        return max(0, await counter(userID) ?? 0)
    }

    /// Registers a connection after counting the user's connections elsewhere (``elsewhereCount(ofUser:)``); false
    /// (and nothing registered) when the user is at the limit.
    public func admit(_ entry: Entry) async -> Bool {
        register(entry, elsewhere: await elsewhereCount(ofUser: entry.userID))
    }

    /// Registers a connection; false (and nothing registered) when the user's connections here plus `elsewhere`
    /// (on other nodes) reach the limit. Registering an id that is already registered replaces it without counting
    /// twice.
    public func register(_ entry: Entry, elsewhere: Int = 0) -> Bool {
        let (accepted, replaced) = state.withLock { state -> (Bool, Entry?) in
            let current = state.byUser[ByteKey(entry.userID)] ?? []
            if let maxPerUser, !current.contains(entry.id), current.count + elsewhere >= maxPerUser { return (false, nil) }
            let old = state.byID[entry.id]
            if let old, !old.userID.bytewiseEquals(entry.userID) {
                state.byUser[ByteKey(old.userID)]?.remove(entry.id)
            }
            state.byID[entry.id] = entry
            state.byUser[ByteKey(entry.userID), default: []].insert(entry.id)
            return (true, old)
        }
        if accepted, let observe = observer.withLock({ $0 }) {
            if let replaced, !replaced.userID.bytewiseEquals(entry.userID) { observe(replaced, false) }
            observe(entry, true)
        }
        return accepted
    }

    /// Forgets a connection (no-op for an unknown id).
    public func unregister(_ id: String) {
        let removed = state.withLock { state -> Entry? in
            guard let entry = state.byID.removeValue(forKey: id) else { return nil }
            state.byUser[ByteKey(entry.userID)]?.remove(id)
            if state.byUser[ByteKey(entry.userID)]?.isEmpty == true { state.byUser[ByteKey(entry.userID)] = nil }
            return entry
        }
        if let removed, let observe = observer.withLock({ $0 }) { observe(removed, false) }
    }

    /// The user's live connections, by id.
    public func entries(ofUser userID: String) -> [Entry] {
        state.withLock { state in
            (state.byUser[ByteKey(userID)] ?? []).compactMap { state.byID[$0] }.sorted { $0.id < $1.id }
        }
    }

    /// How many connections the user holds.
    public func count(ofUser userID: String) -> Int {
        state.withLock { $0.byUser[ByteKey(userID)]?.count ?? 0 }
    }
}
