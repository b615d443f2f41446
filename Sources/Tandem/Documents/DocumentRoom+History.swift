import Wire
import YCRDT

/// History, safe server-side writes, save receipts and the size budget of a room (issue 17, Docs/history.md).
extension DocumentRoom {
    // MARK: Size budget

    /// Refuses an update that would grow the merged state past ``DocumentConfiguration/maxDocumentBytes`` (estimated
    /// as the current state plus the update); an update without new structs (only deletions) always passes.
    func checkSizeBudget(_ update: Update, bytes: Int) throws(DocumentRefusal) {
        guard update.sections.contains(where: { !$0.blocks.isEmpty }) else { return }
        let current = history.stateBytes ?? state().count
        history.stateBytes = current
        guard current + bytes <= configuration.maxDocumentBytes else {
            stats.update { $0.documentTooLarge += 1 }
            throw .documentTooLarge(configuration.maxDocumentBytes)
        }
    }

    // MARK: Save receipts

    /// After a save reached the store: tells every member up to which state vector it is saved, re-measures the
    /// state, and takes an automatic version when one is due. In cluster mode only the node that wrote the state
    /// (the compaction lease holder) takes automatic versions, so the nodes of a document do not each take one.
    func announceSaved(now: ContinuousClock.Instant) {
        if let cachedState { history.stateBytes = cachedState.count }
        if storage != nil { broadcast(.saved(documentID: documentID, stateVector: document.stateVector())) }
        if history.changedSinceVersion, storage?.wroteLastState ?? true { autoVersionIfDue() }
    }

    /// Tells every member that a save failed (it is retried; the log still holds the updates).
    func announceSaveFailed() {
        broadcast(.saveFailed(documentID: documentID, message: "the document could not be saved; retrying"))
    }

    // MARK: Versions

    /// The history, opened on first use: the injected store (Redis in cluster mode), else under the document's
    /// folder, else in memory without files of its own.
    func openHistory() throws(DocumentRefusal) -> any HistoryStorage {
        if let store = history.store { return store }
        if let make = configuration.historyStorage {
            let store = make(documentID)
            history.store = store
            return store
        }
        var folder: String?
        if configuration.storage == nil, let data = configuration.dataDirectory {
            folder = DocumentFiles.folder(for: documentID, dataDirectory: data) + "/history"
        }
        do {
            let store = try HistoryStore(folder: folder)
            history.store = store
            return store
        } catch {
            logStorageFailure("history open", error)
            throw .storageFailed("the document's history could not be read")
        }
    }

    /// Every version, oldest first, refused with ``DocumentRefusal/storageFailed(_:)`` when the store fails.
    func listVersions() throws(DocumentRefusal) -> [DocumentVersion] {
        let store = try openHistory()
        do {
            return try store.list()
        } catch {
            logStorageFailure("history list", error)
            throw .storageFailed("the document's history could not be read")
        }
    }

    /// Takes an automatic version when the last one is older than ``DocumentConfiguration/historyInterval``.
    func autoVersionIfDue() {
        guard let versions = try? listVersions() else { return }
        let now = RoomHistory.wallMillis()
        let interval = configuration.historyInterval.components.seconds * 1000
        if let last = versions.last, now - last.createdAt < interval { return }
        _ = try? takeVersion(kind: .automatic, name: nil, author: "server")
    }

    /// Stores the current state as a version, then applies retention.
    @discardableResult
    func takeVersion(kind: DocumentVersion.Kind, name: String?, author: String) throws(DocumentRefusal) -> DocumentVersion {
        let store = try openHistory()
        let vector = document.stateVector()
        let now = RoomHistory.wallMillis()
        do {
            let version = try store.add(
                state: state(), kind: kind, name: name, author: author, createdAt: now, preview: preview(),
                stateVector: vector)
            history.changedSinceVersion = false
            stats.update { $0.versionsCreated += 1 }
            try store.prune(
                maxVersions: configuration.historyMaxVersions,
                maxAgeMillis: configuration.historyMaxAge.components.seconds * 1000, now: now)
            return version
        } catch {
            logStorageFailure("history write", error)
            throw .storageFailed("the version could not be stored")
        }
    }

    /// The first 200 characters of the rendered note, else of the first text root.
    func preview() -> String {
        var text = document.document.renderNote(fragment: configuration.noteFragment).text
        if text.isEmpty {
            for name in document.document.rootNames {
                guard let (ref, _) = document.document.root(named: name), document.document.kind(of: ref) == .text else {
                    continue
                }
                text = document.document.string(TextRef(typeIndex: ref.typeIndex))
                break
            }
        }
        return String(text.prefix(200))
    }

    /// Every version, oldest first.
    func versions() async throws(DocumentRefusal) -> [DocumentVersion] {
        try ensureLoaded()
        defer { if subscribers.isEmpty { closeIfIdle(now: .now) } }
        return try listVersions()
    }

    /// Takes a named version now.
    func createVersion(name: String?, author: String) async throws(DocumentRefusal) -> DocumentVersion {
        try ensureLoaded()
        defer { if subscribers.isEmpty { closeIfIdle(now: .now) } }
        return try takeVersion(kind: .named, name: name, author: author)
    }

    /// A version's metadata and v1 state; `current` is the live state.
    func version(_ id: String) async throws(DocumentRefusal) -> (DocumentVersion?, [UInt8]) {
        try ensureLoaded()
        defer { if subscribers.isEmpty { closeIfIdle(now: .now) } }
        return try loadVersion(id)
    }

    /// ``version(_:)`` of a loaded room, leaving it open.
    private func loadVersion(_ id: String) throws(DocumentRefusal) -> (DocumentVersion?, [UInt8]) {
        if id == "current" { return (nil, state()) }
        let store = try openHistory()
        guard let version = try listVersions().first(where: { $0.id == id }) else { throw .versionNotFound }
        do {
            guard let state = try store.state(of: id, limit: configuration.maxStoredBytes) else { throw DocumentRefusal.versionNotFound }
            return (version, state)
        } catch let refusal as DocumentRefusal {
            throw refusal
        } catch {
            logStorageFailure("history read", error)
            throw .storageFailed("the version could not be read")
        }
    }

    /// Restores version `id` as a forward update: the smallest change from the live content to the version's, so
    /// live editors receive an ordinary edit. A `before_restore` version is taken first. The room stays open until
    /// the write is done (a room without members would otherwise close between reading the version and writing).
    func restore(_ id: String, author: DocumentPeer) async throws(DocumentRefusal) -> ContentWriteResult {
        try ensureLoaded()
        let state: [UInt8]
        do {
            state = try loadVersion(id).1
        } catch {
            if subscribers.isEmpty { closeIfIdle(now: .now) }
            throw error
        }
        var target = Document()
        do { target.apply(try Update(v1: state)) } catch {
            if subscribers.isEmpty { closeIfIdle(now: .now) }
            throw .loadFailed("the version's state does not decode")
        }
        return try write(author: author, kind: .beforeRestore, expectedVersion: nil) { live in
            live.update(toMatch: target)
        }
    }

    /// Writes ProseMirror content into the note fragment with the smallest change (Markdown, HTML and text writes
    /// keep attributes they cannot express). `expectedVersion` (an encoded state vector) refuses the write with
    /// ``DocumentRefusal/conflict(_:)`` when the document holds changes the writer has not seen.
    func writeContent(
        _ node: ProseMirrorNode, keepUnlistedAttributes: Bool, expectedVersion: [UInt8]?, author: DocumentPeer
    ) async throws(DocumentRefusal) -> ContentWriteResult {
        try ensureLoaded()
        var scratch = Document(clientID: 1)
        _ = try? scratch.seedProseMirror(fragment: configuration.noteFragment, with: node)
        let fragment = configuration.noteFragment
        return try write(author: author, kind: .beforeWrite, expectedVersion: expectedVersion) { live in
            live.update(toMatch: scratch, roots: [fragment], keepUnlistedAttributes: keepUnlistedAttributes)
        }
    }

    /// The common path of writes: check the expected version, keep a version of the content before, compute the
    /// update on a copy, then log, apply and relay it like a client's, attributed to `author`.
    private func write(
        author: DocumentPeer, kind: DocumentVersion.Kind, expectedVersion: [UInt8]?,
        change: (inout LiveDocument) -> [UInt8]
    ) throws(DocumentRefusal) -> ContentWriteResult {
        if let expectedVersion { try checkExpected(expectedVersion) }
        var candidate = document
        let update = change(&candidate)
        var before: DocumentVersion?
        let now = ContinuousClock.now
        if update != [0, 0] {
            let last = try listVersions().last
            if last?.stateVector != document.stateVector() {
                before = try takeVersion(kind: kind, name: nil, author: author.userID)
            }
            try integrate(update, now: now, author: author)
            stats.update { $0.contentWrites += 1 }
            let origin = DocumentPeer(id: "server", kind: .socketIO, userID: author.userID, userName: author.userName)
            broadcast(.update(documentID: documentID, update: update, origin: origin))
        }
        let result = ContentWriteResult(updateBytes: update.count, stateVector: document.stateVector(), versionBefore: before)
        if subscribers.isEmpty { closeIfIdle(now: now) }
        return result
    }

    /// Throws ``DocumentRefusal/conflict(_:)`` unless every client clock of the document is within `expected`.
    func checkExpected(_ expected: [UInt8]) throws(DocumentRefusal) {
        let current = document.stateVector()
        let mine: StateVector
        let theirs: StateVector
        do {
            mine = try StateVector(bytes: current)
            theirs = try StateVector(bytes: expected)
        } catch {
            throw .invalidUpdate("expected_version is not an encoded state vector: \(error.description)")
        }
        for entry in mine.entries where entry.clock > theirs[entry.client] { throw .conflict(current) }
    }

    /// What `GET /api/v1/documents/{id}` answers for a loaded room.
    func info() -> DocumentInfo {
        DocumentInfo(
            documentID: documentID, loaded: phase == .loaded, unsavedChanges: hasUnsavedChanges,
            stateVector: document.stateVector(), stateBytes: history.stateBytes ?? cachedState?.count,
            members: subscribers.count)
    }

    /// Deletes the history with the document.
    func removeHistory() {
        do { try (try? openHistory())?.removeAll() } catch { logStorageFailure("history delete", error) }
        history.store = nil
    }
}
