import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// The whole application (ServerApp and its routes) without sockets: a Socket.IO client and a y-websocket client
/// edit one note through the real endpoints, across protocols (issue 12).
@Suite("Application harness: both protocols on one note", .serialized)
struct AppHarnessTests {
    let secret = "harness-secret"

    func token(_ id: String) -> String {
        JWTVerifier.sign(["id": .string(id), "name": .string(id.capitalized), "role": "user"], secret: secret)
    }

    func makeHarness(_ dir: String) async throws -> AppHarness {
        var configuration = AppConfiguration()
        configuration.documents.dataDirectory = dir
        configuration.documents.walSync = .never
        configuration.jwtSecret = secret
        let harness = try await AppHarness(configuration: configuration)
        try await harness.app.notes?.save(
            Note(
                id: "n", userID: "alice", title: "Shared",
                accessControl: ["read": ["user_ids": ["carol"]], "write": ["user_ids": ["bob"]]], createdAt: 1,
                updatedAt: 1))
        return harness
    }

    @Test("Join, update, awareness, resync, read-only member, invalid update, leave and disconnect across protocols")
    func crossProtocolSession() async throws {
        let dir = try makeTemporaryDirectory("harness")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await makeHarness(dir)
        let updates = try fixtureUpdates(session: 1)

        let alice = try await HarnessSocketIOClient.connect(harness, token: token("alice"))
        let carol = try await HarnessSocketIOClient.connect(harness, token: token("carol"))
        await alice.emit("ydoc:document:join", ["document_id": "note:n", "user_id": "alice", "user_name": "Alice"])
        let state = try #require(try await alice.events("ydoc:document:state").first)
        #expect(state["document_id"] == "note:n" && state["state"]?.byteArrayValue == [0, 0])
        await carol.emit("ydoc:document:join", ["document_id": "note_n"])  // Open WebUI's `note_` spelling
        _ = try await carol.events("ydoc:document:state")
        let bob = try await harness.connect("/yjs/note:n?token=\(token("bob"))")
        try await eventually("sync step 1") {
            bob.received.contains { if case .binary(let b) = $0 { (try? ProtocolMessage(bytes: b)) == .sync(.step1(stateVector: [0])) } else { false } }
        }
        #expect(try await alice.events("ydoc:user:joined", count: 2).contains { $0["user_id"] == "carol" })

        // Socket.IO → y-websocket and Socket.IO.
        await alice.emit("ydoc:document:update", ["document_id": "note:n", "update": .byteArray(updates[0])])
        try await eventually("the update at bob") { Self.yjsUpdates(bob).contains(updates[0]) }
        #expect(try await carol.events("ydoc:document:update").first?["update"]?.byteArrayValue == updates[0])
        // y-websocket → Socket.IO.
        await bob.send(.binary(ProtocolMessage.sync(.update(updates[1])).encoded()))
        #expect(try await alice.events("ydoc:document:update").first?["update"]?.byteArrayValue == updates[1])

        // Awareness from Open WebUI's JSON reaches the y-websocket client as y-protocols.
        let awareness = Array(#"{"77":{"user":{"name":"Alice"},"cursor":null}}"#.utf8)
        await alice.emit("ydoc:awareness:update", ["document_id": "note:n", "update": .byteArray(awareness)])
        try await eventually("awareness at bob") {
            bob.received.contains { message in
                guard case .binary(let b) = message, case .awareness(let bytes)? = try? ProtocolMessage(bytes: b) else { return false }
                return (try? AwarenessUpdate(bytes: bytes))?.entries.first?.client == 77
            }
        }

        // Resync answers the merged state.
        await alice.emit("ydoc:document:state", ["document_id": "note:n"])
        let resynced = try #require(try await alice.events("ydoc:document:state").first?["state"]?.byteArrayValue)
        #expect(resynced == (await harness.app.manager.state("note:n")))

        // The reader's update and an invalid update are refused with an error and reach nobody.
        await carol.emit("ydoc:document:update", ["document_id": "note:n", "update": .byteArray(updates[2])])
        #expect(try await carol.events("error").first?["message"]?.stringValue?.contains("read-only") == true)
        await alice.emit("ydoc:document:update", ["document_id": "note:n", "update": .byteArray([1, 1, 5])])
        #expect(try await alice.events("error").first?["message"]?.stringValue?.contains("invalid update") == true)
        let stateBefore = await harness.app.manager.state("note:n")
        #expect(!Self.yjsUpdates(bob).contains(updates[2]))
        #expect(stateBefore == resynced)

        // The y-websocket client disconnects; the Socket.IO members are told.
        await bob.close()
        #expect(try await alice.events("ydoc:user:left").first?["user_id"] == "bob")
        // Alice leaves; the reader is told; the reader's socket disconnecting empties and saves the room.
        await alice.emit("ydoc:document:leave", ["document_id": "note:n"])
        #expect(try await carol.events("ydoc:user:left", count: 2).map { $0["user_id"] } == ["bob", "alice"])
        await carol.socket.close()
        try await eventually("the room unloads") { !harness.app.manager.isLoaded("note:n") }
        var saved = Document()
        let bytes = try #require(try FileIO.read(DocumentFiles.folder(for: "note:n", dataDirectory: dir) + "/state.bin"))
        try saved.applyUpdate(bytes)
        var expected = Document()
        try expected.applyUpdate(updates[0])
        try expected.applyUpdate(updates[1])
        #expect(saved.encodeStateVector() == expected.encodeStateVector())
        _ = await harness.app.shutdown()
    }

    @Test("A stranger is refused on both protocols")
    func strangerRefused() async throws {
        let dir = try makeTemporaryDirectory("harness")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await makeHarness(dir)
        let mallory = try await HarnessSocketIOClient.connect(harness, token: token("mallory"))
        await mallory.emit("ydoc:document:join", ["document_id": "note:n"])
        #expect(try await mallory.events("error").first?["message"]?.stringValue?.contains("access denied") == true)
        await #expect(throws: HTTPError.self) { _ = try await harness.connect("/yjs/note:n?token=\(token("mallory"))") }
        _ = await harness.app.shutdown()
    }

    static func yjsUpdates(_ socket: HarnessSocket) -> [[UInt8]] {
        socket.received.compactMap { message in
            guard case .binary(let bytes) = message, case .sync(.update(let update))? = try? ProtocolMessage(bytes: bytes) else { return nil }
            return update
        }
    }

    @Test("events:chat (Open WebUI mode): join only for readers, typing relayed to the chat room, acks as Open WebUI")
    func chatEvents() async throws {
        var configuration = SocketIOConfiguration()
        configuration.jwtSecret = secret
        let server = SocketIOServer(configuration: configuration)
        await server.start()
        await SocketIOChatEvents.install(on: server) { user, chatID in user.id == "alice" || chatID == "open" }
        var router = Router()
        SocketIOEndpoint.register(server, on: &router)
        let harness = RouterHarness(router: router)
        let alice = try await HarnessSocketIOClient.connect(harness, token: token("alice"))
        let bob = try await HarnessSocketIOClient.connect(harness, token: token("bob"))
        func ask(_ client: HarnessSocketIOClient, _ id: Int, _ payload: JSONValue) async throws -> String {
            await client.socket.send(.text("42\(id)" + JSONValue.array(["events:chat", payload]).serialized()))
            var answer = ""
            try await eventually("ack \(id)") {
                answer = client.socket.received.compactMap { message -> String? in
                    guard case .text(let text) = message, text.hasPrefix("43\(id)[") else { return nil }
                    return String(text.dropFirst(2 + String(id).count))
                }.first ?? ""
                return !answer.isEmpty
            }
            return answer
        }
        #expect(try await ask(alice, 1, ["chat_id": "c1", "data": ["type": "join"]]) == "[true]")
        #expect(try await ask(bob, 1, ["chat_id": "c1", "data": ["type": "join"]]) == "[false]", "bob may not read c1")
        #expect(try await ask(bob, 2, ["chat_id": "open", "data": ["type": "join"]]) == "[true]")
        #expect(try await ask(alice, 2, ["chat_id": "open", "data": ["type": "join"]]) == "[true]")
        #expect(try await ask(alice, 3, ["chat_id": "open", "data": ["type": "typing", "data": ["typing": true]]]) == "[true]")
        let typing = try #require(try await bob.events("events").first)
        #expect(typing["chat_id"] == "open" && typing["data"]?["data"]?["typing"] == true && typing["user_id"] == "alice")
        #expect(try await ask(bob, 3, ["chat_id": "c1", "data": ["type": "typing", "data": ["typing": true]]]) == "[false]")
        #expect(try await ask(alice, 4, ["data": ["type": "join"]]) == "[false]", "no chat id")
        await server.shutdown()
    }
}
