import Foundation
import Wire
import YCRDT

/// Open WebUI's notes REST routes with Bearer JWT, on the server's note store and live documents.
///
/// | route | access | answer |
/// |---|---|---|
/// | `POST /api/v1/notes/create` `{title, data?, meta?, access_control?}` | any user | the note |
/// | `GET /api/v1/notes/` | any user | notes the user can read, newest first |
/// | `GET /api/v1/notes/{id}` | read | the note |
/// | `POST /api/v1/notes/{id}/update` `{title?, data?, meta?, access_control?, access_grants?}` | write | the note |
/// | `POST /api/v1/notes/{id}/access/update` `{access_grants}` (Open WebUI 0.12) | owner or admin | the note |
/// | `DELETE /api/v1/notes/{id}/delete` | owner or admin | `true` |
///
/// `data` is shallow-merged as Open WebUI does; only the owner or an admin may change `access_control` (Open WebUI
/// #30174). When an update changes `data.content`, the live document is reseeded from its ProseMirror JSON (the
/// change reaches connected editors as an ordinary Yjs update) and `events:note` goes to `note:<id>` (#25916). A
/// grant change is applied to joined members at once (``DocumentManager/reevaluateAccess(noteID:)``).
public struct NotesAPI: Sendable {
    /// The note store: files, or Redis in cluster mode.
    public let notes: any NoteStorage
    public let manager: DocumentManager
    public let authenticator: TokenAuthenticator
    /// Emits `note-events` to `note:<id>`; nil when no Socket.IO server runs.
    public let notify: (@Sendable (_ noteID: String, _ note: JSONValue) async -> Void)?
    /// Largest request body accepted (default 16 MiB).
    public var maxBodyBytes: Int = 16 << 20

    public init(
        notes: any NoteStorage, manager: DocumentManager, authenticator: TokenAuthenticator,
        notify: (@Sendable (String, JSONValue) async -> Void)?
    ) {
        self.notes = notes
        self.manager = manager
        self.authenticator = authenticator
        self.notify = notify
    }

    /// Adds the routes to `router`.
    public func install(on router: inout Router) {
        let api = self
        router.post("/api/v1/notes/create") { request in try await api.create(request) }
        router.get("/api/v1/notes/") { request in try await api.list(request) }
        router.get("/api/v1/notes") { request in try await api.list(request) }
        router.http(nil, "/api/v1/notes/", match: .prefix) { request in try await api.route(request) }
    }

    func user(_ request: HTTPRequest) throws -> AuthenticatedUser {
        guard let user = authenticator.user(authorization: request.headers["authorization"]) else {
            throw APIError.unauthorized
        }
        return user
    }

    func body(_ request: HTTPRequest) throws -> JSONObject {
        guard request.body.count <= maxBodyBytes else { throw APIError.make(.payloadTooLarge, "body larger than \(maxBodyBytes) bytes") }
        guard !request.body.isEmpty else { return [:] }
        do {
            guard let object = try JSONValue(parsing: request.body).objectValue else {
                throw APIError.make(.badRequest, "expected a JSON object")
            }
            return object
        } catch let error as JSONError {
            throw APIError.make(.badRequest, "invalid JSON: \(error)")
        }
    }

    func create(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try user(request)
        let form = try body(request)
        guard let title = form["title"]?.stringValue else { throw APIError.make(.badRequest, "title (a string) is required") }
        let now = NoteStore.nanosecondsNow()
        var note = Note(
            id: UUID().uuidString.lowercased(), userID: user.id, title: title,
            data: form["data"]?.objectValue ?? [:], meta: form["meta"]?.objectValue ?? [:],
            accessControl: form["access_control"] ?? [:], createdAt: now, updatedAt: now)
        if let grants = form["access_grants"] {
            guard let valid = Note.validGrants(grants) else { throw APIError.make(.badRequest, "invalid access_grants") }
            note.accessGrants = valid
        }
        try await save(note)
        return .json(note.json.serialized())
    }

    func list(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try user(request)
        let notes: [Note]
        do {
            notes = try await self.notes.notes(readableBy: user.id, isAdmin: user.isAdmin, groups: user.groups)
        } catch {
            throw APIError.make(.internalServerError, "\(error)")
        }
        return .json(JSONValue.array(notes.map(\.json)).serialized())
    }

    func route(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try user(request)
        let rest = request.path.dropFirst("/api/v1/notes/".count).split(separator: "/", omittingEmptySubsequences: false)
        guard let first = rest.first, let id = HTTPRequest.percentDecode(first), !id.isEmpty else {
            throw APIError.make(.notFound, "no such route")
        }
        switch (request.method, rest.count == 2 ? String(rest[1]) : rest.count == 1 ? "" : rest.count == 3 ? "" : nil) {
        case (.get, ""):
            return .json(try await readable(id, user).json.serialized())
        case (.post, "update"):
            return try await update(id, user, try body(request))
        case (.post, _) where rest.count == 3 && rest[1] == "access" && rest[2] == "update":
            let form = try body(request)
            guard form["access_grants"] != nil else { throw APIError.make(.badRequest, "access_grants is required") }
            let note = try await readable(id, user)
            guard user.isAdmin || note.userID.bytewiseEquals(user.id) else {
                throw APIError.make(.forbidden, "only the owner or an admin may change access")
            }
            return try await update(id, user, ["access_grants": form["access_grants"] ?? .array([])])
        case (.delete, "delete"):
            let note = try await readable(id, user)
            guard user.isAdmin || note.userID.bytewiseEquals(user.id) else { throw APIError.make(.forbidden, "only the owner or an admin may delete a note") }
            try await delete(note)
            return .json("true")
        default:
            throw APIError.make(.notFound, "no such route")
        }
    }

    func readable(_ id: String, _ user: AuthenticatedUser) async throws -> Note {
        let stored: Note?
        do {
            stored = try await notes.note(id)
        } catch {
            throw APIError.make(.internalServerError, "\(error)")
        }
        guard let note = stored else { throw APIError.make(.notFound, "note not found") }
        guard note.allows(.read, userID: user.id, isAdmin: user.isAdmin, groups: user.groups) else {
            throw APIError.make(.forbidden, "access denied")
        }
        return note
    }

    func update(_ id: String, _ user: AuthenticatedUser, _ form: JSONObject) async throws -> HTTPResponse {
        var note = try await readable(id, user)
        let isOwner = user.isAdmin || note.userID.bytewiseEquals(user.id)
        guard note.allows(.write, userID: user.id, isAdmin: user.isAdmin, groups: user.groups) else {
            throw APIError.make(.forbidden, "write access required")
        }
        if let title = form["title"] {
            guard let text = title.stringValue else { throw APIError.make(.badRequest, "title must be a string") }
            note.title = text
        }
        var contentChanged = false
        if let data = form["data"] {
            guard let object = data.objectValue else { throw APIError.make(.badRequest, "data must be an object") }
            for (key, value) in object {
                if key == "content", note.data["content"] != value { contentChanged = true }
                note.data[key] = value
            }
        }
        if let meta = form["meta"]?.objectValue { note.meta = meta }
        var accessChanged = false
        if let access = form["access_control"], isOwner {
            accessChanged = note.accessControl != access
            note.accessControl = access
        }
        if let grants = form["access_grants"], isOwner {
            guard let valid = Note.validGrants(grants) else { throw APIError.make(.badRequest, "invalid access_grants") }
            accessChanged = accessChanged || note.accessGrants != valid
            note.accessGrants = valid
        }
        note.updatedAt = NoteStore.nanosecondsNow()
        try await save(note)
        if contentChanged, let json = note.contentJSON {
            await manager.replaceNoteContent(note.id, prosemirrorJSON: json)
        }
        if accessChanged { await manager.reevaluateAccess(noteID: note.id) }
        await notify?(note.id, note.json)
        return .json(note.json.serialized())
    }

    func delete(_ note: Note) async throws {
        do {
            try await notes.delete(note.id)
        } catch {
            throw APIError.make(.internalServerError, "\(error)")
        }
        await manager.deleteDocument("note:" + note.id)
    }

    func save(_ note: Note) async throws {
        do {
            try await notes.save(note)
        } catch {
            throw APIError.make(.internalServerError, "\(error)")
        }
    }
}

/// Errors answered as `{"detail": message}` with a status, like Open WebUI's FastAPI errors.
enum APIError {
    /// An ``HTTPError`` whose body is `{"detail": message}`.
    static func make(_ status: HTTPStatus, _ message: String) -> HTTPError {
        HTTPError(.json(JSONValue.object(["detail": .string(message)]).serialized(), status: status))
    }

    static let unauthorized = APIError.make(.unauthorized, "not authenticated")
}
