import Wire

/// The live connections of every user across protocols, with the per-user limit (`--max-connections-per-user`).
///
/// Socket.IO sockets (at CONNECT, when the token names a user), plain chat and notify WebSockets and y-websocket
/// connections register here; a registration past the limit is refused and the protocol reports
/// ``AuthOutcome/tooManyConnections`` (CONNECT_ERROR code 4029, close 4029, or HTTP 429 on a y-websocket upgrade).
/// Without a limit (the default, as Open WebUI) nothing is refused and the table only answers
/// `GET /api/v1/events/sessions`. Lock-protected so transports can call it from any task; only ``admit(_:)`` suspends
/// (in cluster mode, for Redis).
///
/// In cluster mode the limit is cluster-wide: ``admit(_:)`` first asks the ``ClusterAdmitter`` set with
/// ``admitAcrossNodes(with:)`` (``ClusterConnections``), which counts the user's connections on the other live nodes
/// and, in the same atomic Redis script, reserves the new connection's entry when those plus this node's stay
/// below the limit; so two nodes admitting at once never both take the last slot. When Redis cannot be reached
/// only this node's connections are counted: a Redis outage never locks users out, and never lets more than the
/// limit in on any one node (Docs/events.md, "Per-user connection limit").
public final class UserConnections: Sendable {
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
    private let state = Locked<(byID: [String: Entry], byUser: [ByteKey: Set<String>])>(([:], [:]))

    /// Told of every registration (`true`) and removal (`false`), outside the lock (cluster mode mirrors the table).
    private let observer = Locked<(@Sendable (Entry, Bool) -> Void)?>(nil)

    /// Calls `observer` for every later registration and removal.
    public func observe(_ observer: @escaping @Sendable (Entry, Bool) -> Void) {
        self.observer.withLock { $0 = observer }
    }

    /// The other nodes' side of the limit; nil outside cluster mode.
    private let admitter = Locked<(any ClusterAdmitter)?>(nil)

    public init(maxPerUser: Int? = nil) {
        self.maxPerUser = maxPerUser
    }

    /// Counts and reserves the user's connections on other nodes with `admitter` at every ``admit(_:)`` (cluster
    /// mode, with a limit).
    public func admitAcrossNodes(with admitter: any ClusterAdmitter) {
        self.admitter.withLock { $0 = admitter }
    }

    /// Whether ``admit(_:)`` asks other nodes (a limit and an admitter); otherwise ``register(_:elsewhere:)`` is
    /// the same, without suspending.
    public var admitsAcrossNodes: Bool { maxPerUser != nil && admitter.withLock { $0 } != nil }

    /// Registers a connection when the user's connections here and on the other nodes stay below the limit; false
    /// (and nothing registered, here or in Redis) otherwise.
    public func admit(_ entry: Entry) async -> Bool {
        guard let maxPerUser, let admitter = admitter.withLock({ $0 }) else { return register(entry) }
        let here = state.withLock { state in
            (state.byUser[ByteKey(entry.userID)] ?? []).subtracting([entry.id]).count
        }
        switch await admitter.reserve(entry, here: here, limit: maxPerUser) {
        case .refused:
            return false
        case .unavailable:
            return register(entry)
        case .reserved(let elsewhere):
            // Another connection of the user may have registered here meanwhile: the local check has the last word.
            if register(entry, elsewhere: elsewhere) { return true }
            admitter.release(entry)
            return false
        }
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

    /// Every live connection, by id (the cluster mirror's resynchronization).
    public func allEntries() -> [Entry] {
        state.withLock { $0.byID.values.sorted { $0.id < $1.id } }
    }

    /// How many connections the user holds.
    public func count(ofUser userID: String) -> Int {
        state.withLock { $0.byUser[ByteKey(userID)]?.count ?? 0 }
    }
}

/// What the other nodes of a cluster say about one more connection of a user.
public enum ClusterAdmission: Sendable, Equatable {
    /// The user's connections on the other live nodes plus `here` reach the limit.
    case refused
    /// Below the limit: the entry is reserved in the shared table; `elsewhere` connections are on other nodes.
    case reserved(elsewhere: Int)
    /// The shared table could not be reached: count this node's connections only.
    case unavailable
}

/// The cluster side of the per-user limit (``ClusterConnections``).
public protocol ClusterAdmitter: Sendable {
    /// Counts the user's connections on the other live nodes and, atomically with it, reserves `entry` when those
    /// plus `here` (this node's, without `entry`) stay below `limit`.
    func reserve(_ entry: UserConnections.Entry, here: Int, limit: Int) async -> ClusterAdmission
    /// Removes a reservation whose connection was refused after all (queued; never suspends).
    func release(_ entry: UserConnections.Entry)
}
