import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

@Suite("Notes REST API")
struct NotesAPITests {
    let secret = "api-secret"

    func token(_ id: String, role: String = "user") -> String {
        JWTVerifier.sign(["id": .string(id), "name": .string(id), "role": .string(role)], secret: secret)
    }

    func request(_ method: HTTPMethod, _ path: String, as user: String?, body: JSONValue? = nil) -> HTTPRequest {
        var headers: HTTPHeaders = [:]
        if let user { headers = ["Authorization": "Bearer \(token(user, role: user == "root" ? "admin" : "user"))"] }
        return HTTPRequest(
            method: method, target: path, headers: headers, body: body.map { Array($0.serialized().utf8) } ?? [])
    }

    /// Runs a request through the API and returns status and parsed body.
    func call(_ api: NotesAPI, _ request: HTTPRequest) async -> (Int, JSONValue?) {
        var router = Router()
        api.install(on: &router)
        do {
            let handler: HTTPHandler
            switch request.path {
            case "/api/v1/notes/create": handler = { try await api.create($0) }
            case "/api/v1/notes/", "/api/v1/notes": handler = { try await api.list($0) }
            default: handler = { try await api.route($0) }
            }
            let response = try await handler(request)
            return (response.status.code, try? JSONValue(parsing: response.body))
        } catch let error as HTTPError {
            return (error.response.status.code, try? JSONValue(parsing: error.response.body))
        } catch {
            return (500, nil)
        }
    }

    func makeAPI(_ dir: String) async throws -> (NotesAPI, DocumentManager, NoteStore) {
        let notes = try NoteStore(dataDirectory: dir)
        let manager = DocumentManager(configuration: diskConfiguration(dir), notes: notes)
        let api = NotesAPI(notes: notes, manager: manager, authenticator: TokenAuthenticator(secret: secret), notify: nil)
        return (api, manager, notes)
    }

    @Test("Create, read, list, update and delete with owner, grants and admin")
    func lifecycle() async throws {
        let dir = try makeTemporaryDirectory("notes-api")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (api, _, notes) = try await makeAPI(dir)
        let (status, created) = await call(api, request(.post, "/api/v1/notes/create", as: "alice", body: [
            "title": "Plan", "data": ["files": [], "content": ["md": "hi"]],
            "access_control": ["read": ["user_ids": ["bob"]], "write": ["user_ids": []]],
        ]))
        #expect(status == 200)
        let id = try #require(created?["id"]?.stringValue)
        #expect(created?["user_id"] == "alice")
        #expect(await call(api, request(.get, "/api/v1/notes/\(id)", as: "bob")).0 == 200)
        #expect(await call(api, request(.get, "/api/v1/notes/\(id)", as: "carol")).0 == 403)
        #expect(await call(api, request(.get, "/api/v1/notes/\(id)", as: nil)).0 == 401)
        #expect(await call(api, request(.get, "/api/v1/notes/nope", as: "alice")).0 == 404)
        #expect(await call(api, request(.get, "/api/v1/notes/", as: "bob")).1?.arrayValue?.count == 1)
        #expect(await call(api, request(.get, "/api/v1/notes/", as: "carol")).1?.arrayValue?.count == 0)
        // bob may read but not write; alice writes; data is merged shallowly.
        #expect(await call(api, request(.post, "/api/v1/notes/\(id)/update", as: "bob", body: ["title": "x"])).0 == 403)
        let (updated, note) = await call(api, request(.post, "/api/v1/notes/\(id)/update", as: "alice", body: ["title": "Plan B", "data": ["extra": 1]]))
        #expect(updated == 200)
        #expect(note?["title"] == "Plan B")
        #expect(note?["data"]?["files"] == [])
        #expect(note?["data"]?["extra"] == 1)
        // A writer who is not the owner cannot change access control (Open WebUI #30174).
        _ = await call(api, request(.post, "/api/v1/notes/\(id)/update", as: "alice", body: ["access_control": ["read": ["user_ids": ["bob"]], "write": ["user_ids": ["bob"]]]]))
        let (bobWrite, _) = await call(api, request(.post, "/api/v1/notes/\(id)/update", as: "bob", body: ["access_control": .null]))
        #expect(bobWrite == 200)
        #expect(await notes.note(id)?.accessControl != .null)
        // Only the owner or an admin deletes.
        #expect(await call(api, request(.delete, "/api/v1/notes/\(id)/delete", as: "bob")).0 == 403)
        #expect(await call(api, request(.delete, "/api/v1/notes/\(id)/delete", as: "root")).0 == 200)
        #expect(await notes.note(id) == nil)
    }

    @Test("Malformed bodies get 400 and change nothing")
    func malformed() async throws {
        let dir = try makeTemporaryDirectory("notes-api")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (api, _, notes) = try await makeAPI(dir)
        var bad = request(.post, "/api/v1/notes/create", as: "alice")
        bad.body = Array("{not json".utf8)
        #expect(await call(api, bad).0 == 400)
        #expect(await call(api, request(.post, "/api/v1/notes/create", as: "alice", body: [1, 2])).0 == 400)
        #expect(await call(api, request(.post, "/api/v1/notes/create", as: "alice", body: ["title": 5])).0 == 400)
        #expect(await notes.count == 0)
    }

    @Test("A note with stored content is seeded server-side; a REST content change reaches the live document")
    func seedAndReplace() async throws {
        let dir = try makeTemporaryDirectory("notes-api")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (api, manager, notes) = try await makeAPI(dir)
        let relay = RecordingOutbound()
        let first: JSONValue = ["type": "doc", "content": [["type": "paragraph", "content": [["type": "text", "text": "stored"]]]]]
        let (_, created) = await call(api, request(.post, "/api/v1/notes/create", as: "alice", body: ["title": "T", "data": ["content": ["json": first]]]))
        let id = try #require(created?["id"]?.stringValue)
        try await manager.join("note:\(id)", peer: peer("s1", user: "alice"), outbound: relay)
        let state = try #require(relay.take("ydoc:document:state").first?["state"]?.byteArrayValue)
        #expect(state != [0, 0])
        var mirror = Document()
        try mirror.applyUpdate(state)
        #expect(JSONValue(mirror.prosemirrorJSON(mirror.xmlFragment("prosemirror"))) == first)

        let second: JSONValue = ["type": "doc", "content": [["type": "heading", "attrs": ["level": 1], "content": [["type": "text", "text": "replaced"]]]]]
        let (status, _) = await call(api, request(.post, "/api/v1/notes/\(id)/update", as: "alice", body: ["data": ["content": ["json": second]]]))
        #expect(status == 200)
        let updates = relay.take("ydoc:document:update").compactMap { $0["update"]?.byteArrayValue }
        #expect(updates.count == 1)
        for update in updates { try mirror.applyUpdate(update) }
        #expect(JSONValue(mirror.prosemirrorJSON(mirror.xmlFragment("prosemirror"))) == second)
        await manager.flushAll()
        let stored = await notes.note(id)
        #expect(stored?.data["content"]?["md"]?.stringValue?.contains("replaced") == true)
    }
}
