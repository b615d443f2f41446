import Wire

/// A document's history in Redis (cluster mode), shared by every node and kept across node restarts
/// (Docs/cluster.md, "Keys"; Docs/history.md, "Storage").
///
/// The index is a hash `{prefix}:doc:<id>:versions` of version id → the metadata JSON of the file backend's index;
/// each state is a string `{prefix}:doc:<id>:version:<vid>`. Ids come from `INCR {prefix}:doc:<id>:version-id`, so
/// two nodes never reuse one; the state and its index entry are written by one script (a listed version is always
/// readable). Retention is computed from the list (``HistoryRetention``) and applied by removing index entries,
/// then states: idempotent, so two nodes pruning at once drop nothing twice and leave nothing listed without a
/// state. Index entries that do not decode (or whose JSON id is not their field) are skipped.
///
/// All methods block on Redis round trips (``RedisBlocking``); the room calls them on its own executor.
final class RedisHistoryStorage: HistoryStorage, @unchecked Sendable {
    let documentID: String
    let client: RedisClient
    let keys: ClusterKeys
    let timeout: Duration

    init(documentID: String, client: RedisClient, keys: ClusterKeys, timeout: Duration) {
        self.documentID = documentID
        self.client = client
        self.keys = keys
        self.timeout = timeout
    }

    func list() throws(StorageError) -> [DocumentVersion] {
        let command = RESPCommand("HGETALL", keys.versions(documentID))
        let reply = try run("list versions") { [client, timeout] in try await client.send(command, timeout: timeout) }
        return Self.decode(index: reply)
    }

    @discardableResult
    func add(
        state: [UInt8], kind: DocumentVersion.Kind, name: String?, author: String, createdAt: Int64, preview: String,
        stateVector: [UInt8]
    ) throws(StorageError) -> DocumentVersion {
        let counter = RESPCommand("INCR", keys.versionCounter(documentID))
        let allocated = try run("allocate version id") { [client, timeout] in try await client.send(counter, timeout: timeout) }
        guard let number = allocated.intValue else {
            throw StorageError(path: keys.versionCounter(documentID), operation: "INCR answered no number", code: 0)
        }
        let version = DocumentVersion(
            id: String(number), kind: kind, name: name, author: author, createdAt: createdAt, size: state.count,
            preview: preview, stateVector: stateVector)
        let scriptKeys = [Array(keys.version(documentID, version.id).utf8), Array(keys.versions(documentID).utf8)]
        let arguments = [Array(version.id.utf8), state, Array(version.json.serialized().utf8)]
        _ = try run("add version") { [client, timeout] in
            try await client.evaluate(HistoryScripts.add, keys: scriptKeys, arguments: arguments, timeout: timeout)
        }
        return version
    }

    func state(of id: String, limit: Int) throws(StorageError) -> [UInt8]? {
        let command = RESPCommand("GET", keys.version(documentID, id))
        let reply = try run("read version") { [client, timeout] in try await client.send(command, timeout: timeout) }
        guard let bytes = reply.bytesValue else { return nil }
        guard bytes.count <= limit else {
            throw StorageError(
                path: keys.version(documentID, id), operation: "stored version larger than the limit of \(limit) bytes",
                code: 0)
        }
        return bytes
    }

    @discardableResult
    func prune(maxVersions: Int, maxAgeMillis: Int64, now: Int64) throws(StorageError) -> Int {
        let drop = HistoryRetention.drops(try list(), maxVersions: maxVersions, maxAgeMillis: maxAgeMillis, now: now)
        guard !drop.isEmpty else { return 0 }
        let ids = drop.sorted()
        let scriptKeys = [Array(keys.versions(documentID).utf8)] + ids.map { Array(keys.version(documentID, $0).utf8) }
        let arguments = ids.map { Array($0.utf8) }
        let reply = try run("prune versions") { [client, timeout] in
            try await client.evaluate(HistoryScripts.drop, keys: scriptKeys, arguments: arguments, timeout: timeout)
        }
        return Int(reply.intValue ?? 0)
    }

    func removeAll() throws(StorageError) {
        let scriptKeys = [Array(keys.versions(documentID).utf8), Array(keys.versionCounter(documentID).utf8)]
        let prefix = [Array(keys.version(documentID, "").utf8)]
        _ = try run("delete history") { [client, timeout] in
            try await client.evaluate(HistoryScripts.removeAll, keys: scriptKeys, arguments: prefix, timeout: timeout)
        }
    }

    /// The versions of an `HGETALL` reply (a flat array in RESP2, a map in RESP3), oldest (lowest id) first;
    /// entries that are not metadata JSON naming their own field are skipped.
    static func decode(index reply: RESPValue) -> [DocumentVersion] {
        var versions: [(Int, DocumentVersion)] = []
        for (field, value) in reply.hashPairs {
            guard let id = field.stringValue, let number = Int(id), let bytes = value.bytesValue,
                let json = try? JSONValue(parsing: bytes), let version = DocumentVersion(json: json), version.id == id
            else { continue }
            versions.append((number, version))
        }
        return versions.sorted { $0.0 < $1.0 }.map(\.1)
    }

    private func run(
        _ operation: String, _ body: @escaping @Sendable () async throws -> RESPValue
    ) throws(StorageError) -> RESPValue {
        do {
            return try RedisBlocking.run(body)
        } catch {
            throw StorageError(path: keys.versions(documentID), operation: "redis \(operation): \(error)", code: 0)
        }
    }
}
