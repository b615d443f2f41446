import Foundation
import Testing
import Wire
@testable import Tandem

/// Issue 19 (#8): ids are compared by their UTF-8 bytes. Swift's `String ==` uses canonical equivalence, which
/// made `café` (NFC) and `cafe\u{301}` (NFD) one document whose folder depended on which spelling joined first.
@Suite("Unicode ids are byte strings")
struct UnicodeIDTests {
    static let nfc = "caf\u{E9}"
    static let nfd = "cafe\u{301}"

    @Test("The two spellings are == as Swift strings but distinct ByteKeys, hashes and file names")
    func byteKey() {
        #expect(Self.nfc == Self.nfd, "the premise: String == is canonical equivalence")
        #expect(ByteKey(Self.nfc) != ByteKey(Self.nfd))
        #expect(!Self.nfc.bytewiseEquals(Self.nfd) && Self.nfc.bytewiseEquals("caf\u{E9}"))
        #expect(Set([ByteKey(Self.nfc), ByteKey(Self.nfd), ByteKey("caf\u{E9}")]).count == 2)
        #expect(ByteKey(Self.nfc) < ByteKey(Self.nfd) || ByteKey(Self.nfd) < ByteKey(Self.nfc))
        #expect(SafeFileName.encode(Self.nfc) != SafeFileName.encode(Self.nfd))
    }

    @Test("Two spellings are two documents: separate state, separate members, two folders on disk")
    func twoDocuments() async throws {
        let dir = try makeTemporaryDirectory("unicode")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let updates = try fixtureUpdates(session: 1)
        let manager = DocumentManager(configuration: diskConfiguration(dir), notes: nil)
        let composed = RecordingOutbound()
        let decomposed = RecordingOutbound()
        try await manager.join(Self.nfd, peer: peer("b"), outbound: decomposed)
        try await manager.join(Self.nfc, peer: peer("a"), outbound: composed)
        #expect(manager.loadedDocuments.count == 2)
        #expect(manager.hasJoined("a", Self.nfc) && !manager.hasJoined("a", Self.nfd))
        _ = decomposed.take()
        try await manager.applyUpdate(Self.nfc, update: updates[0], from: peer("a"))
        #expect(decomposed.take("ydoc:document:update").isEmpty, "the NFD document's member hears nothing")
        #expect(await manager.state(Self.nfd) == [0, 0])
        #expect(await manager.state(Self.nfc) != [0, 0])
        #expect(await manager.members(of: Self.nfc) == ["a"])
        #expect(await manager.members(of: Self.nfd) == ["b"])
        try await manager.applyUpdate(Self.nfd, update: updates[1], from: peer("b"))
        #expect(await manager.flushAll())
        let folderNFC = DocumentFiles.folder(for: Self.nfc, dataDirectory: dir)
        let folderNFD = DocumentFiles.folder(for: Self.nfd, dataDirectory: dir)
        #expect(folderNFC != folderNFD)
        #expect(FileManager.default.fileExists(atPath: folderNFC) && FileManager.default.fileExists(atPath: folderNFD))
        await manager.disconnect(peer("a"))
        #expect(manager.loadedDocuments.map { Array($0.utf8) } == [Array(Self.nfd.utf8)])
    }

    @Test("Notes with the two spellings are two notes")
    func twoNotes() async throws {
        let dir = try makeTemporaryDirectory("unicode-notes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try NoteStore(dataDirectory: dir)
        func note(_ id: String, _ title: String) -> Note {
            Note(id: id, userID: "owner", title: title, data: [:], accessControl: [:], createdAt: 1, updatedAt: 2)
        }
        try await store.save(note(Self.nfc, "composed"))
        try await store.save(note(Self.nfd, "decomposed"))
        #expect(await store.count == 2)
        #expect(await store.note(Self.nfc)?.title == "composed")
        #expect(await store.note(Self.nfd)?.title == "decomposed")
        try await store.delete(Self.nfd)
        #expect(await store.note(Self.nfc)?.title == "composed")
        #expect(await store.note(Self.nfd) == nil)
        let reopened = try NoteStore(dataDirectory: dir)
        #expect(await reopened.count == 1)
        #expect(await reopened.note(Self.nfc).map { Array($0.id.utf8) } == Array(Self.nfc.utf8))
    }

    // MARK: Access decisions

    @Test("A note grant, an owner or an access_control entry for one spelling never admits the other")
    func grants() {
        func note(owner: String = "owner", grants: [JSONValue] = [], control: JSONValue = [:]) -> Note {
            var note = Note(id: "n", userID: owner, title: "t", data: [:], accessControl: control, createdAt: 1, updatedAt: 1)
            note.accessGrants = grants
            return note
        }
        let owned = note(owner: Self.nfc)
        #expect(owned.allows(.write, userID: Self.nfc, isAdmin: false))
        #expect(!owned.allows(.read, userID: Self.nfd, isAdmin: false), "an NFD user is not the NFC owner")
        let granted = note(grants: [
            ["principal_type": "user", "principal_id": .string(Self.nfc), "permission": "read"],
            ["principal_type": "group", "principal_id": .string("g-" + Self.nfc), "permission": "write"],
        ])
        #expect(granted.allows(.read, userID: Self.nfc, isAdmin: false))
        #expect(!granted.allows(.read, userID: Self.nfd, isAdmin: false))
        #expect(granted.allows(.write, userID: "x", isAdmin: false, groups: ["g-" + Self.nfc]))
        #expect(!granted.allows(.write, userID: "x", isAdmin: false, groups: ["g-" + Self.nfd]))
        let legacy = note(control: ["write": ["user_ids": [.string(Self.nfc)]]])
        #expect(legacy.allows(.write, userID: Self.nfc, isAdmin: false))
        #expect(!legacy.allows(.read, userID: Self.nfd, isAdmin: false))
    }

    @Test("Over the API and both protocols: the NFD user cannot read, join or edit the NFC user's note")
    func noteAccessEndToEnd() async throws {
        let dir = try makeTemporaryDirectory("unicode-access")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let secret = "unicode"
        var configuration = AppConfiguration()
        configuration.documents.dataDirectory = dir
        configuration.documents.walSync = .never
        configuration.jwtSecret = secret
        let h = try await AppHarness(configuration: configuration)
        func token(_ id: String) -> String { JWTVerifier.sign(["id": .string(id), "name": "n", "role": "user"], secret: secret) }
        let grants: JSONValue = [["principal_type": "user", "principal_id": .string(Self.nfc), "permission": "read"]]
        let (status, created) = await h.http(
            .post, "/api/v1/notes/create", token: token("owner"), body: ["title": "T", "access_grants": grants])
        #expect(status == 200)
        let id = try #require(created?["id"]?.stringValue)
        #expect(await h.http(.get, "/api/v1/notes/\(id)", token: token(Self.nfc)).0 == 200)
        #expect(await h.http(.get, "/api/v1/notes/\(id)", token: token(Self.nfd)).0 == 403)
        let intruder = try await HarnessSocketIOClient.connect(h, token: token(Self.nfd))
        await intruder.emit("ydoc:document:join", ["document_id": .string("note:\(id)")])
        #expect(try await intruder.events("error").first?["message"]?.stringValue?.contains("access denied") == true)
        await #expect(throws: HTTPError.self) { _ = try await h.connect("/yjs/note:\(id)?token=\(token(Self.nfd))") }
        let socket = try await h.connect("/yjs/note:\(id)?token=\(token(Self.nfc))")
        #expect(socket.closeCode == nil)
        #expect(await h.app.manager.members(of: "note:\(id)").count == 1)
        _ = await h.app.shutdown()
    }

    @Test("Socket.IO rooms: an emit to user:<NFC> reaches only the NFC user's sockets")
    func rooms() async throws {
        let dir = try makeTemporaryDirectory("unicode-rooms")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = AppConfiguration()
        configuration.documents.dataDirectory = dir
        configuration.jwtSecret = "rooms"
        let h = try await AppHarness(configuration: configuration)
        func token(_ id: String) -> String { JWTVerifier.sign(["id": .string(id), "name": "n", "role": "user"], secret: "rooms") }
        let composed = try await HarnessSocketIOClient.connect(h, token: token(Self.nfc))
        let decomposed = try await HarnessSocketIOClient.connect(h, token: token(Self.nfd))
        let server = h.app.socketIO
        #expect(await server.emit("private", ["for nfc"], to: .user(Self.nfc)) == 1)
        #expect(try await composed.events("private").first == "for nfc")
        #expect(decomposed.pending("private").isEmpty, "the emit counted one socket: the NFD one was never a target")
        #expect(await server.sids(ofUser: Self.nfc).count == 1)
        #expect(await server.sids(ofUser: Self.nfd).count == 1)
        let sid = try #require(await server.sids(ofUser: Self.nfc).first)
        #expect(await server.isMember(sid, of: .user(Self.nfc)))
        #expect(await !server.isMember(sid, of: .user(Self.nfd)))
        _ = await h.app.shutdown()
    }

    @Test("Channels, connection limits: the two spellings are two users")
    func channelsAndConnections() async throws {
        let dir = try makeTemporaryDirectory("unicode-channels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ChannelStore(dataDirectory: dir)
        let channel = try await store.createChannel(name: "c", ownerID: Self.nfc, memberIDs: [Self.nfd], now: 1)
        #expect(channel.members.count == 2 && channel.isMember(Self.nfc) && channel.isMember(Self.nfd))
        let other = try await store.createChannel(name: "d", ownerID: "owner", memberIDs: [Self.nfc], now: 1)
        #expect(other.isMember(Self.nfc) && !other.isMember(Self.nfd))
        await #expect(throws: ChannelError.notAllowed) {
            _ = try await store.changeMembers(channel.id, add: ["x"], remove: [], by: Self.nfd, isAdmin: false, now: 2)
        }
        let changed = try await store.changeMembers(channel.id, add: ["x"], remove: [Self.nfc], by: Self.nfc, isAdmin: false, now: 2)
        #expect(changed.isMember(Self.nfc), "the owner stays; removing the NFD spelling would not remove the NFC owner")
        let reopened = try ChannelStore(dataDirectory: dir)
        #expect(await reopened.channel(other.id)?.isMember(Self.nfd) == false)

        let connections = UserConnections(maxPerUser: 1)
        #expect(connections.register(.init(id: "a", userID: Self.nfc, kind: "socketio", target: nil)))
        #expect(connections.register(.init(id: "b", userID: Self.nfd, kind: "socketio", target: nil)))
        #expect(!connections.register(.init(id: "c", userID: Self.nfc, kind: "socketio", target: nil)))
        #expect(connections.entries(ofUser: Self.nfd).map(\.id) == ["b"])
    }
}
