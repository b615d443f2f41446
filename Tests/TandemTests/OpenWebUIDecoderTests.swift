import Testing
import Wire
@testable import Tandem

/// The decoders against the answers captured from a real Open WebUI 0.12.4 (Tests/Fixtures/openwebui-api) and
/// against odd JSON that a proxy, an older or newer Open WebUI, or a broken one could send.
struct OpenWebUIDecoderTests {
    @Test("The captured fixtures come from a real Open WebUI 0.12.4")
    func provenance() throws {
        #expect(OpenWebUIFixtures.captured)
    }

    @Test("GET /api/v1/auths/ answers decode into verified users with permissions")
    func users() throws {
        let admin = try #require(OpenWebUIUser(json: try OpenWebUIFixtures.json("auths-admin.json")))
        #expect(admin.isAdmin && admin.isVerified && admin.name == "Admin" && admin.email == "admin@example.com")
        let user = try #require(OpenWebUIUser(json: try OpenWebUIFixtures.json("auths-user.json")))
        #expect(user.role == "user" && user.name == "Bea" && user.canUseNotes && user.canUseChannels)
        #expect(user.permission("features.api_keys") == false)
        #expect(user.permission("features") == nil && user.permission("no.such") == nil)
        #expect((user.expiresAt ?? 0) > 1_700_000_000)
        #expect(OpenWebUIUser(json: try OpenWebUIFixtures.json("auths-401.json")) == nil)
    }

    @Test("GET /api/v1/notes/{id} answers decode with write_access and the stored content")
    func notes() throws {
        let admin = try OpenWebUIFixtures.json("auths-admin.json")["id"]?.stringValue
        let owner = try #require(OpenWebUINote(json: try OpenWebUIFixtures.json("note-owner.json")))
        #expect(owner.canWrite && owner.ownerID == admin && owner.title == "Shared note")
        #expect(owner.content?.md == "Hello from Open WebUI" && owner.content?.html == "<p>Hello from Open WebUI</p>")
        #expect(owner.content?.json["content"]?[0]?["type"]?.stringValue == "paragraph")
        #expect(owner.updatedAt > 1_000_000_000_000_000_000)  // nanoseconds
        #expect(owner.model["access_grants"]?[0]?["permission"]?.stringValue == "read")
        let reader = try #require(OpenWebUINote(json: try OpenWebUIFixtures.json("note-reader.json")))
        #expect(!reader.canWrite && reader.id == owner.id)
        let saved = try #require(OpenWebUINote(json: try OpenWebUIFixtures.json("note-update.json")))
        #expect(saved.content == OpenWebUINoteContent(json: .null, html: "<p>saved</p>", md: "saved"))
        #expect(saved.model["write_access"] == nil)
        let after = try #require(OpenWebUINote(json: try OpenWebUIFixtures.json("note-after-update.json")))
        #expect(after.content?.md == "saved" && after.title == "Shared note")  // the save kept the title
        for name in ["note-403.json", "note-404.json", "note-update-403.json"] {
            #expect(OpenWebUINote(json: try OpenWebUIFixtures.json(name)) == nil)
            #expect(!OpenWebUIHost.detail(try OpenWebUIFixtures.json(name)).isEmpty)
        }
    }

    @Test("GET /api/v1/channels/ answers decode; an outsider's list is empty")
    func channels() throws {
        let list = try #require(OpenWebUIChannel.list(json: try OpenWebUIFixtures.json("channels.json")))
        #expect(list.map(\.name) == ["general"] && list.first?.type == nil)
        #expect(try OpenWebUIChannel.list(json: OpenWebUIFixtures.json("channels-admin.json"))?.count == 1)
        #expect(try OpenWebUIChannel.list(json: OpenWebUIFixtures.json("channels-outsider.json")) == [])
    }

    @Test("Odd JSON never traps: missing fields, wrong types, nesting, huge bodies")
    func oddJSON() throws {
        let odd: [JSONValue] = [
            .null, 1, "x", [], [:], ["id": 1, "role": "user"], ["id": "", "role": "user"], ["id": "u", "role": 7],
            ["id": "u", "user_id": "o", "data": "not an object", "write_access": "yes", "updated_at": 1.5],
            ["id": "u", "user_id": "o", "data": ["content": ["json": 3, "html": [], "md": ["nested": true]]]],
            ["id": "u", "role": "admin", "permissions": ["features": "all"]],
            [["id": "c"], "junk", ["id": 5], ["name": "no id"]],
        ]
        for value in odd {
            _ = OpenWebUIUser(json: value)
            _ = OpenWebUINote(json: value)
            _ = OpenWebUIChannel.list(json: value)
            _ = OpenWebUIHost.detail(value)
        }
        #expect(OpenWebUIUser(json: ["id": 1, "role": "user"]) == nil)
        let admin = try #require(OpenWebUIUser(json: ["id": "u", "role": "admin", "permissions": ["features": "all"]]))
        #expect(admin.canUseNotes && admin.permission("features.notes") == nil)
        let plain = try #require(OpenWebUIUser(json: ["id": "u", "role": "user"]))
        #expect(!plain.canUseNotes && plain.name == "")
        let note = try #require(OpenWebUINote(json: ["id": "u", "user_id": "o", "data": "not an object", "write_access": "yes"]))
        #expect(!note.canWrite && note.content == nil && note.storedContent == .null && note.title == "")
        let lenient = try #require(OpenWebUINote(json: ["id": "u", "user_id": "o", "data": ["content": ["json": 3, "html": [], "md": ["x": true]]]]))
        #expect(lenient.content == OpenWebUINoteContent(json: 3, html: "", md: ""))
        #expect(OpenWebUIChannel.list(json: [["id": "c"], "junk", ["id": 5], ["name": "no id"]])?.map(\.id) == ["c"])
        // A deep or huge answer is stopped by the JSON limits and the client's body limit, not by a trap.
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000)
        #expect(throws: JSONError.self) { try JSONValue(parsing: deep, limits: .init(maxDepth: 512)) }
        var parser = HTTPResponseParser(configuration: .init(maxBodySize: 1024))
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n".utf8))
        #expect(throws: HTTPResponseParseError.bodyTooLarge(limit: 1024)) { try parser.nextResponse() }
    }

    @Test("Note ids are percent-encoded into the path; empty and dot ids are refused")
    func notePath() {
        #expect(OpenWebUIHost.notePath("22fc8023-41c8-4c99-b527-ae275b2bcc2e") == "/api/v1/notes/22fc8023-41c8-4c99-b527-ae275b2bcc2e")
        #expect(OpenWebUIHost.notePath("a/b?c") == "/api/v1/notes/a%2Fb%3Fc")
        #expect(OpenWebUIHost.notePath("é") == "/api/v1/notes/%C3%A9")
        #expect(OpenWebUIHost.notePath("") == nil && OpenWebUIHost.notePath("..") == nil)
        #expect(OpenWebUIHost.notePath(String(repeating: "x", count: 2000)) == nil)
    }

    @Test("TTLCache expires entries at the given time and stays within capacity")
    func cache() {
        var cache = TTLCache<String, Int>(capacity: 2)
        let start = ContinuousClock.now
        cache.set(1, for: "a", ttl: .seconds(10), now: start)
        cache.set(2, for: "b", ttl: .seconds(5), now: start)
        cache.set(3, for: "c", ttl: .seconds(20), now: start)  // full: evicts "b", the soonest to expire
        #expect(cache.count == 2 && cache.value(for: "b", now: start) == nil)
        #expect(cache.value(for: "a", now: start + .seconds(9)) == 1)
        #expect(cache.value(for: "a", now: start + .seconds(10)) == nil)
        cache.set(4, for: "d", ttl: .zero, now: start)
        #expect(cache.value(for: "d", now: start) == nil)
    }
}
