import Foundation
import Wire

/// One Tandem node of a cluster (`tandem serve --redis URL --cluster`): the Redis stores of its documents, the
/// relay of updates and awareness between nodes, and its presence key. Docs/cluster.md.
///
/// Before it serves anything the node subscribes to one pattern covering every document channel, so no load can
/// miss a notification: a room loads the state and the stream (``RedisDocumentStorage``), and any entry appended
/// after that read is announced on a channel the node already hears. A notification makes the room read from its
/// cursor (coalesced per document); a sweep reads every loaded document every ``ClusterSettings/sweepInterval`` for
/// notifications lost to a reconnect. Awareness is relayed on pub/sub as it is (at-most-once, like y-protocols'
/// own transport); a node that stops renewing its presence key has its members' awareness cleared by the others.
/// Members (`ydoc:user:joined` / `ydoc:user:left`) cross on the awareness channel too (ClusterNode+Members.swift).
public final class ClusterNode: Sendable {
    public let settings: ClusterSettings
    public let keys: ClusterKeys
    /// Commands (appends, reads, state writes, presence, publishing).
    public let client: RedisClient
    /// The pattern subscription to every document channel.
    public let subscriber: RedisSubscriber
    let metrics: ClusterMetrics?

    private struct State {
        weak var manager: DocumentManager?
        var pulling: Set<String> = []
        var pullAgain: Set<String> = []
        var nodesSeen: Set<String> = []
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Locked(State())
    /// Gets the messages of subscribed channels that are not document channels (``ClusterCalls``); must not block.
    private let otherChannels = Locked<(@Sendable (String, [UInt8]) -> Void)?>(nil)
    let outbox: AsyncStream<(String, [UInt8])>.Continuation
    private let outgoing: AsyncStream<(String, [UInt8])>

    public init(
        client: RedisClient, subscriber: RedisSubscriber, settings: ClusterSettings = .init(), metrics: MetricsRegistry? = nil
    ) {
        self.client = client
        self.subscriber = subscriber
        self.settings = settings
        self.keys = ClusterKeys(prefix: settings.keyPrefix)
        self.metrics = metrics.map(ClusterMetrics.init)
        (self.outgoing, self.outbox) = AsyncStream.makeStream(of: (String, [UInt8]).self, bufferingPolicy: .bufferingOldest(1 << 16))
    }

    /// This node's id (the bus's `host_id`).
    public var nodeID: String { settings.nodeID }

    /// A document configuration whose rooms store in Redis and relay through this node.
    public func configure(_ configuration: inout DocumentConfiguration) {
        configuration.cluster = self
        configuration.storage = { [self] documentID in self.makeStorage(documentID: documentID) }
        configuration.historyStorage = { [self] documentID in self.makeHistory(documentID: documentID) }
    }

    /// The history of one document, shared by every node (Docs/history.md, "Storage").
    func makeHistory(documentID: String) -> RedisHistoryStorage {
        RedisHistoryStorage(documentID: documentID, client: client, keys: keys, timeout: settings.commandTimeout)
    }

    /// The notes of the cluster, in Redis (Docs/cluster.md, "Notes and channels in Redis").
    public func makeNoteStorage() -> RedisNoteStorage {
        RedisNoteStorage(client: client, keys: keys, settings: settings, unreadable: metrics?.unreadable)
    }

    /// The channels of the cluster, with their members, read marks and messages, in Redis.
    public func makeChannelStorage(limits: ChannelLimits) -> RedisChannelStorage {
        RedisChannelStorage(client: client, keys: keys, settings: settings, limits: limits, unreadable: metrics?.unreadable)
    }

    /// Open WebUI chats' read markers of the cluster, in Redis.
    public func makeChatReadStorage() -> RedisChatReadStorage {
        RedisChatReadStorage(client: client, keys: keys, timeout: settings.commandTimeout)
    }

    /// The store of one document.
    func makeStorage(documentID: String) -> RedisDocumentStorage {
        RedisDocumentStorage(
            documentID: documentID, client: client, keys: keys, settings: settings, metrics: metrics,
            onPending: { [weak self] in self?.requestPull(documentID) })
    }

    /// Subscribes to the document channels, registers the node's presence and starts the relay, sweep and
    /// heartbeat tasks. Redis need not be up: subscriptions and writes happen once it is.
    public func start(manager: DocumentManager) async {
        state.withLock { $0.manager = manager }
        do {
            try await subscriber.psubscribe([keys.documentChannelPattern], timeout: settings.commandTimeout)
        } catch {
            Log.shared.warn("cluster: subscribing waits for Redis", ["error": "\(error)"])
        }
        await renewPresence()
        let tasks = [
            Task { await self.listen() }, Task { await self.drainOutbox() }, Task { await self.sweep() },
            Task { await self.heartbeat() },
        ]
        state.withLock { $0.tasks = tasks }
        Log.shared.info("cluster node started", ["node": nodeID, "key_prefix": keys.prefix])
    }

    /// Stops the tasks and removes the presence key (the others clear this node's awareness at once).
    public func stop() async {
        let tasks = state.withLock { state in
            defer { state.tasks = [] }
            return state.tasks
        }
        for task in tasks { task.cancel() }
        outbox.finish()
        // The heartbeat (the last task) may be renewing the presence right now: let it finish first, so the
        // removal below is the last word.
        await tasks.last?.value
        _ = try? await client.pipeline(
            [RESPCommand("DEL", keys.node(nodeID)), RESPCommand("SREM", keys.nodes, nodeID)], timeout: .seconds(1))
    }

    /// Ready when the subscription connection is up and Redis answers PING within a second (the `/readyz` check).
    public func isReady() async -> Bool {
        guard await subscriber.state == .connected else { return false }
        return (try? await client.send(RESPCommand("PING"), timeout: .seconds(1))) != nil
    }

    // MARK: Relay

    /// Queues a member's awareness for the other nodes (published in order by one task).
    func publishAwareness(documentID: String, _ message: ClusterAwarenessMessage) {
        outbox.yield((keys.awareness(documentID), message.encoded))
    }

    /// Makes the room of `documentID` (if loaded) read what other nodes appended; calls arriving while a read runs
    /// are folded into one more read after it.
    public func requestPull(_ documentID: String) {
        let start = state.withLock { state -> Bool in
            if state.pulling.contains(documentID) {
                state.pullAgain.insert(documentID)
                return false
            }
            state.pulling.insert(documentID)
            return true
        }
        guard start else { return }
        Task {
            while true {
                if let room = self.manager?.loadedRoom(documentID) { await room.pullRemoteUpdates() }
                let again = self.state.withLock { state -> Bool in
                    if state.pullAgain.remove(documentID) != nil { return true }
                    state.pulling.remove(documentID)
                    return false
                }
                if !again { return }
            }
        }
    }

    var manager: DocumentManager? { state.withLock { $0.manager } }

    /// Hands the messages of channels other than the document channels to `handler` (called in the listening task:
    /// it must queue and return).
    func onOtherChannels(_ handler: @escaping @Sendable (String, [UInt8]) -> Void) {
        otherChannels.withLock { $0 = handler }
    }

    private func listen() async {
        for await message in subscriber.messages {
            guard let (documentID, kind) = keys.parse(channel: message.channel) else {
                otherChannels.withLock { $0 }?(message.channel, message.payload)
                continue
            }
            metrics?.received.increment()
            if kind == "updates" {
                let text = String(decoding: message.payload, as: UTF8.self)
                let parts = text.split(separator: " ")
                if parts.first.map(String.init) == nodeID { continue }  // own append, applied
                // Redis stamped the entry with its own clock: now minus that is the lag of the notification
                // (clock skew between this host and Redis adds to it; clamped at 0).
                if parts.count == 2, let id = StreamID(String(parts[1])) {
                    let now = Date().timeIntervalSince1970
                    metrics?.pubSubLag.observe(max(0, now - Double(id.milliseconds) / 1000))
                }
                requestPull(documentID)
                continue
            }
            await receive(message.payload, documentID: documentID)
        }
    }

    /// Remembers a node that relayed something, so its death is noticed even if it left the node set.
    func noteSeen(_ node: String) {
        state.withLock { _ = $0.nodesSeen.insert(node) }
    }

    private func drainOutbox() async {
        for await (channel, payload) in outgoing {
            do {
                _ = try await client.send(RESPCommand("PUBLISH", channel, payload), timeout: settings.commandTimeout)
            } catch {
                metrics?.publishFailures.increment()
            }
        }
    }

    private func sweep() async {
        var lastRefresh = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: settings.sweepInterval)
            let loaded = manager?.loadedDocuments ?? []
            for documentID in loaded { requestPull(documentID) }
            await measureStreams(loaded)
            let now = ContinuousClock.now
            if now - lastRefresh >= settings.memberRefreshInterval {
                lastRefresh = now
                await refreshMembers(loaded, now: now)
            }
        }
    }

    // MARK: Liveness

    /// Renews the presence key and (again, in case another node took this one for dead during a pause) the
    /// membership in the node set.
    private func renewPresence() async {
        let ttl = Int(settings.nodeTTL.components.seconds * 1000)
        _ = try? await client.pipeline(
            [RESPCommand("SET", keys.node(nodeID), "1", "PX", ttl), RESPCommand("SADD", keys.nodes, nodeID)],
            timeout: settings.commandTimeout)
    }

    private func heartbeat() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: settings.heartbeatInterval) } catch { return }
            await renewPresence()
            await checkNodes()
        }
    }

    /// Finds the nodes (seen in awareness or in the node set) that no longer renew their presence key: clears
    /// their members' awareness here and removes their sessions from `session_pool`.
    func checkNodes() async {
        let members = (try? await client.send(RESPCommand("SMEMBERS", keys.nodes), timeout: settings.commandTimeout))?
            .arrayValue?.compactMap(\.stringValue) ?? []
        let seen = Set(state.withLock { $0.nodesSeen }).union(members).subtracting([nodeID]).sorted()
        guard !seen.isEmpty else { return }
        let commands = seen.map { RESPCommand("EXISTS", keys.node($0)) }
        guard let replies = try? await client.pipeline(commands, timeout: settings.commandTimeout) else { return }
        let dead = zip(seen, replies).filter { $0.1.intValue == 0 }.map(\.0)
        guard !dead.isEmpty else { return }
        state.withLock { $0.nodesSeen.subtract(dead) }
        for node in dead {
            Log.shared.warn("cluster: node gone, clearing its members' awareness and sessions", ["node": node])
            metrics?.nodesLost.increment()
            await removeSessions(ofDeadNode: node)
            for documentID in manager?.loadedDocuments ?? [] {
                await manager?.loadedRoom(documentID)?.clusterNodeDied(node)
            }
        }
    }
}

extension ClusterNode {
    /// Measures the update streams of the loaded documents (`XLEN`, one pipeline per sweep) for the stream-length
    /// gauges; skipped without metrics.
    func measureStreams(_ documents: [String]) async {
        guard let metrics else { return }
        guard !documents.isEmpty else {
            metrics.streamEntriesMax.set(0)
            metrics.streamEntriesTotal.set(0)
            return
        }
        let commands = documents.map { RESPCommand("XLEN", keys.log($0)) }
        guard let replies = try? await client.pipeline(commands, timeout: settings.commandTimeout) else { return }
        let lengths = replies.compactMap(\.intValue)
        metrics.streamEntriesMax.set(lengths.max() ?? 0)
        metrics.streamEntriesTotal.set(lengths.reduce(0, +))
    }

    /// Removes a dead node's Socket.IO sessions from Open WebUI's `session_pool` (the sids it recorded in its set)
    /// and forgets the node. Every live node may do it at once: each step is idempotent.
    func removeSessions(ofDeadNode node: String) async {
        do {
            try await removeConnections(ofDeadNode: node)  // before the node leaves the node set (retried until then)
            try await removeChannelPresence(ofDeadNode: node)
            let sids = try await client.send(RESPCommand("SMEMBERS", keys.nodeSessions(node)), timeout: settings.commandTimeout)
                .arrayValue?.compactMap(\.stringValue) ?? []
            var commands: [RESPCommand] = []
            if !sids.isEmpty { commands.append(RESPCommand("HDEL", arguments: [keys.sessionPool] + sids)) }
            commands += [RESPCommand("DEL", keys.nodeSessions(node)), RESPCommand("SREM", keys.nodes, node)]
            _ = try await client.pipeline(commands, timeout: settings.commandTimeout)
            if !sids.isEmpty {
                Log.shared.info("cluster: dead node's sessions removed from the session pool", ["node": node, "sessions": "\(sids.count)"])
            }
        } catch {
            Log.shared.warn("cluster: dead node's sessions not removed; retried at the next heartbeat", ["node": node, "error": "\(error)"])
            state.withLock { _ = $0.nodesSeen.insert(node) }
        }
    }
}
