/// A server-side awareness table: each client's latest state and clock, with the y-protocols timeout.
///
/// Follows `applyAwarenessUpdate` (yjs-format.md §5.3): an entry is taken when its clock is newer, or when the clock
/// is equal and it removes a present state. Clocks of removed clients are kept, so an older update arriving late
/// cannot bring a removed cursor back. A client not renewed for ``timeout`` (30 s) is dropped by ``expire(now:)``.
/// The server has no local state of its own, so the own-client exception of y-protocols does not arise.
public struct Awareness: Sendable {
    /// A client's entry.
    public struct State: Equatable, Sendable {
        public var clock: UInt64
        /// The state JSON text, or nil once removed.
        public var state: String?
        public var lastUpdated: ContinuousClock.Instant
    }

    /// What applying an update changed.
    public struct Changes: Equatable, Sendable {
        public var added: [ClientID] = []
        public var updated: [ClientID] = []
        public var removed: [ClientID] = []
        /// The entries that were taken, re-encodable for relaying (stale ones are left out).
        public var accepted: [AwarenessUpdate.Entry] = []

        public var isEmpty: Bool { accepted.isEmpty }
    }

    /// Remote states older than this are dropped (`outdatedTimeout`, 30 s).
    public var timeout: Duration
    /// Most clients tracked (default 10,000): further new clients are ignored.
    public var maxClients: Int

    public private(set) var clients: [ClientID: State] = [:]

    public init(timeout: Duration = .seconds(30), maxClients: Int = 10_000) {
        self.timeout = timeout
        self.maxClients = maxClients
    }

    /// Clients with a present (non-removed) state.
    public var activeClients: [ClientID] {
        clients.filter { $0.value.state != nil }.map(\.key).sorted()
    }

    /// Applies an update received at `now`.
    public mutating func apply(_ update: AwarenessUpdate, now: ContinuousClock.Instant) -> Changes {
        var changes = Changes()
        for entry in update.entries {
            let current = clients[entry.client]
            let currentClock = current?.clock ?? 0
            let hasState = current?.state != nil
            let isNewer = current == nil || currentClock < entry.clock
            let removesPresent = currentClock == entry.clock && entry.isRemoval && hasState
            guard isNewer || removesPresent else { continue }
            if current == nil && clients.count >= maxClients { continue }
            if entry.isRemoval {
                clients[entry.client] = State(clock: entry.clock, state: nil, lastUpdated: now)
                if hasState { changes.removed.append(entry.client) }
            } else {
                clients[entry.client] = State(clock: entry.clock, state: entry.state, lastUpdated: now)
                if !hasState {
                    changes.added.append(entry.client)
                } else if current?.state != entry.state {
                    changes.updated.append(entry.client)
                }
            }
            changes.accepted.append(entry)
        }
        return changes
    }

    /// Removes the given clients' states (their connection closed) and returns the update that tells the others:
    /// each present client with its clock + 1 and state `null`. Nil when none of them had a state.
    public mutating func remove(_ ids: some Sequence<ClientID>, now: ContinuousClock.Instant) -> AwarenessUpdate? {
        var entries: [AwarenessUpdate.Entry] = []
        for id in ids {
            guard let current = clients[id], current.state != nil else { continue }
            let clock = current.clock + 1
            clients[id] = State(clock: clock, state: nil, lastUpdated: now)
            entries.append(AwarenessUpdate.Entry(client: id, clock: clock, state: "null"))
        }
        return entries.isEmpty ? nil : AwarenessUpdate(entries: entries)
    }

    /// Marks a present client as renewed at `now` without changing its clock (a peer that is known to be alive).
    public mutating func refresh(_ client: ClientID, at now: ContinuousClock.Instant) {
        guard var entry = clients[client], entry.state != nil else { return }
        entry.lastUpdated = max(entry.lastUpdated, now)
        clients[client] = entry
    }

    /// Drops states not renewed within ``timeout``; returns the removal update to relay, if any.
    public mutating func expire(now: ContinuousClock.Instant) -> AwarenessUpdate? {
        let outdated = clients.filter { $0.value.state != nil && now - $0.value.lastUpdated >= timeout }.map(\.key)
        return remove(outdated.sorted(), now: now)
    }

    /// Forgets removed clients whose removal is older than `age` (bounding memory; their clocks no longer guard).
    public mutating func forgetRemoved(olderThan age: Duration, now: ContinuousClock.Instant) {
        clients = clients.filter { $0.value.state != nil || now - $0.value.lastUpdated < age }
    }

    /// Every present state, as the answer to a query-awareness message or to a newly connected client.
    public func encodeAll() -> AwarenessUpdate {
        AwarenessUpdate(
            entries: clients.keys.sorted().compactMap { id in
                guard let entry = clients[id], let state = entry.state else { return nil }
                return AwarenessUpdate.Entry(client: id, clock: entry.clock, state: state)
            })
    }
}
