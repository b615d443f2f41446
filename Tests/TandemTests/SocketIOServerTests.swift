import Testing
import Wire
@testable import Tandem

/// A client over an in-memory WebSocket: sends Engine.IO text, reads what the server queued.
private struct TestClient {
    let server: SocketIOServer
    let token: EngineIOWebSocketToken
    var outbound: AsyncStream<EngineIOOutbound>.AsyncIterator

    static func connect(_ server: SocketIOServer, now: ContinuousClock.Instant = .now) async throws -> TestClient {
        let (socket, stream) = EngineIOStreamWebSocket.make()
        let token = try #require(await server.webSocketOpened(socket, engineSID: nil, now: now))
        return TestClient(server: server, token: token, outbound: stream.makeAsyncIterator())
    }

    func send(_ text: String) async {
        await self.server.webSocketReceived(self.token, text: text)
        await self.server.waitUntilIdle(engineSID: self.token.engineSID)
    }

    func send(binary: [UInt8]) async {
        await self.server.webSocketReceived(self.token, binary: binary)
        await self.server.waitUntilIdle(engineSID: self.token.engineSID)
    }

    mutating func next() async -> EngineIOOutbound? {
        await self.outbound.next()
    }

    mutating func nextText() async throws -> String {
        let frame = await self.next()
        guard case .text(let text)? = frame else {
            Issue.record("expected a text frame, got \(String(describing: frame))")
            return ""
        }
        return text
    }

    /// Reads the open packet, connects to `/` with `auth`, and returns the Socket.IO sid.
    mutating func handshake(auth: JSONValue? = nil) async throws -> String {
        let open = try await self.nextText()
        #expect(open.hasPrefix("0{\"sid\":"))
        await self.send("40" + (auth?.serialized() ?? ""))
        let reply = try await self.nextText()
        let packet = try SocketIOPacket(decoding: String(reply.dropFirst()))
        return try #require(packet.data?["sid"]?.stringValue)
    }
}

private let secret = "test-secret"
private let clock: @Sendable () -> Double = { 1_700_000_000 }

private func token(_ claims: JSONObject) -> String {
    JWTVerifier.sign(claims, secret: secret)
}

private func makeServer(strict: Bool = false) -> SocketIOServer {
    var configuration = SocketIOConfiguration()
    configuration.jwtSecret = secret
    configuration.strictAuth = strict
    configuration.namespaces = ["/", "/admin"]
    return SocketIOServer(configuration: configuration, wallClock: clock)
}

struct SocketIOServerTests {
    @Test("A direct WebSocket gets the open packet, connects with a JWT and joins its rooms")
    func directWebSocket() async throws {
        let server = makeServer()
        var client = try await TestClient.connect(server)
        let open = try await client.nextText()
        let handshake = try #require(EngineIOHandshake(json: try JSONValue(parsing: String(open.dropFirst()))))
        #expect(handshake.upgrades == [])
        #expect(handshake.pingInterval == 25000 && handshake.pingTimeout == 20000)
        #expect(handshake.maxPayload == 16_777_216)
        await client.send("40" + JSONValue.object(["token": .string(token(["id": "u1", "name": "Ann"]))]).serialized())
        let reply = try await client.nextText()
        let sid = try #require(try SocketIOPacket(decoding: String(reply.dropFirst())).data?["sid"]?.stringValue)
        let session = try #require(await server.session(sid))
        #expect(session.user?.id == "u1")
        #expect(await server.rooms(of: sid) == [sid, "user:u1"])
    }

    @Test("user-join acks {id, name}, and a bad token gets an empty ack")
    func userJoin() async throws {
        let server = makeServer()
        var client = try await TestClient.connect(server)
        let sid = try await client.handshake()
        #expect(await server.session(sid)?.user == nil)
        await server.setChannelLookup { _ in ["c1", "c2"] }
        let join: JSONValue = ["auth": ["token": .string(token(["id": "u7", "name": "Bo"]))]]
        await client.send("421" + JSONValue.array(["user-join", join]).serialized())
        #expect(try await client.nextText() == #"431[{"id":"u7","name":"Bo"}]"#)
        #expect(await server.rooms(of: sid) == [sid, "user:u7", "channel:c1", "channel:c2"])
        await client.send(#"422["user-join",{"auth":{"token":"forged.token.x"}}]"#)
        #expect(try await client.nextText() == "432[]")
        await client.send(#"423["user-join","nope"]"#)
        #expect(try await client.nextText() == #"42["error",{"message":"Invalid payload for user-join"}]"#)
        #expect(try await client.nextText() == "433[]")
    }

    @Test("Without Open WebUI's events the server is plain Socket.IO: user-join and heartbeat are unknown events")
    func plainSocketIO() async throws {
        var configuration = SocketIOConfiguration()
        configuration.jwtSecret = secret
        configuration.reportUnknownEvents = true
        let server = SocketIOServer(configuration: configuration, wallClock: clock)
        await server.removeOpenWebUIEvents()
        var client = try await TestClient.connect(server)
        let sid = try await client.handshake()
        let join: JSONValue = ["auth": ["token": .string(token(["id": "u7", "name": "Bo"]))]]
        await client.send("421" + JSONValue.array(["user-join", join]).serialized())
        #expect(try await client.nextText() == #"42["error",{"message":"Unknown event: user-join"}]"#)
        await client.send(#"42["heartbeat",{}]"#)
        #expect(try await client.nextText() == #"42["error",{"message":"Unknown event: heartbeat"}]"#)
        #expect(await server.rooms(of: sid) == [sid])
        #expect(await server.lastSeen(sid) == nil)
        #expect(await server.modelsInUse().isEmpty)
        // A handler registered for one of those names still runs.
        await server.on("user-join", requiresUser: false) { event in await event.ack?(["mine"]) }
        await client.send("422" + JSONValue.array(["user-join", join]).serialized())
        #expect(try await client.nextText() == #"432["mine"]"#)
    }

    @Test("Strict mode answers CONNECT_ERROR for missing, forged, expired and pending tokens")
    func strictAuth() async throws {
        let server = makeServer(strict: true)
        let cases: [(JSONValue?, String)] = [
            (nil, "Missing token"),
            (["token": .string(JWTVerifier.sign(["id": "u"], secret: "wrong"))], "Invalid token"),
            (["token": .string(token(["id": "u", "exp": 1_600_000_000]))], "Token expired"),
            (["token": .string(token(["id": "u", "role": "pending"]))], "User not allowed"),
            (["token": .string(token(["name": "no id"]))], "User not allowed"),
        ]
        for (auth, message) in cases {
            var client = try await TestClient.connect(server)
            _ = try await client.nextText()
            await client.send("40" + (auth?.serialized() ?? ""))
            // The message as before, plus the code of Docs/events.md (4001 log in again, 4401 expired).
            let outcome = try #require(AuthOutcome(socketIOMessage: message))
            let expected: JSONValue = [
                "message": .string(message), "code": .int(Int64(outcome.code)), "reason": .string(outcome.rawValue),
            ]
            #expect(try await client.nextText() == "44" + expected.serialized())
        }
        #expect(await server.allSessions.isEmpty)
    }

    @Test("Lenient mode connects a bad token without a user and drops its events before handlers")
    func lenientAuth() async throws {
        let server = makeServer()
        let (stream, seen) = AsyncStream<String>.makeStream()
        await server.on("ping-me") { event in seen.yield(event.session.sid) }
        var anonymous = try await TestClient.connect(server)
        _ = try await anonymous.handshake(auth: ["token": "garbage"])
        await anonymous.send(#"421["ping-me",{}]"#)
        #expect(try await anonymous.nextText() == "431[]")
        var member = try await TestClient.connect(server)
        let sid = try await member.handshake(auth: ["token": .string(token(["id": "u1"]))])
        await member.send(#"42["ping-me",{}]"#)
        seen.finish()
        var received: [String] = []
        for await value in stream { received.append(value) }
        #expect(received == [sid])
    }

    @Test("An event sent right behind user-join, before its ack, already sees the user")
    func eventBehindUserJoin() async throws {
        let server = makeServer()
        await server.on("whoami") { event in await event.ack?([.string(event.session.user?.id ?? "nobody")]) }
        var client = try await TestClient.connect(server)
        _ = try await client.handshake()
        let join: JSONValue = ["auth": ["token": .string(token(["id": "u9", "name": "Cy"]))]]
        await server.webSocketReceived(client.token, text: "421" + JSONValue.array(["user-join", join]).serialized())
        await server.webSocketReceived(client.token, text: #"422["whoami"]"#)
        await server.waitUntilIdle(engineSID: client.token.engineSID)
        #expect(try await client.nextText() == #"431[{"id":"u9","name":"Cy"}]"#)
        #expect(try await client.nextText() == #"432["u9"]"#)
    }

    @Test("Unknown namespaces get CONNECT_ERROR; known extra namespaces connect")
    func namespaces() async throws {
        let server = makeServer()
        var client = try await TestClient.connect(server)
        _ = try await client.nextText()
        await client.send("40/nope,")
        #expect(try await client.nextText() == #"44/nope,{"message":"Invalid namespace"}"#)
        await client.send("40/admin,")
        #expect(try await client.nextText().hasPrefix(#"40/admin,{"sid":"#))
    }

    @Test("Emit to a room reaches its members and skips the sender")
    func roomsAndSkip() async throws {
        let server = makeServer()
        var alice = try await TestClient.connect(server)
        var bob = try await TestClient.connect(server)
        var carol = try await TestClient.connect(server)
        let aliceSID = try await alice.handshake()
        let bobSID = try await bob.handshake()
        _ = try await carol.handshake()
        await server.join(aliceSID, room: "doc_note:1")
        await server.join(bobSID, room: "doc_note:1")
        #expect(await server.members(of: "doc_note:1") == [aliceSID, bobSID].sorted())
        let count = await server.emit("ydoc:document:update", [["update": .byteArray([1, 2])]], to: "doc_note:1",
            skipping: aliceSID)
        #expect(count == 1)
        #expect(try await bob.nextText() == #"42["ydoc:document:update",{"update":[1,2]}]"#)
        await server.emit("hello", ["all"])
        #expect(try await alice.nextText() == #"42["hello","all"]"#)
        #expect(try await bob.nextText() == #"42["hello","all"]"#)
        #expect(try await carol.nextText() == #"42["hello","all"]"#)
        await server.leave(bobSID, room: "doc_note:1")
        #expect(await server.members(of: "doc_note:1") == [aliceSID])
    }

    @Test("Handlers get resolved binary attachments and can ack with binary")
    func binaryAttachments() async throws {
        let server = makeServer()
        await server.on("echo", requiresUser: false) { event in
            #expect(event.arguments == [["data": [1, 2, 255]]])
            #expect(event.rawArguments == [["data": .placeholder(0)]])
            await event.ack?([.placeholder(0)], attachments: event.attachments)
        }
        var client = try await TestClient.connect(server)
        _ = try await client.handshake()
        await client.send(#"451-5["echo",{"data":{"_placeholder":true,"num":0}}]"#)
        await client.send(binary: [1, 2, 255])
        #expect(try await client.nextText() == #"461-5[{"_placeholder":true,"num":0}]"#)
        #expect(await client.next() == .binary([1, 2, 255]))
    }

    @Test("A server call resolves with the client's ack")
    func serverCall() async throws {
        let server = makeServer()
        var client = try await TestClient.connect(server)
        let sid = try await client.handshake()
        async let answer = server.call("events", [["type": "execute:python"]], to: sid, timeout: .seconds(30))
        #expect(try await client.nextText() == #"420["events",{"type":"execute:python"}]"#)
        await client.send(#"430[{"result":42}]"#)
        #expect(try await answer == [["result": 42]])
        await #expect(throws: SocketIOCallError.notConnected) { try await server.call("x", [], to: "nobody") }
    }

    @Test("Malformed Socket.IO packets are ignored; broken Engine.IO framing closes the session")
    func malformed() async throws {
        let server = makeServer()
        let (disconnects, seen) = AsyncStream<String>.makeStream()
        await server.onDisconnect { session in seen.yield(session.sid) }
        var client = try await TestClient.connect(server)
        let sid = try await client.handshake()
        await client.send("4garbage")
        await client.send(#"42["no-such-event",1]"#)
        await client.send(binary: [1])
        await client.send(#"421["usage",[]]"#)
        #expect(try await client.nextText() == #"42["error",{"message":"Invalid payload for usage"}]"#)
        #expect(await server.session(sid) != nil)
        await client.send("9")
        #expect(await client.next() == .close(code: 1002, reason: "malformed Engine.IO packet"))
        #expect(await server.session(sid) == nil)
        seen.finish()
        var sids: [String] = []
        for await value in disconnects { sids.append(value) }
        #expect(sids == [sid])
    }

    @Test("The server pings every interval and closes when the pong is late")
    func heartbeat() async throws {
        let server = makeServer()
        let start = ContinuousClock.now
        var client = try await TestClient.connect(server, now: start)
        let sid = try await client.handshake()
        await server.housekeep(now: start + .seconds(24))
        await server.housekeep(now: start + .seconds(25))
        #expect(try await client.nextText() == "2")
        await server.webSocketReceived(client.token, text: "3", now: start + .seconds(26))
        await server.housekeep(now: start + .seconds(50))
        await server.housekeep(now: start + .seconds(51))
        #expect(try await client.nextText() == "2")
        await server.housekeep(now: start + .seconds(70))
        await server.housekeep(now: start + .seconds(71))
        #expect(try await client.nextText() == "1")
        #expect(await client.next() == .close(code: 1000, reason: "ping timeout"))
        #expect(await server.session(sid) == nil)
    }

    @Test("A session that never connects a namespace is closed after the connect timeout")
    func connectTimeout() async throws {
        let server = makeServer()
        let start = ContinuousClock.now
        var idle = try await TestClient.connect(server, now: start)
        _ = try await idle.nextText()
        var active = try await TestClient.connect(server, now: start)
        _ = try await active.handshake()
        await server.housekeep(now: start + .seconds(44))
        #expect(try await idle.nextText() == "2")  // the 25 s ping, due by now
        await server.housekeep(now: start + .seconds(45))
        #expect(try await idle.nextText() == "1")
        #expect(await idle.next() == .close(code: 1000, reason: "no Socket.IO connection in time"))
        #expect(await server.allSessions.count == 1)
    }

    @Test("Usage is pooled per model, expires and is cleaned on disconnect")
    func usage() async throws {
        let server = makeServer()
        var client = try await TestClient.connect(server)
        let sid = try await client.handshake(auth: ["token": .string(token(["id": "u1"]))])
        let before = ContinuousClock.now
        await client.send(#"42["usage",{"action":"chat","model":"llama","chat_id":"c"}]"#)
        await client.send(#"42["heartbeat",{}]"#)
        #expect(await server.lastSeen(sid) != nil)
        #expect(await server.modelsInUse(now: before) == ["llama"])
        #expect(await server.modelsInUse(now: .now + .seconds(4)) == [])
        let again = ContinuousClock.now
        await client.send(#"42["usage",{"action":"chat","model":"llama","chat_id":"c"}]"#)
        #expect(await server.modelsInUse(now: again) == ["llama"])
        await client.send("41")
        #expect(await server.modelsInUse(now: again) == [])
        #expect(await server.session(sid) == nil)
    }

    @Test("join-note joins note:<id> when the access check allows it")
    func joinNote() async throws {
        let server = makeServer()
        await server.setNoteAccess { user, note in note == "n1" && user.id == "u1" }
        var client = try await TestClient.connect(server)
        let sid = try await client.handshake(auth: ["token": .string(token(["id": "u1"]))])
        await client.send(#"42["join-note",{"note_id":"n2"}]"#)
        await client.send(#"42["join-note",{"note_id":"n1"}]"#)
        #expect(await server.rooms(of: sid).contains("note:n1"))
        #expect(!(await server.rooms(of: sid).contains("note:n2")))
    }

    @Test("Random packets from many clients never crash the server, and it keeps serving")
    func randomInput() async throws {
        let server = makeServer()
        await server.on("echo") { event in await event.ack?(event.arguments) }
        var generator = SocketIOSeededGenerator(seed: 0xF022)
        let pieces = [
            "4", "2", "3", "0", "1", "5", "6", "40", "41", "42", "43", "45", "46", "44", "1-", "2-", "/admin,", "/x,",
            "[", "]", "{", "}", "\"user-join\"", "\"usage\"", "\"echo\"", "\"join-note\"", ",", ":", "\"auth\"",
            "{\"_placeholder\":true,\"num\":0}", "null", "7", "99999999999999999999", "\"", "\\u", "é",
        ]
        for round in 0..<40 {
            let client = try await TestClient.connect(server)
            if round % 2 == 0 { await client.send("40{\"token\":\"\(token(["id": .string("u\(round)")]))\"}") }
            for _ in 0..<50 {
                var text = ""
                for _ in 0..<Int.random(in: 1..<8, using: &generator) {
                    text += pieces[Int.random(in: 0..<pieces.count, using: &generator)]
                }
                if Bool.random(using: &generator) {
                    await client.send(text)
                } else {
                    await client.send(binary: Array(text.utf8))
                }
            }
        }
        var client = try await TestClient.connect(server)
        _ = try await client.handshake(auth: ["token": .string(token(["id": "after"]))])
        await client.send(#"421["echo","still here"]"#)
        #expect(try await client.nextText() == #"431["still here"]"#)
    }
}
