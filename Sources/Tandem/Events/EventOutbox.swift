import Wire

/// Limits of the durable outbox (`--outbox-max-per-user`, `--outbox-expiry`, Docs/events.md).
public struct OutboxSettings: Sendable, Equatable {
    /// Events kept per user (pending and delivered). At the limit the oldest delivered events are forgotten first;
    /// when all are pending a new durable event is refused (HTTP 507). Default 1,000.
    public var maxPerUser = 1_000
    /// How long an event is kept, delivered or not (default 7 days); an expired pending event is never delivered.
    public var expiry: Duration = .seconds(7 * 86_400)
    /// The largest serialized `data` of one durable event (default 64 KiB), checked before storing.
    public var maxEventBytes = 64 << 10
    /// fsync of the outbox logs (`--wal-sync`).
    public var syncPolicy: SyncPolicy = .batched(.milliseconds(50))

    public init() {}
}

/// One durable event of a user's outbox.
public struct OutboxEntry: Sendable, Equatable {
    /// Per user, starting at 1, strictly increasing, never reused (also across restarts and compactions).
    public var id: Int64
    public var event: String
    public var data: JSONValue
    /// Seconds since 1970 when it was stored.
    public var createdAt: Double
    /// Seconds since 1970 when the client acknowledged it; nil while pending.
    public var deliveredAt: Double?

    /// `pending` or `delivered`.
    public var status: String { deliveredAt == nil ? "pending" : "delivered" }

    /// The JSON of the status route and of the notify endpoint.
    public var json: JSONValue {
        [
            "id": .int(id), "event": .string(event), "data": data, "status": .string(status),
            "created_at": .double(createdAt), "delivered_at": deliveredAt.map(JSONValue.double) ?? .null,
        ]
    }
}

/// Why a durable event was not stored.
public enum OutboxError: Error, Sendable, Equatable {
    /// The user's outbox holds ``OutboxSettings/maxPerUser`` pending events.
    case full(Int)
    /// `data` is larger than ``OutboxSettings/maxEventBytes``.
    case tooLarge(Int)
    /// The log could not be written (nothing was stored or sent).
    case storage(String)
}

/// The durable per-user outbox: events marked `durable` are stored before they are sent, keep a status (pending →
/// delivered when the client acknowledges), and are sent again in order when the client reconnects with the last id
/// it saw (Docs/events.md).
///
/// One checksummed log per user (``WriteAheadLog``, `<data>/outbox/<safe user id>.ylog`) of JSON records:
/// `{"op":"base","next_id"}` (first record after a compaction), `{"op":"add","id","event","data","created_at",
/// "delivered_at"?}`, `{"op":"ack","upto","at"}` (every pending event up to `upto` delivered) and
/// `{"op":"drop","ids"}`. Users are loaded on first use; a log is rewritten once it holds twice as many records as
/// live events (plus 64).
public actor EventOutbox {
    public let directory: String
    public let settings: OutboxSettings

    struct UserBox {
        var entries: [OutboxEntry] = []
        var nextID: Int64 = 1
        var log: WriteAheadLog
    }

    private var users: [ByteKey: UserBox] = [:]

    /// An outbox under `<dataDirectory>/outbox`, created if missing.
    public init(dataDirectory: String, settings: OutboxSettings = OutboxSettings()) throws(StorageError) {
        self.directory = dataDirectory + "/outbox"
        self.settings = settings
        try FileIO.makeDirectories(directory)
    }

    /// Stores a durable event for `userID` and returns it with its id.
    public func append(userID: String, event: String, data: JSONValue, now: Double) throws(OutboxError) -> OutboxEntry {
        let size = data.serializedBytes().count
        guard size <= settings.maxEventBytes else { throw .tooLarge(settings.maxEventBytes) }
        var box = try load(userID)
        expire(&box, userID: userID, now: now)
        if box.entries.count >= settings.maxPerUser {
            let delivered = box.entries.filter { $0.deliveredAt != nil }.prefix(box.entries.count - settings.maxPerUser + 1)
            guard !delivered.isEmpty else {
                users[ByteKey(userID)] = box
                throw .full(settings.maxPerUser)
            }
            drop(&box, ids: delivered.map(\.id))
            if box.entries.count >= settings.maxPerUser {
                users[ByteKey(userID)] = box
                throw .full(settings.maxPerUser)
            }
        }
        let entry = OutboxEntry(id: box.nextID, event: event, data: data, createdAt: now)
        do {
            try box.log.append(Self.record(entry))
        } catch {
            users[ByteKey(userID)] = box
            throw .storage(error.description)
        }
        box.nextID += 1
        box.entries.append(entry)
        compactIfNeeded(&box, userID: userID)
        users[ByteKey(userID)] = box
        return entry
    }

    /// The pending events of `userID` with an id above `after`, oldest first.
    public func pending(userID: String, after: Int64 = 0, now: Double) -> [OutboxEntry] {
        guard var box = try? load(userID) else { return [] }
        expire(&box, userID: userID, now: now)
        users[ByteKey(userID)] = box
        return box.entries.filter { $0.deliveredAt == nil && $0.id > after }
    }

    /// Marks every pending event up to `id` delivered (acks are cumulative, as events arrive in order).
    /// - Returns: how many changed status.
    @discardableResult
    public func acknowledge(userID: String, upTo id: Int64, now: Double) -> Int {
        guard id > 0, var box = try? load(userID) else { return 0 }
        var changed = 0
        for index in box.entries.indices where box.entries[index].id <= id && box.entries[index].deliveredAt == nil {
            box.entries[index].deliveredAt = now
            changed += 1
        }
        if changed > 0 {
            let record: JSONValue = ["op": "ack", "upto": .int(id), "at": .double(now)]
            try? box.log.append(record.serializedBytes())
            compactIfNeeded(&box, userID: userID)
        }
        users[ByteKey(userID)] = box
        return changed
    }

    /// Every kept event of `userID` with its status, oldest first.
    public func entries(userID: String, now: Double) -> [OutboxEntry] {
        guard var box = try? load(userID) else { return [] }
        expire(&box, userID: userID, now: now)
        users[ByteKey(userID)] = box
        return box.entries
    }

    /// Flushes every loaded log (shutdown).
    public func sync() {
        for box in users.values { try? box.log.sync() }
    }

    // MARK: Internals

    private func path(_ userID: String) -> String {
        directory + "/" + SafeFileName.encode(userID) + ".ylog"
    }

    private func load(_ userID: String) throws(OutboxError) -> UserBox {
        if let box = users[ByteKey(userID)] { return box }
        let path = self.path(userID)
        do {
            let records = try WriteAheadLog.recover(path: path, limit: 64 << 20)
            let log = try WriteAheadLog(path: path, policy: settings.syncPolicy, existingRecords: records.count)
            var box = UserBox(log: log)
            for record in records { Self.replay(record, into: &box) }
            return box
        } catch {
            Log.shared.error("outbox unreadable", ["path": path, "error": error.description])
            throw .storage(error.description)
        }
    }

    static func replay(_ record: [UInt8], into box: inout UserBox) {
        guard let value = try? JSONValue(parsing: record), let op = value["op"]?.stringValue else { return }
        switch op {
        case "base":
            if let next = value["next_id"]?.intValue { box.nextID = max(box.nextID, next) }
        case "add":
            guard let id = value["id"]?.intValue, let event = value["event"]?.stringValue, id > 0,
                box.entries.last.map({ id > $0.id }) ?? true
            else { return }
            box.entries.append(
                OutboxEntry(
                    id: id, event: event, data: value["data"] ?? .null,
                    createdAt: value["created_at"]?.doubleValue ?? 0, deliveredAt: value["delivered_at"]?.doubleValue))
            box.nextID = max(box.nextID, id + 1)
        case "ack":
            guard let upto = value["upto"]?.intValue else { return }
            let at = value["at"]?.doubleValue ?? 0
            for index in box.entries.indices where box.entries[index].id <= upto && box.entries[index].deliveredAt == nil {
                box.entries[index].deliveredAt = at
            }
        case "drop":
            let ids = Set((value["ids"]?.arrayValue ?? []).compactMap(\.intValue))
            box.entries.removeAll { ids.contains($0.id) }
        default:
            return
        }
    }

    static func record(_ entry: OutboxEntry) -> [UInt8] {
        var object: JSONObject = [
            "op": "add", "id": .int(entry.id), "event": .string(entry.event), "data": entry.data,
            "created_at": .double(entry.createdAt),
        ]
        if let at = entry.deliveredAt { object["delivered_at"] = .double(at) }
        return JSONValue.object(object).serializedBytes()
    }

    private func expire(_ box: inout UserBox, userID: String, now: Double) {
        let limit = now - Double(settings.expiry.components.seconds)
        let old = box.entries.filter { $0.createdAt < limit }.map(\.id)
        guard !old.isEmpty else { return }
        let pending = box.entries.filter { $0.createdAt < limit && $0.deliveredAt == nil }.count
        if pending > 0 { Log.shared.info("outbox events expired undelivered", ["user": userID, "count": pending]) }
        drop(&box, ids: old)
    }

    private func drop(_ box: inout UserBox, ids: [Int64]) {
        let set = Set(ids)
        box.entries.removeAll { set.contains($0.id) }
        let record: JSONValue = ["op": "drop", "ids": .array(ids.map(JSONValue.int))]
        try? box.log.append(record.serializedBytes())
    }

    private func compactIfNeeded(_ box: inout UserBox, userID: String) {
        guard box.log.recordCount > box.entries.count * 2 + 64 else { return }
        var records: [[UInt8]] = [JSONValue.object(["op": "base", "next_id": .int(box.nextID)]).serializedBytes()]
        records += box.entries.map(Self.record)
        let path = self.path(userID)
        do {
            try box.log.sync()
            try FileIO.writeAtomically(WALFormat.encode(records), to: path)
            box.log = try WriteAheadLog(path: path, policy: settings.syncPolicy, existingRecords: records.count)
        } catch {
            Log.shared.warn("outbox compaction failed", ["path": path, "error": error.description])
        }
    }
}
