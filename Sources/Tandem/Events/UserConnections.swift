import Synchronization
import Wire

/// The live connections of every user across protocols, with the per-user limit (`--max-connections-per-user`).
///
/// Socket.IO sockets (at CONNECT, when the token names a user), plain chat and notify WebSockets and y-websocket
/// connections register here; a registration past the limit is refused and the protocol reports
/// ``AuthOutcome/tooManyConnections`` (CONNECT_ERROR code 4029, close 4029, or HTTP 429 on a y-websocket upgrade).
/// Without a limit (the default, as Open WebUI) nothing is refused and the table only answers
/// `GET /api/v1/events/sessions`. Lock-protected so transports can call it from any task; never suspends.
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
    private let state = Mutex<(byID: [String: Entry], byUser: [ByteKey: Set<String>])>(([:], [:]))

    /// Told of every registration (`true`) and removal (`false`), outside the lock (cluster mode mirrors the table).
    private let observer = Mutex<(@Sendable (Entry, Bool) -> Void)?>(nil)

    /// Calls `observer` for every later registration and removal.
    public func observe(_ observer: @escaping @Sendable (Entry, Bool) -> Void) {
        self.observer.withLock { $0 = observer }
    }

    public init(maxPerUser: Int? = nil) {
        self.maxPerUser = maxPerUser
    }

    /// Registers a connection; false (and nothing registered) when the user is at the limit. Registering an id
    /// that is already registered replaces it without counting twice.
    public func register(_ entry: Entry) -> Bool {
        let (accepted, replaced) = state.withLock { state -> (Bool, Entry?) in
            let current = state.byUser[ByteKey(entry.userID)] ?? []
            if let maxPerUser, !current.contains(entry.id), current.count >= maxPerUser { return (false, nil) }
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
