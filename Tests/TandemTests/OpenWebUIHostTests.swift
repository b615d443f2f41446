import Testing
import Wire
@testable import Tandem

/// Starts the fake Open WebUI and hands a host client pointed at it to `body`.
private func withFakeHost(
    configure: @escaping @Sendable (inout OpenWebUIHost.Configuration) -> Void = { _ in },
    _ body: @Sendable (OpenWebUIHost, FakeOpenWebUIRecorder) async throws -> Void
) async throws {
    let recorder = FakeOpenWebUIRecorder()
    try await withServer(router: try FakeOpenWebUI.router(recorder)) { server in
        var configuration = OpenWebUIHost.Configuration(url: try HTTPURL(parsing: "http://127.0.0.1:\(server.port)"))
        configure(&configuration)
        try await body(OpenWebUIHost(configuration: configuration), recorder)
    }
}

@Suite("Open WebUI host client", .serialized)
struct OpenWebUIHostTests {
    @Test("user(token:) resolves a token through GET /api/v1/auths/ and caches it for the TTL")
    func userAndCache() async throws {
        try await withFakeHost { host, recorder in
            let start = ContinuousClock.now
            let admin = try await host.user(token: "tok-admin", now: start)
            #expect(admin.name == "Admin" && admin.isAdmin && admin.canUseNotes && admin.canUseChannels)
            let user = try await host.user(token: "tok-user", now: start)
            #expect(user.role == "user" && !user.isAdmin && user.canUseNotes)
            #expect(user.permission("features.notes") == true)
            _ = try await host.user(token: "tok-admin", now: start + .seconds(9))
            #expect(recorder.count("GET /api/v1/auths/") == 2)
            _ = try await host.user(token: "tok-admin", now: start + .seconds(11))
            #expect(recorder.count("GET /api/v1/auths/") == 3)
        }
    }

    @Test("401 and pending users are refused and cached briefly; 5xx, garbage and a dead host are retryable")
    func refusalsAndOutages() async throws {
        try await withFakeHost { host, recorder in
            let start = ContinuousClock.now
            await #expect(throws: OpenWebUIHostError.self) { try await host.user(token: "tok-bad", now: start) }
            do {
                _ = try await host.user(token: "tok-bad", now: start + .seconds(1))
                Issue.record("expected a refusal")
            } catch let error as OpenWebUIHostError {
                guard case .invalidToken(let why) = error else { throw error }
                #expect(!error.isRetryable && why.contains("401"))
            }
            #expect(recorder.count("GET /api/v1/auths/") == 1)  // the refusal was cached
            _ = try? await host.user(token: "tok-bad", now: start + .seconds(3))
            #expect(recorder.count("GET /api/v1/auths/") == 2)  // ... for the negative TTL only
            let userID = try OpenWebUIFixtures.json("auths-user.json")["id"]?.stringValue ?? ""
            await #expect(throws: OpenWebUIHostError.invalidToken("user \(userID) is pending")) {
                try await host.user(token: "tok-pending")
            }
            await #expect(throws: OpenWebUIHostError.invalidToken("empty or oversized token")) {
                try await host.user(token: "")
            }
            await #expect(throws: OpenWebUIHostError.invalidToken("unencodable token (invalidHeader(name: \"Authorization\"))")) {
                try await host.user(token: "x\r\nX-Evil: 1")
            }
            for token in ["tok-broken", "tok-garbage"] {
                do {
                    _ = try await host.user(token: token)
                    Issue.record("expected unavailable for \(token)")
                } catch let error as OpenWebUIHostError {
                    #expect(error.isRetryable, "\(token): \(error)")
                }
            }
            _ = try? await host.user(token: "tok-broken")
            #expect(recorder.count("GET /api/v1/auths/") == 6)  // outages are never cached
        }
        let dead = OpenWebUIHost(configuration: .init(url: try HTTPURL(parsing: "http://127.0.0.1:1")))
        do {
            _ = try await dead.user(token: "tok-admin")
            Issue.record("expected unavailable")
        } catch {
            #expect(error.isRetryable)
        }
    }

    @Test("Concurrent look-ups of one token share one request")
    func coalescing() async throws {
        try await withFakeHost { host, recorder in
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await host.user(token: "slow-admin").id } }
                let adminID = try OpenWebUIFixtures.json("auths-admin.json")["id"]?.stringValue
                for try await id in group { #expect(id == adminID) }
            }
            #expect(recorder.count("GET /api/v1/auths/") == 1)
        }
    }

    @Test("noteAccess: owner may write, a read grant may not, 403/404 are nil, content is the stored data.content")
    func notes() async throws {
        try await withFakeHost { host, recorder in
            let noteID = try OpenWebUIFixtures.json("note-owner.json")["id"]?.stringValue ?? ""
            let owned = try #require(try await host.noteAccess(noteID: noteID, token: "tok-admin"))
            #expect(try owned.canWrite && owned.ownerID == OpenWebUIFixtures.json("auths-admin.json")["id"]?.stringValue)
            #expect(owned.title == "Shared note")
            let content = try #require(owned.content)
            #expect(content.md.contains("Hello") && content.html.hasPrefix("<p>"))
            #expect(content.json["type"]?.stringValue == "doc")
            #expect(try owned.storedContent == OpenWebUIFixtures.json("note-owner.json")["data"]?["content"])
            #expect(owned.model["write_access"] == nil && owned.model["access_grants"] != nil)
            let shared = try #require(try await host.noteAccess(noteID: noteID, token: "tok-user"))
            #expect(!shared.canWrite)
            #expect(try await host.noteAccess(noteID: "secret", token: "tok-user") == nil)
            #expect(try await host.noteAccess(noteID: "gone", token: "tok-user") == nil)
            #expect(try await host.noteAccess(noteID: "", token: "tok-user") == nil)
            _ = try await host.noteAccess(noteID: "a/../b c", token: "tok-user")
            #expect(recorder.count("GET /api/v1/notes/a%2F..%2Fb%20c") == 1)
            await #expect(throws: OpenWebUIHostError.self) { try await host.noteAccess(noteID: noteID, token: "tok-bad") }
        }
    }

    @Test("saveNote posts {data:{content:{json,html,md}}} and maps 403 to forbidden")
    func save() async throws {
        try await withFakeHost { host, recorder in
            let content = OpenWebUINoteContent(
                json: ["type": "doc", "content": []], html: "<p>saved</p>", md: "saved")
            let saved = try await host.saveNote(noteID: "n1", content: content, token: "tok-admin")
            #expect(saved.content?.md == "saved")
            let sent = try JSONValue(parsing: try #require(recorder.body("/api/v1/notes/n1/update")))
            #expect(sent == ["data": ["content": ["json": ["type": "doc", "content": []], "html": "<p>saved</p>", "md": "saved"]]])
            await #expect(throws: OpenWebUIHostError.forbidden("403 Something went wrong :/")) {
                try await host.saveNote(noteID: "n1", content: content, token: "tok-user")
            }
            await #expect(throws: OpenWebUIHostError.forbidden("401 401 Unauthorized")) {
                try await host.saveNote(noteID: "n1", content: content, token: "tok-bad")
            }
        }
    }

    @Test("channels(ofUserToken:) lists GET /api/v1/channels/")
    func channels() async throws {
        try await withFakeHost { host, recorder in
            let channels = try await host.channels(ofUserToken: "tok-user")
            #expect(channels.map(\.name) == ["general"])
            #expect(try channels.first?.id == OpenWebUIFixtures.json("channels.json")[0]?["id"]?.stringValue)
            #expect(recorder.count("GET /api/v1/channels/") == 1)
        }
    }

    @Test("The HTTP client reuses one keep-alive connection for sequential requests")
    func keepAlive() async throws {
        let recorder = FakeOpenWebUIRecorder()
        try await withServer(router: try FakeOpenWebUI.router(recorder)) { server in
            let client = HTTPClient()
            let url = try HTTPURL(parsing: "http://127.0.0.1:\(server.port)")
            for _ in 0..<5 {
                let response = try await client.get("/api/v1/channels/", at: url)
                #expect(response.status.code == 200)
            }
            #expect(client.idleConnectionCount == 1)
            #expect(server.serverMetrics.acceptedConnections.value == 1)
        }
    }
}
