import Wire

/// The durable outbox in Redis, used in cluster mode (`--cluster`) so every node stores and replays the same events
/// (Docs/events.md, "Outbox storage"; Docs/cluster.md, "Keys").
///
/// Per user one hash, `{prefix}:outbox:<user id>`: `next` (the next id) and `<id>` → the entry's JSON, the same
/// object as ``EventOutbox``'s `add` record (`{"op":"add","id","event","data","created_at","delivered_at"?}`).
/// Bound checks, eviction, id assignment and acknowledgements run as Lua scripts (``OutboxScripts``), atomically,
/// so nodes appending at once never exceed ``OutboxSettings/maxPerUser`` or reuse an id; they work on three index
/// sorted sets beside the hash (pending ids, delivered ids, ids by age), so their cost does not grow with the
/// number of events kept. The hash's TTL is the
/// expiry, renewed by every append and acknowledgement: an abandoned user's outbox disappears once its last event
/// expired. `{prefix}:outbox-seq` holds the highest id handed out to anyone; a user whose hash is gone (new, or
/// expired) continues above it, so an id is never handed out twice to one user, even after an expiry.
///
/// Redis failures are ``OutboxError/storage(_:)`` (HTTP 503 on the events API); entries that cannot be read are
/// skipped.
public final class RedisOutbox: OutboxStore {
    public let settings: OutboxSettings
    let client: RedisClient
    let keys: ClusterKeys
    /// How long one Redis round trip may take before the operation fails with ``OutboxError/storage(_:)``; nil for
    /// the client's command timeout. Cluster mode passes ``ClusterSettings/commandTimeout`` (2 s).
    let timeout: Duration?

    /// An outbox on `client` under the keys of `keys` (the cluster's shared prefix).
    public init(client: RedisClient, keys: ClusterKeys, settings: OutboxSettings = OutboxSettings(), timeout: Duration? = nil) {
        self.client = client
        self.keys = keys
        self.settings = settings
        self.timeout = timeout
    }

    private var expirySeconds: Int64 { max(1, settings.expiry.components.seconds) }

    public func append(userID: String, event: String, data: JSONValue, now: Double) async throws(OutboxError) -> OutboxEntry {
        let size = data.serializedBytes().count
        guard size <= settings.maxEventBytes else { throw .tooLarge(settings.maxEventBytes) }
        let tail: JSONValue = ["event": .string(event), "data": data, "created_at": .double(now)]
        let reply = try await run(
            OutboxScripts.append, keys: indexKeys(userID) + [keys.outboxSequence],
            arguments: [
                JSONValue.double(now).serialized(), String(expirySeconds), String(settings.maxPerUser), tail.serialized(),
                String(expirySeconds * 1_000),
            ])
        if reply.arrayValue != nil { throw .full(settings.maxPerUser) }
        guard let id = reply.intValue, id > 0 else { throw .storage("unexpected reply of the outbox script") }
        return OutboxEntry(id: id, event: event, data: data, createdAt: now)
    }

    /// Reads only the pending entries above `after` through the pending index (a resume costs what it sends, not
    /// the delivered events kept); a hash not indexed yet is read whole.
    public func pending(userID: String, after: Int64 = 0, now: Double) async throws(OutboxError) -> [OutboxEntry] {
        let reply = try await run(
            OutboxScripts.pending, keys: [keys.outbox(userID), keys.outboxPending(userID)], arguments: [String(max(0, after))])
        guard let values = reply.arrayValue, values.first?.stringValue != "unindexed" else {
            return try await entries(userID: userID, now: now).filter { $0.deliveredAt == nil && $0.id > after }
        }
        let limit = now - Double(expirySeconds)
        return values.compactMap { value -> OutboxEntry? in
            guard let raw = value.bytesValue, let json = try? JSONValue(parsing: raw), json["created_at"]?.doubleValue != nil,
                let entry = OutboxEntry(addRecord: json), entry.createdAt >= limit, entry.deliveredAt == nil, entry.id > after
            else { return nil }
            return entry
        }.sorted { $0.id < $1.id }
    }

    @discardableResult
    public func acknowledge(userID: String, upTo id: Int64, now: Double) async throws(OutboxError) -> Int {
        guard id > 0 else { return 0 }
        let reply = try await run(
            OutboxScripts.acknowledge, keys: indexKeys(userID),
            arguments: [String(id), JSONValue.double(now).serialized(), String(expirySeconds * 1_000)])
        return Int(reply.intValue ?? 0)
    }

    public func entries(userID: String, now: Double) async throws(OutboxError) -> [OutboxEntry] {
        let reply: RESPValue
        do {
            reply = try await client.send(RESPCommand("HGETALL", keys.outbox(userID)), timeout: timeout)
        } catch {
            throw .storage("redis: \(error.description)")
        }
        let limit = now - Double(expirySeconds)
        return Self.pairs(reply).compactMap { field, value -> OutboxEntry? in
            guard let id = Int64(field), let json = try? JSONValue(parsing: value),
                json["created_at"]?.doubleValue != nil, let entry = OutboxEntry(addRecord: json), entry.id == id,
                entry.createdAt >= limit
            else { return nil }
            return entry
        }.sorted { $0.id < $1.id }
    }

    /// The user's hash and its three index sets, in the scripts' KEYS order.
    private func indexKeys(_ userID: String) -> [String] {
        [keys.outbox(userID), keys.outboxPending(userID), keys.outboxDelivered(userID), keys.outboxCreated(userID)]
    }

    /// Nothing is buffered: every write is in Redis when it returns.
    public func sync() async {}

    private func run(_ script: RedisScript, keys: [String], arguments: [String]) async throws(OutboxError) -> RESPValue {
        do {
            return try await client.evaluate(script, keys: keys.map { Array($0.utf8) }, arguments: arguments.map { Array($0.utf8) }, timeout: timeout)
        } catch {
            Log.shared.warn("outbox: redis failed", ["error": error.description])
            throw .storage("redis: \(error.description)")
        }
    }

    /// The field/value pairs of an HGETALL reply (a flat array in RESP2, a map in RESP3).
    static func pairs(_ reply: RESPValue) -> [(String, [UInt8])] {
        reply.hashPairs.compactMap { pair in pair.field.stringValue.flatMap { key in pair.value.bytesValue.map { (key, $0) } } }
    }
}
