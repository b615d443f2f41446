import Wire
import YCRDT

extension DocumentManager {
    /// Replaces a note's live content with ProseMirror JSON (a REST update or another external edit), as one
    /// server-side Yjs update that is logged and relayed like any other, so open editors converge on it instead of
    /// writing their stale state back (Open WebUI #25916).
    public func replaceNoteContent(_ noteID: String, prosemirrorJSON json: JSONValue) async {
        let documentID = "note:" + noteID
        while true {
            let room = room(documentID)
            do {
                try await room.replaceContent(json)
                return
            } catch .closed {
                continue
            } catch {
                RoomLog.warn("server-side replace not applied", ["document": documentID, "reason": "\(error)"])
                return
            }
        }
    }

    /// Forgets a document: its room (members receive nothing more) and its files.
    public func deleteDocument(_ rawID: String) async {
        let documentID = DocumentManager.normalize(rawID)
        await room(documentID).delete()
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
        do {
            try await notes.save(note)
        } catch {
            RoomLog.error("note save failed", ["note": noteID, "error": "\(error)"])
        }
    }

    /// Saves every changed document and syncs every log (shutdown, SIGTERM), then waits for the note writes.
    /// - Returns: false when some document could not be saved (its log still holds what it could store; the
    ///   caller exits non-zero and says so).
    @discardableResult
    public func flushAll() async -> Bool {
        var saved = true
        for room in rooms.withLock({ Array($0.values) }) where await !room.flush() {
            RoomLog.error("document not saved at shutdown", ["document": room.documentID])
            saved = false
        }
        return saved
    }

    /// Waits until every note write started so far has finished (tests, shutdown).
    public func waitForNoteWrites() async {
        for room in rooms.withLock({ Array($0.values) }) { await room.waitForNoteWrites() }
    }

    /// Publishes the counters on `/metrics`, refreshed every second.
    public func exportMetrics(to registry: MetricsRegistry) {
        let loaded = registry.gauge("tandem_documents_loaded", help: "Documents held in memory")
        let members = registry.gauge("tandem_document_members", help: "Peers joined to documents, every protocol")
        let applied = registry.gauge("tandem_document_updates_applied", help: "Updates validated, logged and applied since start")
        let rejected = registry.gauge("tandem_document_updates_rejected", help: "Updates refused as invalid or too large")
        let appendFailures = registry.gauge(
            "tandem_document_append_failures", help: "Updates refused because the log could not store them")
        let saves = registry.gauge("tandem_document_saves", help: "Document states written")
        let failures = registry.gauge("tandem_document_save_failures", help: "Failed state writes (retried)")
        Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                let stats = self.stats
                loaded.set(Int64(self.rooms.withLock { $0.count }))
                members.set(Int64(stats.members))
                applied.set(Int64(stats.updatesApplied))
                rejected.set(Int64(stats.updatesRejected))
                appendFailures.set(Int64(stats.appendFailures))
                saves.set(Int64(stats.saves))
                failures.set(Int64(stats.saveFailures))
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

extension DocumentRoom {
    /// Replaces the note fragment's content with ProseMirror JSON as one logged, relayed server update.
    func replaceContent(_ json: JSONValue) async throws(DocumentRefusal) {
        try await ensureLoaded()
        var candidate = document
        guard let update = candidate.replaceProseMirror(fragment: configuration.noteFragment, with: json) else {
            throw .invalidUpdate("not a ProseMirror document")
        }
        // Log first: the update is applied (through the same path as a client's) only once it is stored.
        try integrate(update, now: .now)
        let server = DocumentPeer(id: "server", kind: .socketIO, userID: "server", userName: "Tandem")
        broadcast(.update(documentID: documentID, update: update, origin: server))
        if subscribers.isEmpty { closeIfIdle(now: .now) }
    }
}
