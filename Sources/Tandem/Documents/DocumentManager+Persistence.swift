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
                Log.shared.warn("server-side replace not applied", ["document": documentID, "reason": "\(error)"])
                return
            }
        }
    }

    /// Forgets a document: its room (members receive nothing more) and its files.
    public func deleteDocument(_ rawID: String) async {
        let documentID = DocumentManager.normalize(rawID)
        await room(documentID).delete()
    }

    /// Saves every changed document and syncs every log (shutdown, SIGTERM), then waits for the note writes.
    /// - Returns: false when some document could not be saved (its log still holds what it could store; the
    ///   caller exits non-zero and says so).
    @discardableResult
    public func flushAll() async -> Bool {
        var saved = true
        for room in rooms.withLock({ Array($0.values) }) where await !room.flush() {
            Log.shared.error("document not saved at shutdown", ["document": room.documentID])
            saved = false
        }
        return saved
    }

    /// Waits until every note write started so far has finished (tests, shutdown).
    public func waitForNoteWrites() async {
        for room in rooms.withLock({ Array($0.values) }) { await room.waitForNoteWrites() }
    }

    /// Publishes the counters on `/metrics` (Prometheus conventions: counters end in `_total`), refreshed every
    /// second from the rooms' shared counters, and the join, relay and save latency histograms
    /// (``DocumentLatencies``), observed live.
    public func exportMetrics(to registry: MetricsRegistry) {
        statistics.latencies.register(in: registry)
        let loaded = registry.gauge("tandem_documents_loaded", help: "Documents held in memory")
        let members = registry.gauge("tandem_document_members", help: "Peers joined to documents, every protocol")
        let counters: [(MetricCounter, KeyPath<RoomStatistics.Counters, Int>)] = [
            (registry.counter("tandem_document_updates_applied_total", help: "Updates validated, logged and applied"), \.updatesApplied),
            (registry.counter("tandem_document_updates_rejected_total", help: "Updates refused as invalid or too large"), \.updatesRejected),
            (registry.counter("tandem_document_append_failures_total", help: "Updates refused because the log could not store them"), \.appendFailures),
            (registry.counter("tandem_document_saves_total", help: "Document states written"), \.saves),
            (registry.counter("tandem_document_save_failures_total", help: "Failed state writes (retried with backoff)"), \.saveFailures),
            (registry.counter("tandem_document_compactions_total", help: "Logs folded into the state file"), \.compactions),
            (registry.counter("tandem_document_loads_total", help: "Documents loaded"), \.loads),
            (registry.counter("tandem_document_too_large_total", help: "Updates refused by the document size budget"), \.documentTooLarge),
            (registry.counter("tandem_document_versions_created_total", help: "History versions written"), \.versionsCreated),
            (registry.counter("tandem_document_content_writes_total", help: "Server-side content writes and restores"), \.contentWrites),
            (registry.counter("tandem_document_unloads_total", help: "Documents saved and unloaded"), \.unloads),
        ]
        Task { [weak self] in
            var exported = RoomStatistics.Counters()
            while !Task.isCancelled {
                guard let self else { return }
                let stats = self.stats
                loaded.set(Int64(self.rooms.withLock { $0.count }))
                members.set(Int64(stats.members))
                for (counter, path) in counters where stats[keyPath: path] > exported[keyPath: path] {
                    counter.increment(by: Int64(stats[keyPath: path] - exported[keyPath: path]))
                }
                exported = stats
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

extension DocumentRoom {
    /// Replaces the note fragment's content with ProseMirror JSON as one logged, relayed server update.
    func replaceContent(_ json: JSONValue) async throws(DocumentRefusal) {
        guard let node = try? ProseMirrorNode(validating: json.yAny) else {
            throw .invalidUpdate("not a ProseMirror document")
        }
        // The smallest change from the live content, so concurrent typing elsewhere survives (Docs/history.md).
        let server = DocumentPeer(id: "server", kind: .socketIO, userID: "server", userName: "Tandem")
        _ = try await writeContent(node, keepUnlistedAttributes: false, expectedVersion: nil, author: server)
    }
}
