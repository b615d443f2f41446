import Foundation
import Testing
import Wire
@testable import Tandem

/// The events API, durable outbox, per-user limit, auth codes and the plain chat / notify endpoints (issue 15),
/// through the whole application without sockets.
@Suite("Events: API, outbox, limits, plain endpoints", .serialized)
struct EventsTests {
    let secret = "events-secret"

    func token(_ id: String, role: String = "user", exp: Int64? = nil) -> String {
        var claims: JSONObject = ["id": .string(id), "name": .string(id.capitalized), "role": .string(role)]
        if let exp { claims["exp"] = .int(exp) }
        return JWTVerifier.sign(claims, secret: secret)
    }

    func makeHarness(_ dir: String, limit: Int? = nil) async throws -> AppHarness {
        var configuration = AppConfiguration()
        configuration.documents.dataDirectory = dir
        configuration.documents.walSync = .never
        configuration.jwtSecret = secret
        configuration.events.serviceToken = "svc-token"
        configuration.events.maxConnectionsPerUser = limit
        return try await AppHarness(configuration: configuration)
    }

    func request(_ harness: RouterHarness, _ method: HTTPMethod, _ target: String, body: JSONValue? = nil,
                 auth: String = "Bearer svc-token") async throws -> (Int, JSONValue) {
        let request = HTTPRequest(
            method: method, target: target, headers: ["Authorization": auth], body: body?.serializedBytes() ?? [])
        guard case .handler(let handler) = harness.router.resolveHTTP(method: method, path: request.path) else {
            return (404, .null)
        }
        let response: HTTPResponse
        do { response = try await handler(request) } catch let error as HTTPError { response = error.response }
        return (response.status.code, (try? JSONValue(parsing: response.body)) ?? .null)
    }

    static func json(_ socket: HarnessSocket, type: String) -> [JSONValue] {
        socket.take { message in
            guard case .text(let text) = message else { return false }
            return (try? JSONValue(parsing: Array(text.utf8)))?["type"]?.stringValue == type
        }.compactMap { if case .text(let text) = $0 { try? JSONValue(parsing: Array(text.utf8)) } else { nil } }
    }

    func waitJSON(_ socket: HarnessSocket, type: String, count: Int = 1) async throws -> [JSONValue] {
        var found: [JSONValue] = []
        try await eventually("\(count) \(type)") {
            found += Self.json(socket, type: type)
            return found.count >= count
        }
        return found
    }

    @Test("An emit to a user reaches Socket.IO and /ws/notify tabs; rooms and sessions; auth of the API")
    func emitAcrossProtocols() async throws {
        let dir = try makeTemporaryDirectory("events")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await makeHarness(dir)
        let tab1 = try await HarnessSocketIOClient.connect(harness, token: token("alice"))
        let tab2 = try await harness.connect("/ws/notify?token=\(token("alice"))")
        let bob = try await HarnessSocketIOClient.connect(harness, token: token("bob"))

        let (status, answer) = try await request(
            harness, .post, "/api/v1/events/emit", body: ["event": "toast", "data": ["text": "hi"], "to": ["user": "alice"]])
        #expect(status == 200 && answer["receivers"]?.intValue == 2)
        #expect(try await tab1.events("toast").first?["text"] == "hi")
        let notified = try await waitJSON(tab2, type: "event")
        #expect(notified.first?["event"] == "toast" && notified.first?["data"]?["text"] == "hi")
        #expect(notified.first?["id"] == nil)
        #expect(bob.pending("toast").isEmpty)

        let (_, sessions) = try await request(harness, .get, "/api/v1/events/sessions?user=alice")
        let kinds = (sessions["sessions"]?.arrayValue ?? []).compactMap { $0["protocol"]?.stringValue }.sorted()
        #expect(kinds == ["notify", "socketio"])

        // Auth: nothing → 401, a user JWT → 403, an admin JWT → 200, a wrong service token → 401.
        let body: JSONValue = ["event": "x", "to": ["room": "r"]]
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: body, auth: "").0 == 401)
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: body, auth: "Bearer \(token("bob"))").0 == 403)
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: body, auth: "Bearer \(token("root", role: "admin"))").0 == 200)
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: body, auth: "Bearer svc-tokeX").0 == 401)
        // Malformed bodies.
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: ["event": "x"]).0 == 400)
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: ["event": "", "to": ["user": "a"]]).0 == 400)
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: ["event": "x", "to": ["user": "a", "room": "b"]]).0 == 400)
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: ["event": "x", "to": ["room": "r"], "durable": true]).0 == 400)
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: ["event": "events:outbox", "to": ["user": "a"]]).0 == 400)
        #expect(try await request(harness, .post, "/api/v1/events/emit", body: [1, 2]).0 == 400)
        await tab2.close()
    }

    @Test("A call returns the browser's answer, times out with 504, 404 for an unknown sid")
    func call() async throws {
        let dir = try makeTemporaryDirectory("events-call")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await makeHarness(dir)
        let tab = try await HarnessSocketIOClient.connect(harness, token: token("alice"))
        let sid = try #require(await harness.app.socketIO.sids(ofUser: "alice").first)
        async let answered = request(
            harness, .post, "/api/v1/events/call",
            body: ["event": "confirm", "data": ["q": "ok?"], "sid": .string(sid), "timeout_ms": 2000])
        // The client answers the call: 43<id>[answer].
        var ackID: String?
        try await eventually("the call at the client") {
            for message in tab.socket.take(where: { if case .text(let t) = $0 { t.hasPrefix("42") } else { false } }) {
                if case .text(let text) = message { ackID = String(text.dropFirst(2).prefix { $0.isNumber }) }
            }
            return ackID != nil
        }
        await tab.socket.send(.text("43\(ackID ?? "0")[{\"yes\":true}]"))
        let (status, answer) = try await answered
        #expect(status == 200 && answer["data"]?["yes"] == true)

        let (timedOut, _) = try await request(
            harness, .post, "/api/v1/events/call", body: ["event": "confirm", "sid": .string(sid), "timeout_ms": 50])
        #expect(timedOut == 504)
        #expect(try await request(harness, .post, "/api/v1/events/call", body: ["event": "x", "sid": "nope"]).0 == 404)
        #expect(try await request(harness, .post, "/api/v1/events/call", body: ["event": "x", "sid": .string(sid), "timeout_ms": -1]).0 == 400)
    }

    @Test("Durable events: stored while offline, replayed in order after `after`, acked, kept across a restart")
    func durableOutbox() async throws {
        let dir = try makeTemporaryDirectory("events-outbox")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let harness = try await makeHarness(dir)
            for n in 1...3 {
                let (status, answer) = try await request(
                    harness, .post, "/api/v1/events/emit",
                    body: ["event": "notice", "data": ["n": .int(Int64(n))], "to": ["user": "alice"], "durable": true])
                #expect(status == 200 && answer["id"]?.intValue == Int64(n) && answer["receivers"]?.intValue == 0)
            }
            let notify = try await harness.connect("/ws/notify?token=\(token("alice"))&after=1")
            let events = try await waitJSON(notify, type: "event", count: 2)
            #expect(events.compactMap { $0["id"]?.intValue } == [2, 3])
            #expect(events.compactMap { $0["data"]?["n"]?.intValue } == [2, 3])
            await notify.send(.text(#"{"type":"ack","id":2}"#))
            try await eventually("ack stored") {
                let (_, outbox) = try await request(harness, .get, "/api/v1/events/outbox?user=alice")
                return (outbox["events"]?.arrayValue ?? []).compactMap { $0["status"]?.stringValue } == ["delivered", "delivered", "pending"]
            }
            await notify.close()
            await harness.app.shutdown()
        }
        // A new server on the same data directory: id 3 is still pending, ids continue at 4.
        let harness = try await makeHarness(dir)
        let (_, answer) = try await request(
            harness, .post, "/api/v1/events/emit", body: ["event": "notice", "data": ["n": 4], "to": ["user": "alice"], "durable": true])
        #expect(answer["id"]?.intValue == 4)
        let tab = try await HarnessSocketIOClient.connect(harness, token: token("alice"))
        await tab.emit("events:resume", ["after": 2])
        let replayed = try await tab.events("events:outbox", count: 2)
        #expect(replayed.compactMap { $0["id"]?.intValue } == [3, 4])
        await tab.emit("events:ack", ["id": 4])
        try await eventually("all delivered") {
            let (_, outbox) = try await request(harness, .get, "/api/v1/events/outbox?user=alice&status=pending")
            return outbox["pending"]?.intValue == 0
        }
    }

    @Test("The outbox bound drops delivered events first, then refuses; expired events are not delivered")
    func outboxBounds() async throws {
        let dir = try makeTemporaryDirectory("events-bounds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var settings = OutboxSettings()
        settings.maxPerUser = 2
        settings.expiry = .seconds(100)
        settings.syncPolicy = .never
        let outbox = try EventOutbox(dataDirectory: dir, settings: settings)
        _ = try await outbox.append(userID: "u", event: "e", data: 1, now: 1_000)
        _ = try await outbox.append(userID: "u", event: "e", data: 2, now: 1_000)
        await #expect(throws: OutboxError.full(2)) { try await outbox.append(userID: "u", event: "e", data: 3, now: 1_000) }
        await outbox.acknowledge(userID: "u", upTo: 1, now: 1_001)
        let third = try await outbox.append(userID: "u", event: "e", data: 3, now: 1_002)
        #expect(third.id == 3)
        #expect(await outbox.entries(userID: "u", now: 1_002).map(\.id) == [2, 3])
        #expect(await outbox.pending(userID: "u", now: 1_101).map(\.id) == [3])
        #expect(await outbox.pending(userID: "u", now: 1_200).isEmpty)
        await #expect(throws: OutboxError.tooLarge(settings.maxEventBytes)) {
            try await outbox.append(userID: "u", event: "e", data: .string(String(repeating: "x", count: 70_000)), now: 1_200)
        }
        // Malformed records in a log are skipped on load.
        let path = dir + "/outbox/" + SafeFileName.encode("v") + ".ylog"
        let records: [[UInt8]] = [Array("not json".utf8), Array(#"{"op":"add","id":"x"}"#.utf8),
                                  Array(#"{"op":"add","id":5,"event":"e","data":1,"created_at":1000}"#.utf8),
                                  Array(#"{"op":"add","id":4,"event":"e","data":1,"created_at":1000}"#.utf8),
                                  Array(#"{"op":"ack","upto":"z"}"#.utf8), Array(#"{"op":"huh"}"#.utf8), [0xFF, 0xFE]]
        try FileIO.writeAtomically(WALFormat.encode(records), to: path)
        let reloaded = try EventOutbox(dataDirectory: dir, settings: settings)
        #expect(await reloaded.pending(userID: "v", now: 1_000).map(\.id) == [5])
        #expect(try await reloaded.append(userID: "v", event: "e", data: 1, now: 1_000).id == 6)
    }

    @Test("The per-user limit refuses the connection past it in every protocol, with its code")
    func perUserLimit() async throws {
        let dir = try makeTemporaryDirectory("events-limit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await makeHarness(dir, limit: 2)
        _ = try await HarnessSocketIOClient.connect(harness, token: token("alice"))
        let notify = try await harness.connect("/ws/notify?token=\(token("alice"))")
        // Socket.IO: CONNECT_ERROR with code 4029.
        let third = try await harness.connect("/ws/socket.io/?EIO=4&transport=websocket")
        await third.send(.text("40" + JSONValue.object(["token": .string(token("alice"))]).serialized()))
        try await eventually("connect error") {
            third.received.contains { if case .text(let t) = $0 { t.hasPrefix("44") && t.contains("4029") } else { false } }
        }
        // Plain: error then close 4029.
        let fourth = try await harness.connect("/ws/notify?token=\(token("alice"))")
        #expect(fourth.closeCode?.rawValue == 4029)
        #expect(Self.json(fourth, type: "error").first?["code"]?.intValue == 4029)
        // y-websocket: 429 on the upgrade.
        do {
            _ = try await harness.connect("/yjs/doc?token=\(token("alice"))")
            Issue.record("the y-websocket upgrade was accepted")
        } catch let error as HTTPError {
            #expect(error.response.status.code == 429)
        }
        // Closing one frees a slot.
        await notify.close()
        let again = try await harness.connect("/ws/notify?token=\(token("alice"))")
        #expect(again.closeCode == nil)
        // Another user is not affected.
        #expect(try await harness.connect("/ws/notify?token=\(token("bob"))").closeCode == nil)
    }

    @Test("Every auth outcome closes the plain endpoints with its code")
    func authOutcomes() async throws {
        let dir = try makeTemporaryDirectory("events-auth")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await makeHarness(dir)
        #expect(try await harness.connect("/ws/notify").closeCode?.rawValue == 4001)
        #expect(try await harness.connect("/ws/notify?token=garbage").closeCode?.rawValue == 4001)
        #expect(try await harness.connect("/ws/notify?token=\(token("a", exp: 1))").closeCode?.rawValue == 4401)
        #expect(try await harness.connect("/ws/chat/nope?token=\(token("a"))").closeCode?.rawValue == 4004)
        let channel = try await harness.app.channels!.createChannel(
            name: "c", memberIDs: [], by: .init(id: "owner", name: "O", role: "user"), now: 1)
        #expect(try await harness.connect("/ws/chat/\(channel.id)?token=\(token("stranger"))").closeCode?.rawValue == 4003)
        #expect(AuthOutcome.revoked.code == 4403 && AuthOutcome.unavailable.code == 1013)
        #expect(AuthOutcome(socketIOMessage: "Token expired") == .expired)
        #expect(Set(AuthOutcome.allCases.map(\.code)).count == AuthOutcome.allCases.count - 2)  // missing and bad share 4001, the two limits 4029
    }

    @Test("Chat between /ws/chat and Socket.IO: history on join, presence, messages, edits, deletes, typing")
    func plainChat() async throws {
        let dir = try makeTemporaryDirectory("events-chat")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await makeHarness(dir)
        let service = try #require(harness.app.channels)
        let alice = AuthenticatedUser(id: "alice", name: "Alice", role: "user")
        let channel = try await service.createChannel(name: "general", memberIDs: ["bob"], by: alice, now: 1)
        _ = try await service.post(channel.id, content: "earlier", by: alice, now: 2)

        let sio = try await HarnessSocketIOClient.connect(harness, token: token("alice"))
        await sio.emit("join-channels", ["auth": ["token": .string(token("alice"))]])
        try await eventually("alice in the room") {
            await harness.app.socketIO.members(of: .channel(channel.id)).count == 1
        }
        let plain = try await harness.connect("/ws/chat/\(channel.id)?token=\(token("bob"))")
        let state = try #require(try await waitJSON(plain, type: "session_state").first)
        #expect(state["messages"]?[0]?["content"] == "earlier")
        #expect((state["online"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } == ["alice", "bob"])
        let joined = try await sio.events("channel:presence")
        #expect(joined.contains { $0["type"] == "joined" && $0["user"]?["id"] == "bob" })

        await plain.send(.text(#"{"type":"message","content":"from plain"}"#))
        let posted = try #require(try await sio.events("events:channel").first)
        #expect(posted["data"]?["data"]?["content"] == "from plain")
        let echo = try await waitJSON(plain, type: "user_message")
        #expect(echo.first?["message"]?["content"] == "from plain")

        await sio.emit("message", ["channel_id": .string(channel.id), "content": "from socketio"])
        let fromSIO = try await waitJSON(plain, type: "user_message")
        #expect(fromSIO.first?["message"]?["content"] == "from socketio" && fromSIO.first?["user"]?["id"] == "alice")
        let messageID = try #require(echo.first?["message"]?["id"]?.stringValue)
        await plain.send(.text(#"{"type":"edit","message_id":"\#(messageID)","content":"edited"}"#))
        #expect(try await waitJSON(plain, type: "message_edited").first?["message"]?["content"] == "edited")
        await plain.send(.text(#"{"type":"delete","message_id":"\#(messageID)"}"#))
        #expect(try await waitJSON(plain, type: "message_deleted").first?["message"]?["id"]?.stringValue == messageID)
        await plain.send(.text(#"{"type":"typing"}"#))
        #expect(try await sio.events("events:channel").contains { $0["data"]?["type"] == "typing" })
        // Not the author: error, nothing stored.
        let fromAlice = try #require(fromSIO.first?["message"]?["id"]?.stringValue)
        await plain.send(.text(#"{"type":"delete","message_id":"\#(fromAlice)","request_id":7}"#))
        let refused = try #require(try await waitJSON(plain, type: "error").first)
        #expect(refused["request"] == "delete" && refused["request_id"] == 7)
        // Malformed input gets error, the connection stays.
        for bad in ["nope", "[1]", #"{"type":5}"#, #"{"type":"message"}"#, #"{"type":"zzz"}"#] {
            await plain.send(.text(bad))
        }
        _ = try await waitJSON(plain, type: "error", count: 5)
        #expect(plain.closeCode == nil)
        // Presence over Socket.IO, then leave.
        await sio.socket.send(.text("421" + JSONValue.array(["channel:presence", ["channel_id": .string(channel.id)]]).serialized()))
        try await eventually("presence ack") {
            sio.socket.received.contains { if case .text(let t) = $0 { t.hasPrefix("431") && t.contains("bob") } else { false } }
        }
        await plain.send(.text(#"{"type":"leave"}"#))
        #expect(try await sio.events("channel:presence").contains { $0["type"] == "left" && $0["user"]?["id"] == "bob" })
        #expect(plain.closeCode == .normalClosure)
    }
}
