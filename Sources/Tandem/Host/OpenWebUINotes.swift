import Wire

/// Notes whose source of truth is a real Open WebUI (`tandem serve --openwebui URL`): access and stored content
/// from `GET /api/v1/notes/{id}` with the peer's own token, merged content written back through
/// `POST /api/v1/notes/{id}/update` with the token of a member who may write (../shared/docs/openwebui-0.12.md,
/// "Notes, access and saves in 0.12.4"). Yjs state stays in Tandem's store.
public struct OpenWebUINotes: NoteBackend {
    public let host: OpenWebUIHost

    public init(host: OpenWebUIHost) { self.host = host }

    public func open(noteID: String, for peer: DocumentPeer) async throws(NoteRefusal) -> NoteGrant {
        guard let token = peer.token else { throw .forbidden }
        let note: OpenWebUINote?
        do {
            note = try await host.noteAccess(noteID: noteID, token: token)
        } catch {
            if error.isRetryable { throw .unavailable("Open WebUI did not answer: \(error)") }
            throw .forbidden
        }
        guard let note else { throw .forbidden }  // Open WebUI answers 404 and 403 alike to strangers
        let json = note.content?.json
        return NoteGrant(
            canWrite: note.canWrite, prosemirrorJSON: json?.objectValue == nil ? nil : json,
            storedContent: note.storedContent.isNull ? nil : note.storedContent)
    }

    public func save(noteID: String, rendered: JSONObject?, clientData: JSONObject?, editors: [DocumentPeer]) async -> Bool {
        // Open WebUI's own socket server saves the client's {content} snapshot; the server's rendering of the
        // merged state is the better source and wins where both exist.
        var content = clientData?["content"]?.objectValue ?? [:]
        for (key, value) in rendered ?? [:] { content[key] = value }
        guard let decoded = OpenWebUINoteContent(json: .object(content)), !decoded.isEmpty else { return true }
        for editor in editors {
            guard let token = editor.token else { continue }
            do {
                try await host.saveNote(noteID: noteID, content: decoded, token: token)
                return true
            } catch .forbidden, .invalidToken {
                continue  // this editor lost write access or logged out: try the next one
            } catch .notFound {
                return true  // the note was deleted: nothing to keep
            } catch {
                Log.shared.warn("note save to Open WebUI failed", ["note": noteID, "error": "\(error)"])
                return false
            }
        }
        Log.shared.warn("note save to Open WebUI postponed: no member with a valid write token", ["note": noteID])
        return false
    }
}
