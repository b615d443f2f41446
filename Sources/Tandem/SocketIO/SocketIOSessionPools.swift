import Wire

/// Mirrors Tandem's sockets into Open WebUI's shared pools, so its REST views see them (socket/main.py, 0.12.4).
///
/// - `{prefix}:session_pool`: hash sid → JSON of the user (`UserModel.model_dump` without the profile image,
///   banner, bio, gender and birth date) plus `last_seen_at` (epoch seconds) and `chat_ids`. Written on CONNECT with
///   a user, `user-join` and `heartbeat` (keeping `chat_ids` already stored, as Open WebUI does), deleted on
///   disconnect. Open WebUI reaps entries whose `last_seen_at` is older than 120 s, so clients' heartbeats keep them.
/// - `{prefix}:usage_pool`: hash model id → JSON `{sid: {"updated_at": epoch seconds}}`, merged on each `usage`
///   event; this host drops its own sids after ``SocketIOBusSettings/usageExpiry`` without a refresh and on
///   disconnect, deleting a model left empty. The holder of `{prefix}:usage_cleanup_lock` also drops every host's
///   stale entries, as Open WebUI's `periodic_usage_pool_cleanup` does (SocketIOSessionPools+Cleanup.swift), so a
///   host that died leaves nothing behind.
///
/// Operations run one at a time in arrival order on one task, so a disconnect never races a heartbeat's write.
final class SocketIOSessionPools: Sendable {
    private enum Operation: Sendable {
        case activity(SocketIOSessionActivity)
        case sweep
        case flush(ResumeOnceVoid)
    }

    let client: RedisClient
    let sessionKey: String
    let usageKey: String
    /// The set of this host's sids in the session pool (cluster mode); nil otherwise.
    let nodeSessionsKey: String?
    let usageExpiry: Duration
    /// `{prefix}:usage_cleanup_lock`, and the value this host holds it with (its bus host id).
    let cleanupLockKey: String
    let cleanupLockHolder: String
    let wallClock: @Sendable () -> Double
    private let operations: AsyncStream<Operation>
    private let queue: AsyncStream<Operation>.Continuation
    /// model → sid → when this host last wrote the sid's usage (epoch seconds); only the processing task touches it.
    private let usage = Locked<[String: [String: Double]]>([:])

    init(client: RedisClient, settings: SocketIOBusSettings, wallClock: @escaping @Sendable () -> Double) {
        self.client = client
        self.sessionKey = settings.keyPrefix + ":session_pool"
        self.usageKey = settings.keyPrefix + ":usage_pool"
        self.nodeSessionsKey = settings.recordsNodeSessions
            ? ClusterKeys(prefix: settings.keyPrefix).nodeSessions(settings.hostID) : nil
        self.usageExpiry = settings.usageExpiry
        self.cleanupLockKey = settings.keyPrefix + ":usage_cleanup_lock"
        self.cleanupLockHolder = settings.hostID
        self.wallClock = wallClock
        (self.operations, self.queue) = AsyncStream.makeStream(of: Operation.self)
    }

    /// Queues a change (never blocks).
    func record(_ activity: SocketIOSessionActivity) {
        self.queue.yield(.activity(activity))
    }

    /// Processes operations until ``finish(timeout:)``; sweeps expired usage every ``usageExpiry``.
    func run() async {
        let sweeper = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.usageExpiry)
                self.queue.yield(.sweep)
            }
        }
        defer { sweeper.cancel() }
        for await operation in self.operations {
            switch operation {
            case .activity(let activity): await self.apply(activity)
            case .sweep:
                await self.sweep()
                await self.sweepSharedUsage()
            case .flush(let once): once.resume()
            }
        }
    }

    /// Waits until everything queued so far is written (at most `timeout`), then stops processing.
    func finish(timeout: Duration) async {
        let once = ResumeOnceVoid()
        await withCheckedContinuation { continuation in
            once.set(continuation)
            self.queue.yield(.flush(once))
            Task {
                try? await Task.sleep(for: timeout)
                once.resume()
            }
        }
        self.queue.finish()
    }

    private func apply(_ activity: SocketIOSessionActivity) async {
        let now = self.wallClock()
        do {
            switch activity {
            case .authenticated(let sid, let user), .heartbeat(let sid, let user):
                let existing = try await self.client.send(RESPCommand("HGET", self.sessionKey, sid)).bytesValue
                let chatIDs = existing.flatMap { try? JSONParser.parse($0) }?["chat_ids"]?.arrayValue ?? []
                let entry = Self.sessionEntry(user: user, lastSeenAt: Int64(now), chatIDs: chatIDs)
                _ = try await self.client.send(RESPCommand("HSET", self.sessionKey, sid, Self.encode(entry)))
                if let nodeSessionsKey { _ = try await self.client.send(RESPCommand("SADD", nodeSessionsKey, sid)) }
            case .usage(let sid, let model):
                self.usage.withLock { $0[model, default: [:]][sid] = now }
                try await self.updateUsage(model: model) { $0[sid] = ["updated_at": .int(Int64(now))] }
            case .disconnected(let sid):
                _ = try await self.client.send(RESPCommand("HDEL", self.sessionKey, sid))
                if let nodeSessionsKey { _ = try await self.client.send(RESPCommand("SREM", nodeSessionsKey, sid)) }
                let models = self.usage.withLock { usage in
                    let models = usage.filter { $0.value[sid] != nil }.map(\.key)
                    for model in models {
                        usage[model]?[sid] = nil
                        if usage[model]?.isEmpty == true { usage[model] = nil }
                    }
                    return models
                }
                for model in models.sorted() { try await self.updateUsage(model: model) { $0[sid] = nil } }
            }
        } catch {
            Log.shared.warn("redis bus: session pool not updated", ["error": "\(error)"])
        }
    }

    /// Drops this host's usage entries older than the expiry (Open WebUI's `periodic_usage_pool_cleanup`).
    private func sweep() async {
        let cutoff = self.wallClock() - Double(self.usageExpiry.components.seconds)
        let expired = self.usage.withLock { usage -> [String: [String]] in
            var expired: [String: [String]] = [:]
            for (model, sids) in usage {
                let old = sids.filter { $0.value < cutoff }.map(\.key)
                guard !old.isEmpty else { continue }
                expired[model] = old
                for sid in old { usage[model]?[sid] = nil }
                if usage[model]?.isEmpty == true { usage[model] = nil }
            }
            return expired
        }
        for (model, sids) in expired.sorted(by: { $0.key < $1.key }) {
            do {
                try await self.updateUsage(model: model) { entries in for sid in sids { entries[sid] = nil } }
            } catch {
                Log.shared.warn("redis bus: usage pool not updated", ["error": "\(error)"])
            }
        }
    }

    /// Read-modify-write of one model's entry; an entry left empty is deleted.
    private func updateUsage(model: String, _ change: (inout JSONObject) -> Void) async throws(RedisError) {
        let existing = try await self.client.send(RESPCommand("HGET", self.usageKey, model)).bytesValue
        var entries = existing.flatMap { try? JSONParser.parse($0) }?.objectValue ?? JSONObject()
        let before = entries
        change(&entries)
        if entries.isEmpty {
            if existing != nil { _ = try await self.client.send(RESPCommand("HDEL", self.usageKey, model)) }
        } else if entries != before || existing == nil {
            _ = try await self.client.send(RESPCommand("HSET", self.usageKey, model, Self.encode(.object(entries))))
        }
    }

    /// The sids of `userID` in the shared `session_pool`, on every host of the bus (Tandem nodes and Open WebUI
    /// workers alike), with their `last_seen_at`; read with HSCAN so a large pool never blocks Redis. User ids are
    /// compared byte-wise. Entries that do not parse are skipped.
    func sessions(ofUser userID: String) async throws(RedisError) -> [(sid: String, lastSeenAt: Int64?)] {
        let wanted = Array(userID.utf8)
        var found: [String: Int64?] = [:]  // HSCAN may return an entry twice
        var cursor = "0"
        repeat {
            let reply = try await self.client.send(RESPCommand("HSCAN", self.sessionKey, cursor, "COUNT", "500"))
            guard let parts = reply.arrayValue, parts.count == 2, let next = parts[0].stringValue,
                parts[1].arrayValue != nil
            else { throw RedisError.protocolViolation("HSCAN: unexpected reply \(reply)") }
            for (field, value) in parts[1].hashPairs {
                guard let sid = field.stringValue, let raw = value.bytesValue,
                    let entry = try? JSONParser.parse(raw), let id = entry["id"]?.stringValue,
                    Array(id.utf8) == wanted
                else { continue }
                found[sid] = entry["last_seen_at"]?.intValue
            }
            cursor = next
        } while cursor != "0"
        return found.map { (sid: $0.key, lastSeenAt: $0.value) }.sorted { $0.sid < $1.sid }
    }

    /// The `session_pool` entry of `user`, members in `UserModel` order; what the token does not say is null
    /// (timestamps: `last_seen_at`).
    static func sessionEntry(user: AuthenticatedUser, lastSeenAt: Int64, chatIDs: [JSONValue]) -> JSONValue {
        let claims = user.claims
        func claim(_ key: String) -> JSONValue { claims[key] ?? .null }
        func time(_ key: String) -> JSONValue { claims[key]?.intValue.map { .int($0) } ?? .int(lastSeenAt) }
        var entry = JSONObject()
        entry["id"] = .string(user.id)
        entry["email"] = claims["email"]?.stringValue.map { .string($0) } ?? .string("")
        entry["username"] = claim("username")
        entry["role"] = .string(user.role)
        entry["name"] = .string(user.name)
        for key in ["timezone", "presence_state", "status_emoji", "status_message", "status_expires_at", "info",
            "settings", "oauth", "scim"]
        {
            entry[key] = claim(key)
        }
        entry["last_active_at"] = time("last_active_at")
        entry["updated_at"] = time("updated_at")
        entry["created_at"] = time("created_at")
        entry["last_seen_at"] = .int(lastSeenAt)
        entry["chat_ids"] = .array(chatIDs)
        return .object(entry)
    }

    static func encode(_ value: JSONValue) -> [UInt8] {
        value.serializedBytes(options: JSONSerializer.Options(asciiOnly: true, numberStyle: .python))
    }
}

/// A continuation resumed by whichever of several paths comes first.
final class ResumeOnceVoid: Sendable {
    private let slot = Locked<CheckedContinuation<Void, Never>?>(nil)

    func set(_ continuation: CheckedContinuation<Void, Never>) {
        self.slot.withLock { $0 = continuation }
    }

    func resume() {
        self.slot.withLock { slot -> CheckedContinuation<Void, Never>? in
            defer { slot = nil }
            return slot
        }?.resume()
    }
}
