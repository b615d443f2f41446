import Foundation
import Testing
import Wire
@testable import Tandem

private let secret = "channel-secret"

private func token(_ id: String, role: String = "user") -> String {
    JWTVerifier.sign(["id": .string(id), "name": .string(id.capitalized), "role": .string(role)], secret: secret)
}

/// A Socket.IO client over an in-memory WebSocket, authenticated in CONNECT and joined with `user-join`.
private struct ChannelTestClient {
    let server: SocketIOServer
    let token: EngineIOWebSocketToken
    var outbound: AsyncStream<EngineIOOutbound>.AsyncIterator
    var sid = ""

    static func connect(_ server: SocketIOServer, user: String) async throws -> ChannelTestClient {
        let (socket, stream) = EngineIOStreamWebSocket.make()
        let handle = try #require(await server.webSocketOpened(socket, engineSID: nil, now: .now))
        var client = ChannelTestClient(server: server, token: handle, outbound: stream.makeAsyncIterator())
        _ = try await client.nextText()  // open
        await client.send("40" + JSONValue.object(["token": .string(tandemToken(user))]).serialized())
        let reply = try await client.nextText()
        client.sid = try #require(try SocketIOPacket(decoding: String(reply.dropFirst())).data?["sid"]?.stringValue)
        await client.send("420" + JSONValue.array(["user-join", ["auth": ["token": .string(tandemToken(user))]]]).serialized())
        _ = try await client.nextText()  // ack
        return client
    }

    func send(_ text: String) async {
        await server.webSocketReceived(token, text: text)
        await server.waitUntilIdle(engineSID: token.engineSID)
    }

    /// Sends `42[name, payload]` (or with an ack id).
    func emit(_ name: String, _ payload: JSONValue, ack: Int? = nil) async {
        await send("42" + (ack.map(String.init) ?? "") + JSONValue.array([.string(name), payload]).serialized())
    }

    mutating func nextText() async throws -> String {
        guard case .text(let text)? = await outbound.next() else {
            Issue.record("expected a text frame")
            return ""
        }
        return text
    }

    /// The next frame as `(event name, payload)`; acks come back as `("ack", first argument)`.
    mutating func nextEvent() async throws -> (String, JSONValue?) {
        let text = try await nextText()
        let packet = try SocketIOPacket(decoding: String(text.dropFirst()))
        let array = packet.data?.arrayValue ?? []
        if text.hasPrefix("43") { return ("ack", array.first) }
        return (array.first?.stringValue ?? "", array.count > 1 ? array[1] : nil)
    }

    /// Asserts nothing else is queued: a marker emitted now must be the next frame.
    mutating func expectNothingQueued(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        await server.emit("marker", [], to: .session(sid))
        let (name, _) = try await nextEvent()
        #expect(name == "marker", sourceLocation: sourceLocation)
    }
}

private func tandemToken(_ user: String) -> String { token(user, role: user == "root" ? "admin" : "user") }

private func makeServer(_ dir: String) async throws -> (SocketIOServer, ChannelService, ChatReadStore) {
    var configuration = SocketIOConfiguration()
    configuration.jwtSecret = secret
    let server = SocketIOServer(configuration: configuration, wallClock: { Date().timeIntervalSince1970 })
    var limits = ChannelLimits()
    limits.maxMessageBytes = 64
    let service = ChannelService(store: try ChannelStore(dataDirectory: dir, limits: limits), server: server)
    let reads = try ChatReadStore(dataDirectory: dir)
    await SocketIOChannelBridge.install(on: server, service: service, chatReads: reads, now: { 1_000 })
    return (server, service, reads)
}

@Suite("Socket.IO channel bridge")
struct SocketIOChannelBridgeTests {
    @Test("Typing reaches the room with the sender; messages are acked and broadcast; outsiders see nothing")
    func typingAndMessages() async throws {
        let dir = try makeTemporaryDirectory("channel-bridge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, service, _) = try await makeServer(dir)
        let alice = AuthenticatedUser(id: "alice", name: "Alice", role: "user")
        let channel = try await service.createChannel(name: "general", memberIDs: ["bob"], by: alice, now: 1)
        var a = try await ChannelTestClient.connect(server, user: "alice")
        var b = try await ChannelTestClient.connect(server, user: "bob")
        var e = try await ChannelTestClient.connect(server, user: "eve")
        #expect(await server.rooms(of: a.sid).contains("channel:\(channel.id)"))
        #expect(await !server.rooms(of: e.sid).contains("channel:\(channel.id)"))

        let typing: JSONValue = ["channel_id": .string(channel.id), "message_id": nil, "data": ["type": "typing", "data": ["typing": true]]]
        await a.emit("events:channel", typing)
        for index in 0..<2 {
            var client = index == 0 ? a : b
            let (name, payload) = try await client.nextEvent()
            #expect(name == "events:channel")
            #expect(payload?["user"] == ["id": "alice", "name": "Alice", "role": "user"])
            #expect(payload?["data"] == ["type": "typing", "data": ["typing": true]])
            if index == 0 { a = client } else { b = client }
        }
        await e.emit("events:channel", typing)  // not in the room: dropped silently
        try await e.expectNothingQueued()

        // The room hears the message before the sender's ack arrives.
        await b.emit("message", ["channel_id": .string(channel.id), "content": "hi"], ack: 7)
        let (_, broadcast) = try await b.nextEvent()
        let (ackName, message) = try await b.nextEvent()
        #expect(ackName == "ack" && message?["content"] == "hi" && message?["user_id"] == "bob")
        #expect(broadcast?["data"]?["data"] == message)
        let (name, payload) = try await a.nextEvent()
        #expect(name == "events:channel" && payload == broadcast)
        #expect(payload?["data"]?["type"] == "message" && payload?["message_id"] == message?["id"])
        #expect(payload?["channel"]?["id"]?.stringValue == channel.id && payload?["user"]?["id"] == "bob")
        let messageID = try #require(message?["id"]?.stringValue)

        // Alice may not edit Bob's message; Eve may not post.
        await a.emit("edit_message", ["channel_id": .string(channel.id), "message_id": .string(messageID), "content": "x"])
        let (refusal, error) = try await a.nextEvent()
        #expect(refusal == "error" && error?["event"] == "edit_message" && error?["channel_id"]?.stringValue == channel.id)
        await e.emit("message", ["channel_id": .string(channel.id), "content": "let me in"])
        #expect(try await e.nextEvent().0 == "error")
        try await e.expectNothingQueued()
        try await b.expectNothingQueued()
        #expect(try await service.messages(channel.id, for: alice, skip: 0, limit: nil).map(\.content) == ["hi"])

        // Bob edits and deletes his own message; both members see it in order.
        await b.emit("edit_message", ["channel_id": .string(channel.id), "message_id": .string(messageID), "content": "hi!"])
        await b.emit("delete_message", ["channel_id": .string(channel.id), "message_id": .string(messageID)])
        for index in 0..<2 {
            var client = index == 0 ? a : b
            let (_, update) = try await client.nextEvent()
            #expect(update?["data"]?["type"] == "message:update" && update?["data"]?["data"]?["content"] == "hi!")
            let (_, delete) = try await client.nextEvent()
            #expect(delete?["data"]?["type"] == "message:delete" && delete?["message_id"]?.stringValue == messageID)
            if index == 0 { a = client } else { b = client }
        }
        #expect(try await service.messages(channel.id, for: alice, skip: 0, limit: nil).isEmpty)
    }

    @Test("Oversized and malformed messages get an error event and are not stored")
    func refusedMessages() async throws {
        let dir = try makeTemporaryDirectory("channel-bridge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, service, _) = try await makeServer(dir)
        let alice = AuthenticatedUser(id: "alice", name: "Alice", role: "user")
        let channel = try await service.createChannel(name: "general", memberIDs: [], by: alice, now: 1)
        var a = try await ChannelTestClient.connect(server, user: "alice")
        let id = JSONValue.string(channel.id)
        let payloads: [JSONValue] = [
            ["channel_id": id, "content": .string(String(repeating: "x", count: 65))],
            ["channel_id": id, "content": 5], ["channel_id": id], ["content": "x"], "text", [1, 2],
            ["channel_id": "missing", "content": "x"], ["channel_id": id, "content": "x", "parent_id": 3],
        ]
        for payload in payloads {
            await a.emit("message", payload, ack: 1)
            let (name, error) = try await a.nextEvent()
            #expect(name == "error" && error?["event"] == "message")
            let (ack, answer) = try await a.nextEvent()
            #expect(ack == "ack" && answer?["error"]?.stringValue != nil)
        }
        try await a.expectNothingQueued()
        #expect(try await service.messages(channel.id, for: alice, skip: 0, limit: nil).isEmpty)
        #expect(await (service.store as? ChannelStore)?.logRecordCount(channel.id) == 0)
    }

    @Test("last_read_at is stored for channels and chats; chat:list goes to every socket of the user")
    func lastRead() async throws {
        let dir = try makeTemporaryDirectory("channel-bridge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, service, reads) = try await makeServer(dir)
        let alice = AuthenticatedUser(id: "alice", name: "Alice", role: "user")
        let channel = try await service.createChannel(name: "general", memberIDs: [], by: alice, now: 1)
        var a = try await ChannelTestClient.connect(server, user: "alice")
        var a2 = try await ChannelTestClient.connect(server, user: "alice")
        await a.emit("channel-events", ["channel_id": .string(channel.id), "data": ["type": "last_read_at"]])
        #expect(try await service.store.channel(channel.id)?.members[ByteKey("alice")] == 1_000)
        try await a.expectNothingQueued()
        await a.emit("events:chat", ["chat_id": "c1", "data": ["type": "last_read_at"]])
        for index in 0..<2 {
            var client = index == 0 ? a : a2
            let (name, payload) = try await client.nextEvent()
            #expect(name == "events")
            #expect(payload == ["chat_id": "c1", "data": ["type": "chat:list", "data": ["chat_id": "c1", "last_read_at": 1_000]]])
            if index == 0 { a = client } else { a2 = client }
        }
        #expect(await reads.lastRead(userID: "alice", chatID: "c1") == 1_000)
        #expect(await ChatEventEmitter(server: server).emit(toUser: "alice", chatID: "c2", type: "status", data: [:]) == 2)
        let reopened = try ChatReadStore(dataDirectory: dir)
        #expect(await reopened.lastRead(userID: "alice", chatID: "c1") == 1_000)
    }

    @Test("Typing is rate-limited per user with the time passed in")
    func typingRate() async throws {
        let dir = try makeTemporaryDirectory("channel-bridge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, service, _) = try await makeServer(dir)
        let alice = AuthenticatedUser(id: "alice", name: "Alice", role: "user")
        let channel = try await service.createChannel(name: "general", memberIDs: [], by: alice, now: 1)
        let a = try await ChannelTestClient.connect(server, user: "alice")
        let start = ContinuousClock.Instant.now
        var allowed = 0
        for _ in 0..<10 where await service.typing(channel.id, messageID: nil, typing: true, sid: a.sid, user: alice, now: start) {
            allowed += 1
        }
        #expect(allowed == Int(service.settings.typingBurst))
        let later = start + .seconds(1)
        #expect(await service.typing(channel.id, messageID: nil, typing: true, sid: a.sid, user: alice, now: later))
        #expect(await service.typing(channel.id, messageID: nil, typing: true, sid: a.sid, user: alice, now: later))
        #expect(await !service.typing(channel.id, messageID: nil, typing: true, sid: a.sid, user: alice, now: later))
    }
}
