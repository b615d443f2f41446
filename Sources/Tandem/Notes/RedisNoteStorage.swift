import Wire

/// The notes of a cluster in Redis, shared by every node (Docs/cluster.md, "Notes and channels in Redis").
///
/// Each note is a string `{prefix}:note:<id>` holding Open WebUI's note JSON; the sorted set `{prefix}:notes`
/// indexes the ids by `updated_at` (milliseconds). A save writes both in one script (``NoteScripts/save``), which
/// refuses to replace an entry that is not a note with this id. Lists read the index newest first, a page of
/// ``ClusterSettings/listBatch`` ids at a time, up to ``ClusterSettings/maxListedNotes``, and the notes of each page
/// with one bounded read (``NoteScripts/readBounded``: values over `maxNoteBytes` are never transferred). Entries
/// that do not decode, whose id is not their key's, or that are too large are skipped, logged and counted
/// (`tandem_cluster_unreadable_entries_total`), never written back.
public struct RedisNoteStorage: NoteStorage {
    public let client: RedisClient
    public let keys: ClusterKeys
    public let settings: ClusterSettings
    /// Largest note accepted, in bytes of its JSON (default 64 MB, as ``NoteStore``).
    public let maxNoteBytes: Int
    let unreadable: MetricCounter?

    public init(
        client: RedisClient, keys: ClusterKeys, settings: ClusterSettings, maxNoteBytes: Int = 64 << 20,
        unreadable: MetricCounter? = nil
    ) {
        self.client = client
        self.keys = keys
        self.settings = settings
        self.maxNoteBytes = maxNoteBytes
        self.unreadable = unreadable
    }

    public func note(_ id: String) async throws(StorageError) -> Note? {
        try await read([id]).first ?? nil
    }

    public func notes(readableBy userID: String, isAdmin: Bool, groups: [String]) async throws(StorageError) -> [Note] {
        var found: [Note] = []
        var start = 0
        let batch = max(settings.listBatch, 1)
        while start < settings.maxListedNotes {
            let stop = min(start + batch, settings.maxListedNotes) - 1
            let page = try await send(RESPCommand("ZREVRANGE", keys.notes, start, stop), "list notes")
            let ids = (page.arrayValue ?? []).compactMap(\.stringValue)
            for case let note? in try await read(ids)
            where note.allows(.read, userID: userID, isAdmin: isAdmin, groups: groups) {
                found.append(note)
            }
            guard ids.count == stop - start + 1 else { break }
            start = stop + 1
        }
        return found.sorted { ($0.updatedAt, $0.id) > ($1.updatedAt, $1.id) }
    }

    public func save(_ note: Note) async throws(StorageError) {
        let bytes = Array(note.json.serialized().utf8)
        guard bytes.count <= maxNoteBytes else {
            throw StorageError(
                path: keys.note(note.id), operation: "note larger than the limit of \(maxNoteBytes) bytes", code: 0)
        }
        let reply = try await evaluate(
            NoteScripts.save, keys: [keys.note(note.id), keys.notes],
            arguments: [bytes, Array(note.id.utf8), Array(String(note.updatedAt / 1_000_000).utf8)], "save note")
        guard reply.intValue == 1 else {
            throw StorageError(path: keys.note(note.id), operation: "refusing to overwrite an unreadable note", code: 0)
        }
    }

    @discardableResult
    public func delete(_ id: String) async throws(StorageError) -> Bool {
        let reply = try await evaluate(
            NoteScripts.delete, keys: [keys.note(id), keys.notes], arguments: [Array(id.utf8)], "delete note")
        return (reply.intValue ?? 0) > 0
    }

    /// The notes of `ids`, in order; nil for absent or unreadable ones (logged and counted).
    func read(_ ids: [String]) async throws(StorageError) -> [Note?] {
        guard !ids.isEmpty else { return [] }
        let reply = try await evaluate(
            NoteScripts.readBounded, keys: ids.map(keys.note), arguments: [Array(String(maxNoteBytes).utf8)],
            "read notes")
        let values = reply.arrayValue ?? []
        return ids.enumerated().map { index, id in
            guard index < values.count, !values[index].isNull else { return nil }
            let value = values[index]
            if let length = value.integerValue {
                skip(id, length < 0 ? "not a string" : "\(length) bytes, over the limit of \(maxNoteBytes)")
                return nil
            }
            guard let bytes = value.bytesValue, let json = try? JSONValue(parsing: bytes), let note = Note(json: json),
                note.id.bytewiseEquals(id)
            else {
                skip(id, "not a note with this id")
                return nil
            }
            return note
        }
    }

    private func skip(_ id: String, _ reason: String) {
        unreadable?.increment()
        Log.shared.warn("cluster: unreadable note skipped", ["key": keys.note(id), "reason": reason])
    }

    private func send(_ command: RESPCommand, _ operation: String) async throws(StorageError) -> RESPValue {
        do {
            return try await client.send(command, timeout: settings.commandTimeout)
        } catch {
            throw StorageError(path: keys.notes, operation: "redis \(operation): \(error)", code: 0)
        }
    }

    private func evaluate(
        _ script: RedisScript, keys scriptKeys: [String], arguments: [[UInt8]], _ operation: String
    ) async throws(StorageError) -> RESPValue {
        do {
            return try await client.evaluate(
                script, keys: scriptKeys.map { Array($0.utf8) }, arguments: arguments, timeout: settings.commandTimeout)
        } catch {
            throw StorageError(path: scriptKeys.first ?? keys.notes, operation: "redis \(operation): \(error)", code: 0)
        }
    }
}

extension RESPValue {
    /// The number of an integer reply only (a string holding digits is not one).
    var integerValue: Int64? {
        if case .integer(let number) = self { return number }
        return nil
    }
}
