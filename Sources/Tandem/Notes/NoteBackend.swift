import Wire
import YCRDT

/// What a peer may do with a note, and what the note holds, as its source of truth answers.
public struct NoteGrant: Sendable {
    /// Whether the peer may write (else it reads only).
    public var canWrite: Bool
    /// The stored ProseMirror JSON, used to seed an empty document server-side; nil when there is none.
    public var prosemirrorJSON: JSONValue?
    /// The stored `data.content` (`{json, html, md}`) exactly as kept, sent with the state on join so Open WebUI
    /// clients can seed an empty document from HTML or Markdown (Open WebUI 0.12).
    public var storedContent: JSONValue?

    public init(canWrite: Bool, prosemirrorJSON: JSONValue? = nil, storedContent: JSONValue? = nil) {
        self.canWrite = canWrite
        self.prosemirrorJSON = prosemirrorJSON
        self.storedContent = storedContent
    }
}

/// Why a note could not be opened.
public enum NoteRefusal: Error, Sendable, Equatable {
    /// No such note.
    case notFound
    /// The note exists but the peer may not read it.
    case forbidden
    /// The source of truth could not be asked (network, 5xx): retry later.
    case unavailable(String)
}

/// The source of truth for notes: Tandem's own ``NoteStore`` (standalone) or Open WebUI (``OpenWebUINotes``).
///
/// Rooms ask it who may open a note and what it holds, and write the merged content back to it after the debounced
/// save, so the note's own readers (lists, search, REST) stay current.
public protocol NoteBackend: Sendable {
    /// The peer's grant on `noteID`.
    func open(noteID: String, for peer: DocumentPeer) async throws(NoteRefusal) -> NoteGrant
    /// Writes rendered content (`{json, html, md}`) and client-sent note data into the note, as one of `editors`
    /// (members with write access, most recent first).
    /// - Returns: whether it was stored; false means "retry later" (the caller retries with backoff).
    func save(noteID: String, rendered: JSONObject?, clientData: JSONObject?, editors: [DocumentPeer]) async -> Bool
}

/// Notes in Tandem's own ``NoteStorage`` (standalone mode: files; cluster mode: Redis).
public struct LocalNotes: NoteBackend {
    public let store: any NoteStorage

    public init(store: any NoteStorage) { self.store = store }

    public func open(noteID: String, for peer: DocumentPeer) async throws(NoteRefusal) -> NoteGrant {
        let stored: Note?
        do {
            stored = try await store.note(noteID)
        } catch {
            throw .unavailable(error.description)
        }
        guard let note = stored else { throw .notFound }
        guard let canWrite = DocumentManager.access(to: note, for: peer) else { throw .forbidden }
        return NoteGrant(canWrite: canWrite, prosemirrorJSON: Self.seed(of: note), storedContent: note.data["content"])
    }

    /// The ProseMirror JSON to seed an empty document from: the stored JSON, else the stored HTML, else the stored
    /// Markdown (notes made through the REST API or by older versions may hold only one of them).
    static func seed(of note: Note) -> JSONValue? {
        if let json = note.contentJSON { return json }
        let content = note.data["content"]
        if let html = content?["html"]?.stringValue, !html.isEmpty { return JSONValue(HTMLParser.parse(html).json) }
        if let md = content?["md"]?.stringValue, !md.isEmpty { return JSONValue(MarkdownParser.parse(md).json) }
        return nil
    }

    public func save(noteID: String, rendered: JSONObject?, clientData: JSONObject?, editors: [DocumentPeer]) async -> Bool {
        let stored: Note?
        do {
            stored = try await store.note(noteID)
        } catch {
            Log.shared.error("note save: reading the note failed", ["note": noteID, "error": "\(error)"])
            return false
        }
        guard var note = stored else { return true }  // deleted meanwhile: nothing to keep
        if let editor = editors.first, !note.allows(.write, userID: editor.userID, isAdmin: editor.isAdmin) { return true }
        var data = note.data
        for (key, value) in clientData ?? [:] { data[key] = value }
        if let rendered {
            // The server's rendering of the merged state wins over a client's snapshot of its own view.
            var content = data["content"]?.objectValue ?? [:]
            for (key, value) in rendered { content[key] = value }
            data["content"] = .object(content)
        }
        guard data != note.data else { return true }
        note.data = data
        note.updatedAt = NoteStore.nanosecondsNow()
        do {
            try await store.save(note)
            return true
        } catch {
            Log.shared.error("note save failed", ["note": noteID, "error": "\(error)"])
            return false
        }
    }
}
