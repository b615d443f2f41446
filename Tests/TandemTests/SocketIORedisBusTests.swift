import Testing
import Wire
@testable import Tandem

private let secret = "bus-secret"

/// A Socket.IO client over an in-memory WebSocket, reading Engine.IO text frames with a bound.
private final class BusTestClient: @unchecked Sendable {
    let server: SocketIOServer
    let token: EngineIOWebSocketToken
    var frames: AsyncStream<EngineIOOutbound>.AsyncIterator
    var sid = ""

    init(_ server: SocketIOServer, claims: JSONObject) async throws {
        let (socket, stream) = EngineIOStreamWebSocket.make()
        self.server = server
        self.token = try #require(await server.webSocketOpened(socket, engineSID: nil, now: .now))
        self.frames = stream.makeAsyncIterator()
        _ = await self.frames.next()  // open packet
        let auth: JSONValue = ["token": .string(JWTVerifier.sign(claims, secret: secret))]
        await self.send("40" + auth.serialized())
        let reply = try SocketIOPacket(decoding: String(try await self.nextText().dropFirst()))
        self.sid = try #require(reply.data?["sid"]?.stringValue)
    }

    func send(_ text: String) async {
        await self.server.webSocketReceived(self.token, text: text)
        await self.server.waitUntilIdle(engineSID: self.token.engineSID)
    }

    /// The next text frame that is not a ping, or "" after 5 s.
    func nextText() async throws -> String {
        let box = FrameBox(self.frames)
        let text = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                while let frame = await box.next() {
                    if case .text(let text) = frame, text != "2" { return text }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        self.frames = box.iterator
        return text ?? ""
    }

    /// The next frame of any kind.
    func nextFrame() async -> EngineIOOutbound? {
        await self.frames.next()
    }

    /// The next event packet's `[name, args…]`.
    func nextEvent() async throws -> SocketIOPacket {
        try SocketIOPacket(decoding: String(try await self.nextText().dropFirst()))
    }
}

private final class FrameBox: @unchecked Sendable {
    var iterator: AsyncStream<EngineIOOutbound>.AsyncIterator
    init(_ iterator: AsyncStream<EngineIOOutbound>.AsyncIterator) { self.iterator = iterator }
    func next() async -> EngineIOOutbound? { await self.iterator.next() }
}

/// A Redis server, a Socket.IO server on the bus, and a second client for acting as another host.
private struct BusFixture {
    let redis: RedisServerProcess
    let server: SocketIOServer
    let bus: SocketIORedisBus
    let other: RedisClient
    let listener: RedisSubscriber

    init(roomChannels: Bool = true) async throws {
        self.redis = try RedisServerProcess()
        let configuration = try testRedisConfiguration(self.redis.url)
        var socketIO = SocketIOConfiguration()
        socketIO.jwtSecret = secret
        self.server = SocketIOServer(configuration: socketIO)
        var settings = SocketIOBusSettings()
        settings.channels.roomChannels = roomChannels
        settings.keyPrefix = "test"
        self.bus = SocketIORedisBus(
            server: self.server, client: RedisClient(configuration: configuration),
            subscriber: RedisSubscriber(configuration: configuration), settings: settings,
            wallClock: { 1_700_000_000 })
        await self.bus.start()
        self.other = RedisClient(configuration: configuration)
        self.listener = RedisSubscriber(configuration: configuration)
        try await self.listener.psubscribe(["socketio*"])
    }

    /// Publishes `json` as another host would.
    func publish(_ json: String, channel: String = "socketio") async throws {
        _ = try await self.other.send(RESPCommand("PUBLISH", channel, json))
    }

    /// The next message this host published, decoded, skipping other publishers' ones.
    func nextPublished(_ iterator: inout AsyncStream<RedisSubscriber.Message>.Iterator) async throws
        -> (channel: String, message: SocketIOBusMessage)
    {
        while let message = await iterator.next() {
            let decoded = try SocketIOBusMessage(json: message.payload)
            // Ours: stamped with our host_id, except callbacks, which carry the addressee's.
            let isCallback = { if case .callback = decoded { true } else { false } }()
            if (decoded.hostID == self.bus.settings.hostID) != isCallback { return (message.channel, decoded) }
        }
        throw RedisError.closed
    }

    func close() async {
        await self.bus.stop()
        await self.other.close()
        await self.listener.close()
        await self.bus.client.close()
        await self.bus.subscriber.close()
    }
}

@Suite(.serialized)
struct SocketIORedisBusTests {
    @Test("Emits from another host reach local room members, honour skip_sid, and the own host_id is ignored")
    func remoteEmits() async throws {
        let fixture = try await BusFixture()
        let ann = try await BusTestClient(fixture.server, claims: ["id": "u1", "name": "Ann"])
        let bo = try await BusTestClient(fixture.server, claims: ["id": "u2", "name": "Bo"])
        await fixture.server.join(ann.sid, room: "r1")
        await fixture.server.join(bo.sid, room: "r1")
        await fixture.server.roomsSettled()
        let own = fixture.bus.settings.hostID
        try await fixture.publish(
            #"{"method":"emit","event":"mine","data":[1],"namespace":"/","room":"r1","host_id":"\#(own)"}"#,
            channel: "socketio#/#r1")
        try await fixture.publish("not json", channel: "socketio#/#r1")
        try await fixture.publish(
            #"{"method": "emit", "event": "hello", "data": [{"n": 1}], "binary": false, "namespace": "/", "room": "r1", "skip_sid": "\#(ann.sid)", "callback": null, "host_id": "other"}"#,
            channel: "socketio#/#r1")
        try await fixture.publish(
            #"{"method":"emit","event":"bin","data":[[{"_placeholder":true,"num":0}],"AAH/"],"binary":true,"namespace":"/","room":"\#(ann.sid)","skip_sid":null,"callback":null,"host_id":"other"}"#,
            channel: "socketio#/#\(ann.sid)")
        let toBo = try await bo.nextEvent()
        #expect(toBo.eventName == "hello" && toBo.arguments == [["n": 1]])
        let toAnn = try await ann.nextEvent()  // neither "mine" (own host) nor "hello" (skipped)
        #expect(toAnn.type == .binaryEvent && toAnn.eventName == "bin" && toAnn.attachmentCount == 1)
        #expect(await ann.nextFrame() == .binary([0, 1, 255]))
        await fixture.close()
    }

    @Test("Local emits to rooms elsewhere are published on the room channel, binary as base64 attachments")
    func publishesEmits() async throws {
        let fixture = try await BusFixture()
        var published = fixture.listener.messages.makeAsyncIterator()
        let count = await fixture.server.emit(
            "news", [["blob": .placeholder(0)]], to: "note:1", skipping: "s1", attachments: [[9, 8]])
        #expect(count == 0)
        let (channel, message) = try await fixture.nextPublished(&published)
        #expect(channel == "socketio#/#note:1")
        guard case .emit(let emit) = message else { throw RedisError.closed }
        #expect(emit.event == "news" && emit.recipients == .room("note:1") && emit.skipSIDs == ["s1"])
        #expect(emit.attachments == [[9, 8]] && emit.arguments == [["blob": .placeholder(0)]])
        await fixture.server.join("elsewhere", room: "r9")
        let (baseChannel, enter) = try await fixture.nextPublished(&published)
        #expect(baseChannel == "socketio")
        #expect(enter == .enterRoom(sid: "elsewhere", room: "r9", namespace: "/", hostID: fixture.bus.settings.hostID))
        await fixture.close()
    }

    @Test("A call to a sid on another host is answered by its callback message; a call from another host is acked back")
    func callsBothWays() async throws {
        let fixture = try await BusFixture(roomChannels: false)
        var published = fixture.listener.messages.makeAsyncIterator()
        let server = fixture.server
        let call = Task { try await server.call("question", ["q"], to: "remote-sid", timeout: .seconds(5)) }
        let (_, request) = try await fixture.nextPublished(&published)
        guard case .emit(let emit) = request, let callback = emit.callback else { throw RedisError.closed }
        #expect(callback.room == "remote-sid" && emit.recipients == .room("remote-sid"))
        try await fixture.publish(
            #"{"method":"callback","host_id":"\#(fixture.bus.settings.hostID)","sid":"remote-sid","namespace":"/","id":\#(callback.id),"args":["answer"]}"#)
        #expect(try await call.value == ["answer"])

        let ann = try await BusTestClient(fixture.server, claims: ["id": "u1", "name": "Ann"])
        try await fixture.publish(
            #"{"method":"emit","event":"ask","data":["x"],"binary":false,"namespace":"/","room":"\#(ann.sid)","skip_sid":null,"callback":["\#(ann.sid)","/",7],"host_id":"py"}"#)
        let asked = try await ann.nextEvent()
        let ackID = try #require(asked.ackID)
        await ann.send("43\(ackID)[\"yes\"]")
        let (_, reply) = try await fixture.nextPublished(&published)
        #expect(reply == .callback(SocketIOBusCallback(hostID: "py", sid: ann.sid, namespace: "/", id: 7, arguments: ["yes"])))
        await fixture.close()
    }

    @Test("enter_room, leave_room and disconnect from another host apply to local sockets")
    func remoteRoomChanges() async throws {
        let fixture = try await BusFixture(roomChannels: false)
        let ann = try await BusTestClient(fixture.server, claims: ["id": "u1", "name": "Ann"])
        try await fixture.publish(#"{"method":"enter_room","sid":"\#(ann.sid)","room":"r2","namespace":"/","host_id":"py"}"#)
        try await fixture.publish(#"{"method":"emit","event":"in","data":[1],"namespace":"/","room":"r2","host_id":"py"}"#)
        #expect(try await ann.nextEvent().eventName == "in")
        try await fixture.publish(#"{"method":"leave_room","sid":"\#(ann.sid)","room":"r2","namespace":"/","host_id":"py"}"#)
        try await fixture.publish(#"{"method":"emit","event":"in","data":[2],"namespace":"/","room":"r2","host_id":"py"}"#)
        try await fixture.publish(#"{"method":"disconnect","sid":"\#(ann.sid)","namespace":"/","host_id":"py"}"#)
        #expect(try await ann.nextText() == "41")  // the emit after leave_room never came
        #expect(await fixture.server.session(ann.sid) == nil)
        await fixture.close()
    }

    @Test("Sessions are written to session_pool in Open WebUI's format, usage to usage_pool, both removed on disconnect")
    func sessionPools() async throws {
        let fixture = try await BusFixture()
        let ann = try await BusTestClient(
            fixture.server, claims: ["id": "u1", "name": "Ann", "email": "ann@example.com", "role": "admin"])
        await ann.send(#"42["usage",{"action":"chat","model":"m1","chat_id":"c1"}]"#)
        var entry: JSONValue? = nil
        var usage: JSONValue? = nil
        for _ in 0..<100 where entry == nil || usage == nil {
            entry = try await fixture.other.send(RESPCommand("HGET", "test:session_pool", ann.sid)).bytesValue
                .flatMap { try? JSONParser.parse($0) }
            usage = try await fixture.other.send(RESPCommand("HGET", "test:usage_pool", "m1")).bytesValue
                .flatMap { try? JSONParser.parse($0) }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(entry?["id"] == "u1" && entry?["name"] == "Ann" && entry?["role"] == "admin")
        #expect(entry?["email"] == "ann@example.com" && entry?["last_seen_at"] == .int(1_700_000_000))
        #expect(entry?["chat_ids"] == .array([]) && entry?["username"] == .null)
        #expect(usage?[ann.sid]?["updated_at"] == .int(1_700_000_000))
        await ann.send("41")
        var remaining: [RESPValue] = []
        for _ in 0..<100 {
            remaining = try await fixture.other.pipeline([
                RESPCommand("HLEN", "test:session_pool"), RESPCommand("HLEN", "test:usage_pool"),
            ])
            if remaining == [.integer(0), .integer(0)] { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(remaining == [.integer(0), .integer(0)])
        await fixture.close()
    }

    @Test("The holder of usage_cleanup_lock drops every host's stale usage entries; without the lock nothing changes")
    func sharedUsageCleanup() async throws {
        let fixture = try await BusFixture()
        let pools = fixture.bus.pools  // wall clock 1_700_000_000, expiry 3 s: entries before 1_699_999_997 are stale
        _ = try await fixture.other.pipeline([
            RESPCommand("HSET", "test:usage_pool", "m1",
                #"{"dead-host-sid": {"updated_at": 1699999000}, "live-sid": {"updated_at": 1700000000}}"#),
            RESPCommand("HSET", "test:usage_pool", "m2", #"{"gone": {"updated_at": 5}}"#),
            RESPCommand("HSET", "test:usage_pool", "bad", "not json"),
            RESPCommand("HSET", "test:usage_pool", "odd", #"{"s": {"updated_at": "soon"}, "t": 7}"#),
            RESPCommand("SET", "test:usage_cleanup_lock", "an-open-webui-worker", "EX", "60"),
        ])
        #expect(await pools.sweepSharedUsage() == nil)  // another host cleans
        #expect(try await fixture.other.send(RESPCommand("HLEN", "test:usage_pool")) == .integer(4))

        _ = try await fixture.other.send(RESPCommand("DEL", "test:usage_cleanup_lock"))
        // (the fixture's own sweep may run first with the same host id; either way the state below must hold)
        #expect(await pools.sweepSharedUsage() != nil)
        let m1 = try await fixture.other.send(RESPCommand("HGET", "test:usage_pool", "m1")).bytesValue
            .flatMap { try? JSONParser.parse($0) }
        #expect(m1 == ["live-sid": ["updated_at": 1_700_000_000]])
        let left = try await fixture.other.pipeline([
            RESPCommand("HEXISTS", "test:usage_pool", "m2"), RESPCommand("HGET", "test:usage_pool", "bad"),
            RESPCommand("GET", "test:usage_cleanup_lock"), RESPCommand("TTL", "test:usage_cleanup_lock"),
        ])
        #expect(left[0] == .integer(0) && left[1].bytesValue == Array("not json".utf8))  // unreadable: left alone
        #expect(left[2].bytesValue == Array(fixture.bus.settings.hostID.utf8))
        #expect((left[3].intValue ?? 0) > 0 && (left[3].intValue ?? 0) <= 6)
        #expect(await pools.sweepSharedUsage() == 0)  // renewed, nothing left to drop
        await fixture.close()
    }

    @Test("The session_pool entry keeps chat_ids and takes user fields from the claims")
    func sessionEntryFormat() {
        let user = AuthenticatedUser(
            id: "u1", name: "Ann", role: "user", claims: ["id": "u1", "timezone": "Europe/Berlin", "created_at": 5])
        let entry = SocketIOSessionPools.sessionEntry(user: user, lastSeenAt: 9, chatIDs: ["c1"])
        #expect(entry.objectValue?.keys.first == "id" && entry.objectValue?.keys.last == "chat_ids")
        #expect(entry["timezone"] == "Europe/Berlin" && entry["created_at"] == .int(5) && entry["updated_at"] == .int(9))
        #expect(entry["chat_ids"] == ["c1"] && entry["email"] == "" && entry["last_seen_at"] == .int(9))
    }
}
