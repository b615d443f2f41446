import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// Open WebUI mode at the room level: access, seeding content and write-back come from (a fake of) Open WebUI
/// 0.12.4 answering with captured responses; the peers carry the tokens Open WebUI issued.
@Suite("Open WebUI mode", .serialized)
struct OpenWebUIModeTests {
    static let noteID = "22fc8023-41c8-4c99-b527-ae275b2bcc2e"
    static let ownerID = "4de0dec7-7c78-4c41-ab4b-e5105c8533ad"
    static let readerID = "ea0b9e4c-7d37-4b7c-93cd-84339dc0d0b5"

    func withManager(
        _ body: @Sendable (DocumentManager, OpenWebUIHost, FakeOpenWebUIRecorder, String) async throws -> Void
    ) async throws {
        let recorder = FakeOpenWebUIRecorder()
        try await withServer(router: try FakeOpenWebUI.router(recorder)) { server in
            let host = OpenWebUIHost(
                configuration: .init(url: try HTTPURL(parsing: "http://127.0.0.1:\(server.port)")))
            let dir = try makeTemporaryDirectory("owui-mode")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var configuration = diskConfiguration(dir)
            configuration.saveDelay = .milliseconds(20)
            configuration.saveRetryDelay = .milliseconds(20)
            let manager = DocumentManager(configuration: configuration, notes: nil, noteBackend: OpenWebUINotes(host: host))
            try await body(manager, host, recorder, dir)
        }
    }

    @Test("Grants come from Open WebUI with each peer's own token: owner writes, reader reads, stranger is refused")
    func access() async throws {
        try await withManager { manager, _, _, _ in
            let note = "note:" + Self.noteID
            let owner = DocumentPeer(id: "s1", kind: .socketIO, userID: Self.ownerID, token: "tok-admin")
            let reader = DocumentPeer(id: "s2", kind: .socketIO, userID: Self.readerID, token: "tok-user")
            let stranger = DocumentPeer(id: "s3", kind: .socketIO, userID: "x", token: "tok-unknown")
            let ownerOut = RecordingOutbound()
            #expect(try await manager.join(note, peer: owner, outbound: ownerOut))
            #expect(try await !manager.join(note, peer: reader, outbound: RecordingOutbound()))
            await #expect(throws: DocumentRefusal.forbidden) {
                try await manager.join(note, peer: stranger, outbound: RecordingOutbound())
            }
            await #expect(throws: DocumentRefusal.forbidden) {
                try await manager.join("note:gone", peer: owner, outbound: RecordingOutbound())
            }
            // The join answer carries the note's stored content, so a 0.12 client can seed an empty document.
            let state = try #require(ownerOut.take("ydoc:document:state").first)
            #expect(state["content"]?.objectValue != nil)
            let update = try fixtureUpdates(session: 1)[0]
            await #expect(throws: DocumentRefusal.readOnly) { try await manager.applyUpdate(note, update: update, from: reader) }
        }
    }

    @Test("The merged content is written back to Open WebUI after the debounce, with a writer's token")
    func writeBack() async throws {
        try await withManager { manager, _, recorder, _ in
            let note = "note:" + Self.noteID
            let reader = DocumentPeer(id: "s2", kind: .socketIO, userID: Self.readerID, token: "tok-user")
            let owner = DocumentPeer(id: "s1", kind: .socketIO, userID: Self.ownerID, token: "tok-admin")
            try await manager.join(note, peer: reader, outbound: RecordingOutbound())
            try await manager.join(note, peer: owner, outbound: RecordingOutbound())
            var editor = Document()
            let paragraph: JSONValue = [
                "type": "doc", "content": [["type": "paragraph", "content": [["type": "text", "text": "from Tandem"]]]],
            ]
            let seed = try editor.replaceProseMirror(fragment: "prosemirror", with: paragraph.yAny)
            // The room may have seeded the note server-side already; the owner's update goes on top either way.
            try await manager.applyUpdate(note, update: seed, from: owner)
            let path = "/api/v1/notes/\(Self.noteID)/update"
            for _ in 0..<300 where recorder.body(path) == nil { try await Task.sleep(for: .milliseconds(10)) }
            let body = try JSONValue(parsing: try #require(recorder.body(path)))
            #expect(body["data"]?["content"]?["md"]?.stringValue?.contains("from Tandem") == true)
            #expect(body["data"]?["content"]?["json"]?["type"] == "doc")
        }
    }

    @Test("Users are confirmed by Open WebUI: name and role come from it, unknown tokens are refused")
    func users() async throws {
        try await withManager { _, host, _, _ in
            let users = OpenWebUIUsers(host: host)
            guard case .user(let user) = await users.user(token: "tok-admin", claims: [:]) else {
                Issue.record("expected the admin")
                return
            }
            #expect(user.id == Self.ownerID && !user.name.isEmpty && user.role == "admin" && user.token == "tok-admin")
            guard case .refused = await users.user(token: "tok-unknown", claims: [:]) else {
                Issue.record("an unknown token must be refused")
                return
            }
        }
    }

    @Test("Members whose token the host now refuses are removed on both protocols; one check per token per pass")
    func revalidation() async throws {
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let users = StubUsers()
        let socketOut = RecordingOutbound()
        let yjsOut = RecordingOutbound()
        let keep = DocumentPeer(id: "s1", kind: .socketIO, userID: "a", token: "good")
        let revokedSocket = DocumentPeer(id: "s2", kind: .socketIO, userID: "b", token: "bad")
        let revokedYjs = DocumentPeer(id: "yws-3", kind: .yWebSocket, userID: "b", token: "bad")
        try await manager.join("d", peer: keep, outbound: RecordingOutbound())
        try await manager.join("d", peer: revokedSocket, outbound: socketOut)
        try await manager.join("d", peer: revokedYjs, outbound: yjsOut)
        try await manager.join("e", peer: revokedSocket, outbound: socketOut)
        users.refuse("bad")
        #expect(await manager.revalidateMembers(using: users) == 3)
        #expect(await manager.members(of: "d") == ["s1"])
        #expect(await manager.members(of: "e").isEmpty)
        #expect(yjsOut.revocations == 1 && socketOut.revocations == 2)
        #expect(users.calls == 2, "each token is checked once per pass")
        #expect(manager.documentCount(of: "s2") == 0)
    }
}

/// A user source that accepts every token but those refused.
final class StubUsers: TokenUserSource, @unchecked Sendable {
    private let lock = NSLock()
    private var refused: Set<String> = []
    private var count = 0

    func refuse(_ token: String) { lock.withLock { _ = refused.insert(token) } }
    var calls: Int { lock.withLock { count } }

    func user(token: String, claims: JSONObject) async -> UserResolution {
        lock.withLock {
            count += 1
            return refused.contains(token) ? .refused("revoked") : .user(AuthenticatedUser(id: token == "good" ? "a" : "b", name: "N"))
        }
    }
}
