import Testing
import Wire
@testable import Tandem

struct EngineIOPollingTests {
    private func text(_ response: EngineIOHTTPResponse) -> String {
        String(decoding: response.body, as: UTF8.self)
    }

    @Test("Polling handshake, CONNECT by POST, events by GET, then upgrade to WebSocket with probe and noop")
    func pollingThenUpgrade() async throws {
        let server = SocketIOServer()
        let open = await server.handlePolling(method: "GET", query: "EIO=4&transport=polling&t=a", body: [])
        #expect(open.status == 200)
        let packets = try EngineIOPayload.decode(open.body)
        guard case .open(let json)? = packets.first else {
            Issue.record("no open packet")
            return
        }
        let handshake = try #require(EngineIOHandshake(json: try JSONValue(parsing: json)))
        #expect(handshake.upgrades == ["websocket"])
        let query = "EIO=4&transport=polling&sid=\(handshake.sid)"
        let posted = await server.handlePolling(method: "POST", query: query, body: Array("40".utf8))
        #expect(posted.status == 200 && self.text(posted) == "ok")
        let connected = await server.handlePolling(method: "GET", query: query, body: [])
        #expect(self.text(connected).hasPrefix("40{\"sid\":"))
        let sid = try #require(await server.allSessions.first?.sid)

        // Two packets queued while no poll is pending arrive together, separated by 0x1E.
        await server.emit("a", [1])
        await server.emit("b", [.byteArray([1, 2])], attachments: [])
        let batch = await server.handlePolling(method: "GET", query: query, body: [])
        #expect(self.text(batch) == "42[\"a\",1]\u{1E}42[\"b\",[1,2]]")

        // Upgrade: a poll is pending while the WebSocket probes.
        async let pending = server.handlePolling(method: "GET", query: query, body: [])
        let (socket, stream) = EngineIOStreamWebSocket.make()
        var outbound = stream.makeAsyncIterator()
        let token = try #require(await server.webSocketOpened(socket, engineSID: handshake.sid))
        await server.webSocketReceived(token, text: "2probe")
        #expect(await outbound.next() == .text("3probe"))
        #expect(self.text(await pending) == "6")
        await server.webSocketReceived(token, text: "5")
        await server.emit("after", [], to: .session(sid))
        #expect(await outbound.next() == .text("42[\"after\"]"))
        let stale = await server.handlePolling(method: "GET", query: query, body: [])
        #expect(stale.status == 400)
    }

    @Test("Bad polling requests get Engine.IO error codes; oversized bodies close the session with 413")
    func errors() async throws {
        var configuration = SocketIOConfiguration()
        configuration.maxPayload = 100
        let server = SocketIOServer(configuration: configuration)
        #expect(await server.handlePolling(method: "GET", query: "EIO=3&transport=polling", body: []).status == 400)
        #expect(await server.handlePolling(method: "GET", query: "EIO=4&transport=flash", body: []).status == 400)
        #expect(await server.handlePolling(method: "GET", query: "EIO=4&transport=polling&sid=x", body: []).status == 400)
        #expect(await server.handlePolling(method: "POST", query: "EIO=4&transport=polling", body: []).status == 400)
        let open = await server.handlePolling(method: "GET", query: "EIO=4&transport=polling", body: [])
        guard case .open(let json)? = try EngineIOPayload.decode(open.body).first,
            let sid = try JSONValue(parsing: json)["sid"]?.stringValue
        else {
            Issue.record("no open packet")
            return
        }
        let query = "EIO=4&transport=polling&sid=\(sid)"
        let big = await server.handlePolling(method: "POST", query: query, body: Array(repeating: 0x34, count: 101))
        #expect(big.status == 413)
        #expect(await server.handlePolling(method: "GET", query: query, body: []).status == 400)
    }
}

struct EngineIOHeartbeatTests {
    @Test("Ping after the interval, time out after the timeout, reschedule on pong")
    func cycle() {
        let start = ContinuousClock.now
        var heartbeat = EngineIOHeartbeat(interval: .seconds(25), timeout: .seconds(20), now: start)
        #expect(heartbeat.tick(now: start + .seconds(24)) == .none)
        #expect(heartbeat.tick(now: start + .seconds(25)) == .sendPing)
        #expect(heartbeat.isAwaitingPong)
        #expect(heartbeat.tick(now: start + .seconds(30)) == .none)
        heartbeat.receivedPong(now: start + .seconds(30))
        #expect(heartbeat.tick(now: start + .seconds(54)) == .none)
        #expect(heartbeat.tick(now: start + .seconds(55)) == .sendPing)
        #expect(heartbeat.tick(now: start + .seconds(75)) == .timedOut)
    }
}

struct UsagePoolTests {
    @Test("Entries expire after 3 s; models without sids disappear; disconnect removes a sid")
    func pool() {
        let start = ContinuousClock.now
        var pool = UsagePool()
        pool.record(model: "a", sid: "s1", now: start)
        pool.record(model: "a", sid: "s2", now: start + .seconds(2))
        pool.record(model: "b", sid: "s1", now: start)
        #expect(pool.modelsInUse == ["a", "b"])
        pool.expire(now: start + .seconds(3))
        #expect(pool.modelsInUse == ["a"])
        #expect(pool.sids(using: "a") == ["s2"])
        pool.remove(sid: "s2")
        #expect(pool.modelsInUse == [])
    }
}
