import Wire
import YCRDT

extension DocumentRoom {
    /// Loads the document on first use: its state, then its log, then (for a note with content but nothing stored)
    /// a server-side seed from the note's ProseMirror JSON.
    ///
    /// A store that cannot be read refuses the join; no empty room is served in its place, so nothing can later be
    /// saved over the real data. Log records that are intact but do not decode as updates are skipped after a copy
    /// of the log is kept, and the state is rewritten without them.
    /// - Parameter grant: the note's grant of the joining peer (its stored content seeds an empty note).
    func ensureLoaded(grant: NoteGrant? = nil) throws(DocumentRefusal) {
        switch phase {
        case .loaded: return
        case .closed: throw .closed
        case .unloaded: try load(seedJSON: grant?.prosemirrorJSON)
        }
    }

    private func load(seedJSON: JSONValue?) throws(DocumentRefusal) {
        let storage = configuration.makeStorage(for: documentID)
        var loaded = LiveDocument()
        var isEmpty = true
        if let storage {
            let contents: DocumentContents
            do {
                contents = try storage.load(limit: configuration.maxStoredBytes)
            } catch {
                logStorageFailure("load", error)
                throw .loadFailed("the document's stored data could not be read")
            }
            if let state = contents.state {
                do {
                    try loaded.apply(state)
                } catch {
                    Log.shared.error("stored state does not decode", ["document": documentID, "error": "\(error)"])
                    throw .loadFailed("the document's stored state is damaged")
                }
            }
            var skipped = 0
            for record in contents.log {
                do { try loaded.apply(record) } catch { skipped += 1 }
            }
            if contents.setAsideBytes > 0 {
                Log.shared.warn(
                    "damaged log records set aside (a copy is kept beside the log)",
                    ["document": documentID, "bytes": "\(contents.setAsideBytes)"])
            }
            if skipped > 0 {
                Log.shared.warn("log records that are not updates skipped", ["document": documentID, "records": "\(skipped)"])
                do {
                    try storage.keepCopyOfLog()
                    try storage.writeState(loaded.encodeState())
                } catch {
                    logStorageFailure("rewrite after skipped records", error)
                    throw .loadFailed("the document's log is damaged and could not be repaired")
                }
            }
            isEmpty = contents.isEmpty
        }
        if isEmpty, let json = seedJSON,
            let seed = loaded.replaceProseMirror(fragment: configuration.noteFragment, with: json)
        {
            // The note has stored content but no Yjs state: seed it here, before the first join answers, so no
            // client ever sees an empty document for it (Open WebUI #28539). The seed must be logged like any
            // update: later updates build on its items.
            do {
                try storage?.append(seed)
            } catch {
                logStorageFailure("append seed", error)
                throw .storageFailed("the server could not store the document; try again later")
            }
        }
        document = loaded
        self.storage = storage
        phase = .loaded
        stats.update { $0.loads += 1 }
        Log.shared.debug("document loaded", ["document": documentID, "empty": "\(isEmpty)"])
        queryClusterMembers()
    }

    /// Whether something is not yet in the state file (changes, log records, client note data).
    var hasUnsavedChanges: Bool {
        dirty != nil || pendingNoteData != nil || (storage?.logRecordCount ?? 0) > 0
    }

    func markDirty(now: ContinuousClock.Instant) {
        if let current = dirty { dirty = (current.first, max(current.last, now)) } else { dirty = (now, now) }
        wake()
    }

    /// Writes the merged state (then empties the log) and, for a note, the note with its rendered content.
    /// - Returns: false when the state could not be written (the log still holds every update; retried later).
    @discardableResult
    func save(now: ContinuousClock.Instant) -> Bool {
        guard phase == .loaded, hasUnsavedChanges else { return true }
        if let storage {
            let started = ContinuousClock.now
            do {
                try storage.writeState(state())
                stats.latencies.saveState.observe(since: started)
                unsyncedSince = nil
            } catch {
                stats.latencies.saveState.observe(since: started)
                stats.update { $0.saveFailures += 1 }
                failedSavesInRow += 1
                logStorageFailure("save", error)
                // Back off while the disk stays full: 1 s, 2 s, 4 s … at most 30 s.
                let factor = 1 << min(failedSavesInRow - 1, 5)
                retryAt = now + min(configuration.saveRetryDelay * factor, .seconds(30))
                announceSaveFailed()
                wake()
                return false
            }
        }
        dirty = nil
        retryAt = nil
        failedSavesInRow = 0
        activity.lastSave = now
        stats.update { $0.saves += 1 }
        announceSaved(now: now)
        let pending = pendingNoteData
        pendingNoteData = nil
        if let noteID, let notes, storage?.wroteLastState ?? true {
            let rendered = document.renderNote(fragment: configuration.noteFragment)
            var editors = subscribers.values.filter(\.canWrite).map(\.peer).sorted { $0.id < $1.id }
            if let lastEditor, let index = editors.firstIndex(of: lastEditor) { editors.swapAt(0, index) }
            if let lastEditor, !editors.contains(lastEditor) { editors.insert(lastEditor, at: 0) }
            let stats = self.stats
            let retryDelay = configuration.saveRetryDelay
            noteWrites.append(
                Task {
                    // Failed note saves are retried with backoff (1 s … 60 s) and reported, never dropped: the
                    // content is written as soon as the note's source takes it again.
                    self.activeNoteSaves += 1
                    defer { self.activeNoteSaves -= 1 }
                    var attempt = 0
                    while true {
                        let started = ContinuousClock.now
                        let written = await notes.save(
                            noteID: noteID, rendered: rendered, clientData: pending, editors: editors)
                        stats.latencies.saveNote.observe(since: started)
                        if written { break }
                        stats.update { $0.noteSaveFailures += 1 }
                        if Task.isCancelled {
                            Log.shared.error("note content not written back before shutdown", ["note": noteID])
                            return
                        }
                        if attempt == 5 {
                            Log.shared.error("note content not yet written back; still retrying", ["note": noteID])
                        }
                        try? await Task.sleep(for: min(retryDelay * (1 << min(attempt, 6)), .seconds(60)))
                        attempt += 1
                    }
                })
        }
        return true
    }

    /// Saves and closes the room when it has no members; a room whose save fails stays loaded and retries.
    func closeIfIdle(now: ContinuousClock.Instant) {
        guard phase == .loaded, subscribers.isEmpty else { return }
        guard save(now: now) else { return }
        do {
            try storage?.syncLog()
        } catch {
            logStorageFailure("sync", error)
            return
        }
        phase = .closed
        joinCache = RoomJoinCache()
        coalescer.reset()
        timer?.cancel()
        timer = nil
        storage = nil
        stats.update { $0.unloads += 1 }
        Log.shared.debug("document unloaded", ["document": documentID])
        onClosed(self)
    }

    /// Saves, syncs and waits for note writes (shutdown) for at most `noteTimeout`; false when something could not
    /// be stored (a note write still failing then is cancelled and reported).
    func flush(noteTimeout: Duration = .seconds(10)) async -> Bool {
        var saved = save(now: .now)
        do { try storage?.syncLog() } catch {
            logStorageFailure("sync", error)
            saved = false
        }
        unsyncedSince = nil
        let deadline = ContinuousClock.now + noteTimeout
        while activeNoteSaves > 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if activeNoteSaves > 0 {
            for write in noteWrites { write.cancel() }
            saved = false
        }
        await waitForNoteWrites()
        return saved
    }

    /// Waits for the note writes started so far (each retries until its note takes the content; see ``flush``).
    func waitForNoteWrites() async {
        while !noteWrites.isEmpty {
            let writes = noteWrites
            noteWrites.removeAll()
            for write in writes { await write.value }
        }
    }

    /// Forgets the document and deletes its files (the document was deleted); members receive nothing more.
    func delete() {
        phase = .closed
        joinCache = RoomJoinCache()
        coalescer.reset()
        timer?.cancel()
        timer = nil
        removeHistory()
        do { try (storage ?? configuration.makeStorage(for: documentID))?.removeAll() } catch {
            logStorageFailure("delete", error)
        }
        storage = nil
        stats.update { $0.members -= subscribers.count }
        subscribers.removeAll()
        onClosed(self)
    }

    func logStorageFailure(_ operation: String, _ error: any Error) {
        Log.shared.error("storage \(operation) failed", ["document": documentID, "error": "\(error)"])
    }

    // MARK: Timer

    /// Starts the room's timer if something is due later (a save, an fsync, an awareness expiry), or restarts it
    /// when the next deadline is sooner than the one it sleeps toward.
    func wake() {
        guard phase == .loaded, let next = nextDeadline(now: .now) else { return }
        if timer != nil, let timerDue, timerDue <= next { return }
        timer?.cancel()
        timerDue = next
        // The task holds the room only while a step runs, so a dropped directory's rooms can go away.
        timer = Task { [weak self] in
            while !Task.isCancelled {
                guard let wait = await self?.timerStep() else { return }
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// Does what is due; returns how long to sleep, or nil (and forgets the timer) when nothing is due.
    private func timerStep() -> Duration? {
        let now = ContinuousClock.now
        tick(now: now)
        guard !Task.isCancelled else { return nil }
        guard phase == .loaded, let next = nextDeadline(now: now) else {
            timer = nil
            timerDue = nil
            return nil
        }
        timerDue = next
        return max(next - now, .milliseconds(5))
    }

    /// Does what is due at `now`.
    func tick(now: ContinuousClock.Instant) {
        if let deadline = saveDeadline, deadline <= now { save(now: now) }
        if let since = unsyncedSince, now - since >= syncInterval {
            do {
                try storage?.syncLog()
                unsyncedSince = nil
            } catch {
                logStorageFailure("sync", error)
            }
        }
        if let flushAt = coalescer.flushAt, flushAt <= now { flushAwareness() }
        expireAwareness(now: now)
        expireJoinCache(now: now)
        if subscribers.isEmpty { closeIfIdle(now: now) }
    }

    var syncInterval: Duration {
        if case .batched(let interval) = configuration.walSync { return interval }
        return .milliseconds(250)
    }

    /// When the next save is due: the debounce deadline, or the retry of a failed save.
    var saveDeadline: ContinuousClock.Instant? {
        if let retryAt { return retryAt }
        guard let dirty else { return nil }
        return min(dirty.last + configuration.saveDelay, dirty.first + max(configuration.saveMaxWait, configuration.saveDelay))
    }

    func nextDeadline(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        var next = saveDeadline
        if let since = unsyncedSince { next = min(next ?? since + syncInterval, since + syncInterval) }
        if let expiry = nextAwarenessExpiry() { next = min(next ?? expiry, expiry) }
        if let expiry = joinCache.expiry(lifetime: configuration.joinCacheLifetime) { next = min(next ?? expiry, expiry) }
        if let flushAt = coalescer.flushAt { next = min(next ?? flushAt, flushAt) }
        if subscribers.isEmpty, hasUnsavedChanges, next == nil { next = now + configuration.saveRetryDelay }
        return next
    }
}
