import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// Open WebUI 0.12 protocol details in standalone mode: `access_grants` (users, groups, `*`), the access route,
/// grant changes reaching joined members, and the 20-documents-per-session limit.
@Suite("Open WebUI 0.12 protocol in standalone mode", .serialized)
struct OpenWebUIProtocolTests {
    let secret = "owui-012"

    func token(_ id: String, groups: [String] = []) -> String {
        JWTVerifier.sign(
            ["id": .string(id), "name": .string(id), "role": "user", "groups": .array(groups.map(JSONValue.string))],
            secret: secret)
    }

    func harness(_ dir: String) async throws -> AppHarness {
        var configuration = AppConfiguration()
        configuration.documents.dataDirectory = dir
        configuration.documents.walSync = .never
        configuration.jwtSecret = secret
        return try await AppHarness(configuration: configuration)
    }

    @Test("access_grants: each permission needs its own grant; user, group and * principals; only the owner changes them")
    func grants() async throws {
        let dir = try makeTemporaryDirectory("grants")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = try await harness(dir)
        let grants: JSONValue = [
            ["principal_type": "user", "principal_id": "bob", "permission": "read"],
            ["principal_type": "user", "principal_id": "bob", "permission": "write"],
            ["principal_type": "group", "principal_id": "editors", "permission": "read"],
            ["principal_type": "user", "principal_id": "dave", "permission": "write"],
        ]
        let (status, created) = await h.http(
            .post, "/api/v1/notes/create", token: token("alice"), body: ["title": "T", "access_grants": grants])
        #expect(status == 200)
        let id = try #require(created?["id"]?.stringValue)
        #expect(await h.http(.get, "/api/v1/notes/\(id)", token: token("bob")).0 == 200)
        #expect(await h.http(.get, "/api/v1/notes/\(id)", token: token("carol", groups: ["editors"])).0 == 200)
        #expect(await h.http(.get, "/api/v1/notes/\(id)", token: token("carol")).0 == 403)
        #expect(await h.http(.get, "/api/v1/notes/\(id)", token: token("dave")).0 == 403, "write alone does not read")
        // Documents follow the same grants.
        let manager = h.app.manager
        let reader = DocumentPeer(id: "c", kind: .socketIO, userID: "carol")
        var inGroup = reader
        inGroup.groups = ["editors"]
        #expect(try await !manager.join("note:\(id)", peer: inGroup, outbound: RecordingOutbound()))
        await #expect(throws: DocumentRefusal.forbidden) {
            try await manager.join("note:\(id)", peer: DocumentPeer(id: "d", kind: .socketIO, userID: "dave"), outbound: RecordingOutbound())
        }
        #expect(try await manager.join("note:\(id)", peer: DocumentPeer(id: "b", kind: .socketIO, userID: "bob"), outbound: RecordingOutbound()))
        // Only the owner changes grants; `*` opens reading to every user; the change reaches joined members.
        let open: JSONValue = ["access_grants": [["principal_type": "user", "principal_id": "*", "permission": "read"]]]
        #expect(await h.http(.post, "/api/v1/notes/\(id)/access/update", token: token("bob"), body: open).0 == 403)
        #expect(await h.http(.post, "/api/v1/notes/\(id)/access/update", token: token("alice"), body: open).0 == 200)
        #expect(await h.http(.get, "/api/v1/notes/\(id)", token: token("zoe")).0 == 200)
        await #expect(throws: DocumentRefusal.readOnly) {
            try await manager.applyUpdate(
                "note:\(id)", update: try fixtureUpdates(session: 1)[0], from: DocumentPeer(id: "b", kind: .socketIO, userID: "bob"))
        }
        let bad: JSONValue = ["access_grants": [["principal_type": "robot", "principal_id": "x", "permission": "read"]]]
        #expect(await h.http(.post, "/api/v1/notes/\(id)/access/update", token: token("alice"), body: bad).0 == 400)
        _ = await h.app.shutdown()
    }

    @Test("A Socket.IO session may hold at most 20 documents (Open WebUI 0.12's limit)")
    func documentsPerSession() async throws {
        let dir = try makeTemporaryDirectory("limit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = try await harness(dir)
        let client = try await HarnessSocketIOClient.connect(h, token: token("alice"))
        for index in 0..<20 { await client.emit("ydoc:document:join", ["document_id": .string("doc-\(index)")]) }
        _ = try await client.events("ydoc:document:state", count: 20)
        await client.emit("ydoc:document:join", ["document_id": "doc-20"])
        let error = try #require(try await client.events("error").first)
        #expect(error["message"]?.stringValue?.contains("at most 20 documents") == true)
        await client.emit("ydoc:document:join", ["document_id": "doc-3"])  // a rejoin is not a new document
        #expect(try await client.events("ydoc:document:state").count == 1)
        await client.emit("ydoc:document:leave", ["document_id": "doc-0"])
        await client.emit("ydoc:document:join", ["document_id": "doc-20"])
        #expect(try await client.events("ydoc:document:state").first?["document_id"] == "doc-20")
        _ = await h.app.shutdown()
    }

    @Test("A note stored as HTML only, or Markdown only, is seeded server-side from it")
    func seedsFromHTMLAndMarkdown() async throws {
        let dir = try makeTemporaryDirectory("seed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = try await harness(dir)
        for (field, text) in [("html", "<h1>Plan</h1><p>from <strong>HTML</strong></p>"), ("md", "# Plan\n\nfrom **Markdown**")] {
            let (_, created) = await h.http(
                .post, "/api/v1/notes/create", token: token("alice"),
                body: ["title": "T", "data": ["content": .object([field: .string(text)])]])
            let id = try #require(created?["id"]?.stringValue)
            let out = RecordingOutbound()
            try await h.app.manager.join("note:\(id)", peer: DocumentPeer(id: "a-\(field)", kind: .socketIO, userID: "alice"), outbound: out)
            let state = try #require(out.take("ydoc:document:state").first?["state"]?.byteArrayValue)
            var document = Document()
            try document.applyUpdate(state)
            let rendered = document.renderNote(fragment: "prosemirror")
            #expect(rendered.markdown.contains("# Plan"), "\(field): \(rendered.markdown)")
            #expect(rendered.markdown.contains(field == "html" ? "**HTML**" : "**Markdown**"))
        }
        _ = await h.app.shutdown()
    }
}
