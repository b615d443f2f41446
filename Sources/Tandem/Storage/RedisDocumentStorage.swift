import Wire

/// A stream entry written by a member of another room (or another node): the update and who sent it.
struct ClusterEntry: Sendable {
    var id: StreamID
    var update: [UInt8]
    var nodeID: String
    var peerID: String
    var userID: String
}

/// What a room lacks from Redis: the compacted state when entries past its cursor were trimmed, then the entries
/// after, in stream order, without the room's own appends.
struct ClusterPull: Sendable {
    var state: [UInt8]?
    var entries: [ClusterEntry]
}

/// A document's store in cluster mode: a Redis stream of updates plus a compacted state (Docs/cluster.md).
///
/// An update is durable in Redis (`XADD`, announced on the document's channel in the same script) before the room
/// applies or relays it. Loading reads the state and the entries after the id it covers in one script, so a
/// concurrent compaction cannot slip between them. The room's cursor (the last entry it applied) lets ``pull()``
/// read exactly what other nodes appended since, once each, in stream order. State writes need the compaction
/// lease and its fencing token and trim the stream only up to the id the state covers; a node without the lease
/// leaves compaction to its holder (everything is in the stream meanwhile).
///
/// All methods block on Redis round trips (``RedisBlocking``); the room calls them on its own executor, a dispatch
/// queue, never on the concurrency pool.
final class RedisDocumentStorage: DocumentStorage, @unchecked Sendable {
    let documentID: String
    let client: RedisClient
    let keys: ClusterKeys
    let settings: ClusterSettings
    let metrics: ClusterMetrics?
    /// The last stream entry applied by the room (loaded, appended and read past).
    private(set) var cursor = StreamID.zero
    /// Ids this room appended that the cursor has not passed yet (skipped when read back).
    private var ownIDs: Set<StreamID> = []
    private let token = SocketIOBusSettings.randomHostID()
    private var fence: Int64 = 0
    /// Whether the last state write was made (this room holds the lease), so the note save is made here.
    private(set) var wroteLastState = true
    /// Entries read ahead (while catching up before a state write) and not yet handed to the room.
    private var pending = ClusterPull(state: nil, entries: [])
    /// Asks the node for a ``pull()`` soon (entries were read ahead and wait for the room).
    private let onPending: @Sendable () -> Void
    private(set) var logRecordCount = 0
    private(set) var logByteCount = 0

    init(
        documentID: String, client: RedisClient, keys: ClusterKeys, settings: ClusterSettings, metrics: ClusterMetrics? = nil,
        onPending: @escaping @Sendable () -> Void = {}
    ) {
        self.onPending = onPending
        self.metrics = metrics
        self.documentID = documentID
        self.client = client
        self.keys = keys
        self.settings = settings
    }

    deinit {
        guard fence > 0 else { return }
        let (client, lease, token) = (client, keys.lease(documentID), token)
        Task.detached { _ = try? await client.evaluate(ClusterScripts.release, keys: [Array(lease.utf8)], arguments: [Array(token.utf8)]) }
    }

    // MARK: DocumentStorage

    func load(limit: Int) throws(StorageError) -> DocumentContents {
        cursor = .zero
        ownIDs = []
        var state: [UInt8]?
        var log: [[UInt8]] = []
        var mode = "load"
        while true {
            let next = try read(mode: mode)
            mode = "pull"
            if let newer = next.state {  // (later rounds) compacted past what was read: that state replaces it
                state = newer
                log = []
            }
            log += next.entries.map(\.update)
            guard (state?.count ?? 0) + log.reduce(0, { $0 + $1.count }) <= limit else {
                throw StorageError(
                    path: keys.log(documentID), operation: "stored document larger than the limit of \(limit) bytes", code: 0)
            }
            if next.entries.count < settings.readBatch { break }
        }
        return DocumentContents(state: state, log: log)
    }

    func append(_ update: [UInt8]) throws(StorageError) {
        try append(update, author: nil)
    }

    func append(_ update: [UInt8], author: DocumentPeer?) throws(StorageError) {
        let arguments: [[UInt8]] = [
            update, Array(settings.nodeID.utf8), Array((author?.id ?? "server").utf8),
            Array((author?.userID ?? "").utf8), Array(keys.updates(documentID).utf8),
        ]
        let (client, log, timeout) = (client, Array(keys.log(documentID).utf8), settings.commandTimeout)
        let reply = try blocking("append") {
            try await client.evaluate(ClusterScripts.append, keys: [log], arguments: arguments, timeout: timeout)
        }
        guard let bytes = reply.bytesValue, let id = StreamID(bytes: bytes) else {
            throw StorageError(path: keys.log(documentID), operation: "XADD answered no stream id", code: 0)
        }
        ownIDs.insert(id)
        metrics?.appends.increment()
        logRecordCount += 1
        logByteCount += update.count
    }

    /// Redis's own persistence (`appendonly`, `appendfsync`) decides what survives a Redis crash.
    func syncLog() throws(StorageError) {}

    func writeState(_ state: [UInt8]) throws(StorageError) {
        // Catch up first, so the cursor passes this room's own appends: the state may cover every entry up to the
        // first one the room has not applied yet.
        try readAhead()
        defer { if pending.state != nil || !pending.entries.isEmpty { onPending() } }
        logRecordCount = 0
        logByteCount = 0
        guard pending.state == nil else {
            wroteLastState = false  // another node compacted past this room; it catches up on the next pull
            return
        }
        let covered = pending.entries.first.map(\.id.predecessor) ?? cursor
        let (client, settings, token) = (client, settings, Array(token.utf8))
        let leaseKeys = [Array(keys.lease(documentID).utf8), Array(keys.fence(documentID).utf8)]
        let ttl = Array(String(Int(settings.leaseTTL.components.seconds * 1000)).utf8)
        let acquired = try blocking("lease") {
            try await client.evaluate(
                ClusterScripts.acquire, keys: leaseKeys, arguments: [token, ttl], timeout: settings.commandTimeout)
        }
        fence = acquired.intValue ?? 0
        guard fence > 0 else {
            wroteLastState = false  // another node compacts; every update is in the stream meanwhile
            return
        }
        let arguments: [[UInt8]] = [
            token, Array(String(fence).utf8), state, Array(covered.description.utf8),
            Array(covered.successor.description.utf8),
        ]
        let allKeys = leaseKeys + [Array(keys.state(documentID).utf8), Array(keys.log(documentID).utf8)]
        let written = try blocking("write state") {
            try await client.evaluate(ClusterScripts.writeState, keys: allKeys, arguments: arguments, timeout: settings.commandTimeout)
        }
        wroteLastState = written.intValue == 1
        if wroteLastState { metrics?.compactions.increment() }
    }

    /// The stream is left as it is: records that do not decode stay until a compaction folds the state.
    func keepCopyOfLog() throws(StorageError) {}

    func removeAll() throws(StorageError) {
        let client = client
        let command = RESPCommand(
            "DEL", keys.log(documentID), keys.state(documentID), keys.lease(documentID), keys.fence(documentID))
        _ = try blocking("delete") { try await client.send(command) }
    }

    // MARK: Cluster

    /// Reads what other rooms appended since the cursor (and the state, when they were trimmed meanwhile).
    func pull() throws(StorageError) -> ClusterPull {
        try readAhead()
        let pulled = pending
        pending = ClusterPull(state: nil, entries: [])
        ownIDs = ownIDs.filter { $0 > cursor }  // own entries a compaction trimmed before they were read back
        logRecordCount += pulled.entries.count
        logByteCount += pulled.entries.reduce(0) { $0 + $1.update.count }
        return pulled
    }

    /// Reads everything past the cursor into ``pending``; a newer state replaces what was pending.
    private func readAhead() throws(StorageError) {
        while true {
            let next = try read(mode: "pull")
            if let state = next.state { pending = ClusterPull(state: state, entries: []) }
            pending.entries += next.entries
            if next.entries.count < settings.readBatch { return }
        }
    }

    /// One run of the read script; advances the cursor past what it returns and drops own appends from it.
    private func read(mode: String) throws(StorageError) -> ClusterPull {
        let (client, settings) = (client, settings)
        let scriptKeys = [Array(keys.state(documentID).utf8), Array(keys.log(documentID).utf8)]
        let arguments = [Array(cursor.description.utf8), Array(String(settings.readBatch).utf8), Array(mode.utf8)]
        let reply = try blocking("read") {
            try await client.evaluate(ClusterScripts.read, keys: scriptKeys, arguments: arguments, timeout: settings.commandTimeout)
        }
        guard let parts = reply.arrayValue, parts.count == 3, let entries = parts[2].arrayValue else {
            throw StorageError(path: keys.log(documentID), operation: "unexpected reply to the read script", code: 0)
        }
        var result = ClusterPull(state: parts[1].bytesValue, entries: [])
        if result.state != nil, let covered = parts[0].bytesValue.flatMap(StreamID.init(bytes:)), covered > cursor {
            cursor = covered
        }
        for entry in entries {
            guard let decoded = Self.entry(entry) else {
                throw StorageError(path: keys.log(documentID), operation: "malformed stream entry", code: 0)
            }
            cursor = max(cursor, decoded.id)
            if ownIDs.remove(decoded.id) != nil { continue }
            result.entries.append(decoded)
        }
        return result
    }

    /// An `XRANGE` entry `[id, [field, value, …]]`; nil when it is not one with an update.
    static func entry(_ value: RESPValue) -> ClusterEntry? {
        guard let pair = value.arrayValue, pair.count == 2, let id = pair[0].bytesValue.flatMap(StreamID.init(bytes:)),
            let fields = pair[1].arrayValue, fields.count % 2 == 0
        else { return nil }
        var entry = ClusterEntry(id: id, update: [], nodeID: "", peerID: "server", userID: "")
        var hasUpdate = false
        for index in stride(from: 0, to: fields.count, by: 2) {
            guard let name = fields[index].stringValue, let bytes = fields[index + 1].bytesValue else { return nil }
            switch name {
            case "u": (entry.update, hasUpdate) = (bytes, true)
            case "n": entry.nodeID = String(decoding: bytes, as: UTF8.self)
            case "p": entry.peerID = String(decoding: bytes, as: UTF8.self)
            case "a": entry.userID = String(decoding: bytes, as: UTF8.self)
            default: continue
            }
        }
        return hasUpdate ? entry : nil
    }

    private func blocking(
        _ operation: String, _ body: @escaping @Sendable () async throws -> RESPValue
    ) throws(StorageError) -> RESPValue {
        do {
            return try RedisBlocking.run(body)
        } catch {
            throw StorageError(path: keys.log(documentID), operation: "redis \(operation): \(error)", code: 0)
        }
    }
}
