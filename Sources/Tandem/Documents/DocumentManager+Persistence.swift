import Foundation
import Wire
import YCRDT

extension DocumentManager {
    /// Loads a document on first use: its state file, then its log, then (for a note with content but no Yjs
    /// state) a server-side seed from the note's ProseMirror JSON.
    ///
    /// A file that cannot be read or decoded refuses the join; no empty room is created in its place, so nothing
    /// can later be saved over the real data. Log records that fail to decode are skipped, and the log is kept
    /// aside as `wal.ylog.corrupt-<time>` before it is rewritten.
    func openRoom(_ documentID: String) async throws(DocumentRefusal) {
        if rooms[documentID] != nil { return }
        var document = LiveDocument()
        var files: DocumentFiles?
        var seedFromNote = configuration.dataDirectory == nil
        if let data = configuration.dataDirectory {
            let opened = DocumentFiles(documentID: documentID, dataDirectory: data, policy: configuration.walSync)
            let contents: DocumentFiles.Contents
            do {
                contents = try opened.load(limit: configuration.maxStoredBytes)
            } catch {
                throw .loadFailed(error.description)
            }
            if let state = contents.state {
                do {
                    try document.apply(state)
                } catch {
                    throw .loadFailed("state.bin: \(error.description)")
                }
            }
            var skipped = 0
            for record in contents.log {
                do { try document.apply(record) } catch { skipped += 1 }
            }
            if skipped > 0 {
                let stamp = Int(Date().timeIntervalSince1970)
                _ = try? FileIO.read(opened.folder + "/wal.ylog").map {
                    try FileIO.writeAtomically($0, to: opened.folder + "/wal.ylog.corrupt-\(stamp)")
                }
            }
            files = opened
            seedFromNote = contents.isEmpty
            if skipped > 0 {
                // Rewrite the state without the bad records so they are not replayed again.
                do { try opened.writeState(document.encodeState()) } catch { throw .loadFailed(error.description) }
            }
        }
        if seedFromNote, let noteID = DocumentManager.noteID(of: documentID), let notes,
            let note = await notes.note(noteID), let json = note.contentJSON,
            let seed = document.replaceProseMirror(fragment: configuration.noteFragment, with: json)
        {
            // The note has stored content but no Yjs state: seed it here, before the first join answers, so no
            // client ever sees an empty document for it (Open WebUI #28539).
            if rooms[documentID] != nil { return }
            try? files?.append(seed)
        }
        if rooms[documentID] != nil { return }  // another join loaded it while we awaited the note
        rooms[documentID] = Room(document: document, files: files)
        stats.loads += 1
    }

    /// Saves and unloads a document whose last member left.
    func closeRoom(_ documentID: String) {
        if schedule.take(documentID) || (rooms[documentID]?.files?.logRecordCount ?? 0) > 0 {
            save(documentID)
        }
        rooms[documentID] = nil
        stats.unloads += 1
    }

    /// Writes a document's merged state (then truncates its log) and, for a note, the note with its rendered
    /// content shallow-merged with the client-sent data.
    func save(_ documentID: String) {
        guard var room = rooms[documentID] else { return }
        _ = schedule.take(documentID)
        let state = cachedState(of: &room)
        if let files = room.files {
            do {
                try files.writeState(state)
            } catch {
                stats.saveFailures += 1
                schedule.markDirty(documentID, now: .now)  // try again at the next deadline
                rooms[documentID] = room
                return
            }
        }
        let pending = room.pendingNoteData
        room.pendingNoteData = nil
        rooms[documentID] = room
        stats.saves += 1
        if let noteID = DocumentManager.noteID(of: documentID), let notes {
            let rendered = room.document.renderNote(fragment: configuration.noteFragment)
            let editor = room.members.values.first(where: \.canWrite)?.peer
            noteWrites.append(
                Task { await Self.writeNote(noteID, notes: notes, clientData: pending, rendered: rendered, editor: editor) })
        }
    }

    /// Replaces a note's live content with ProseMirror JSON (a REST update or another external edit), as one
    /// server-side Yjs update that is logged and relayed like any other, so open editors converge on it instead of
    /// writing their stale state back (Open WebUI #25916).
    public func replaceNoteContent(_ noteID: String, prosemirrorJSON json: JSONValue) async {
        let documentID = "note:" + noteID
        do { try await openRoom(documentID) } catch { return }
        guard var room = rooms[documentID],
            let update = room.document.replaceProseMirror(fragment: configuration.noteFragment, with: json)
        else { return }
        try? room.files?.append(update)
        room.cachedState = nil
        rooms[documentID] = room
        let server = DocumentPeer(id: "server", kind: .socketIO, userID: "server", userName: "Tandem")
        deliver(.update(documentID: documentID, update: update, origin: server), in: room)
        if room.members.isEmpty { closeRoom(documentID) } else { schedule.markDirty(documentID, now: .now) }
    }

    /// Forgets a document: its room (members stay in their protocol rooms but receive nothing more) and its files.
    public func deleteDocument(_ rawID: String) {
        let documentID = DocumentManager.normalize(rawID)
        _ = schedule.take(documentID)
        rooms[documentID] = nil
        guard let data = configuration.dataDirectory else { return }
        try? DocumentFiles(documentID: documentID, dataDirectory: data, policy: configuration.walSync).removeAll()
    }

    /// Shallow-merges client data and server-rendered content into a note and stores it.
    static func writeNote(
        _ noteID: String, notes: NoteStore, clientData: JSONObject?, rendered: JSONObject?, editor: DocumentPeer?
    ) async {
        guard var note = await notes.note(noteID) else { return }
        if let editor, !note.allows(.write, userID: editor.userID, isAdmin: editor.isAdmin) { return }
        var data = note.data
        for (key, value) in clientData ?? [:] { data[key] = value }
        if let rendered {
            // The server's rendering of the merged state wins over a client's snapshot of its own view.
            var content = data["content"]?.objectValue ?? [:]
            for (key, value) in rendered { content[key] = value }
            data["content"] = .object(content)
        }
        guard data != note.data else { return }
        note.data = data
        note.updatedAt = NoteStore.nanosecondsNow()
        try? await notes.save(note)
    }

    /// Starts the save timer; call once.
    public func start() {
        guard timer == nil else { return }
        timer = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                let wait = await self.tick(now: .now)
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// Saves what is due and syncs logs; returns how long to wait before the next tick.
    func tick(now: ContinuousClock.Instant) async -> Duration {
        for documentID in schedule.takeDue(now: now) { save(documentID) }
        for room in rooms.values { try? room.files?.syncLog() }
        expireAwareness(now: now)
        await waitForNoteWrites()
        let syncInterval: Duration
        if case .batched(let interval) = configuration.walSync { syncInterval = interval } else { syncInterval = .milliseconds(250) }
        guard let next = schedule.nextDeadline else { return syncInterval }
        return max(.milliseconds(5), min(syncInterval, next - now))
    }

    /// Drops awareness states not renewed within the y-protocols timeout (30 s) and tells every member.
    ///
    /// y-websocket clients renew their state every 15 s; Open WebUI's editor sends awareness only when it changes,
    /// so its entries are kept while their socket is a member (they are removed on leave and disconnect instead).
    func expireAwareness(now: ContinuousClock.Instant) {
        for (documentID, var room) in rooms {
            let socketIOClients = Set(room.members.values.filter { $0.peer.kind == .socketIO }.flatMap(\.awarenessClients))
            for client in socketIOClients { room.awareness.refresh(client, at: now) }
            let previous = states(of: Set(room.awareness.activeClients), in: room)
            guard let removal = room.awareness.expire(now: now) else {
                room.awareness.forgetRemoved(olderThan: .seconds(300), now: now)
                rooms[documentID] = room
                continue
            }
            for id in room.members.keys {
                room.members[id]?.awarenessClients.subtract(removal.entries.map(\.client))
            }
            rooms[documentID] = room
            deliver(
                .awareness(
                    documentID: documentID, json: AwarenessBridge.json(from: removal.entries, previous: previous),
                    yProtocols: removal.encoded(), origin: nil),
                in: room)
        }
    }

    /// Saves every changed document and syncs every log (shutdown, SIGTERM), then waits for the note writes.
    /// The timer stops.
    public func flushAll() async {
        timer?.cancel()
        timer = nil
        for documentID in schedule.takeAll() { save(documentID) }
        for (documentID, room) in rooms where (room.files?.logRecordCount ?? 0) > 0 { save(documentID) }
        for room in rooms.values { try? room.files?.syncLog() }
        await waitForNoteWrites()
    }

    /// Waits until every note write started so far has finished (tests, shutdown).
    public func waitForNoteWrites() async {
        while !noteWrites.isEmpty {
            let writes = noteWrites
            noteWrites.removeAll()
            for write in writes { await write.value }
        }
    }
}

extension DocumentManager {
    /// Publishes the manager's counters on `/metrics`, refreshed every second.
    public func exportMetrics(to registry: MetricsRegistry) {
        let loaded = registry.gauge("tandem_documents_loaded", help: "Documents held in memory")
        let members = registry.gauge("tandem_document_members", help: "Peers joined to documents, both protocols")
        let applied = registry.gauge("tandem_document_updates_applied", help: "Updates validated and applied since start")
        let rejected = registry.gauge("tandem_document_updates_rejected", help: "Updates refused as invalid or too large")
        let saves = registry.gauge("tandem_document_saves", help: "Document states written")
        let failures = registry.gauge("tandem_document_save_failures", help: "Failed state or log writes")
        Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                let (stats, rooms, peers) = await self.metricsSnapshot()
                loaded.set(Int64(rooms))
                members.set(Int64(peers))
                applied.set(Int64(stats.updatesApplied))
                rejected.set(Int64(stats.updatesRejected))
                saves.set(Int64(stats.saves))
                failures.set(Int64(stats.saveFailures))
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func metricsSnapshot() -> (Stats, Int, Int) {
        (stats, rooms.count, rooms.values.reduce(0) { $0 + $1.members.count })
    }
}
