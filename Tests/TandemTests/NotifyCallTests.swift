import Foundation
import Testing
import Wire
@testable import Tandem

/// Calls of the events API to plain `/ws/notify` connections (issue 15): `{"type":"call"}` out, `{"type":"answer"}`
/// back; timeouts, malformed and unknown answers, a connection closing while calls wait, the per-connection bound.
@Suite("Events: calls to /ws/notify connections", .serialized)
struct NotifyCallTests {
    let base = EventsTests()

    func notifyID(_ harness: AppHarness, user: String) throws -> String {
        try #require(harness.app.events.connections.entries(ofUser: user).first { $0.kind == "notify" }?.id)
    }

    @Test("A call reaches the notify connection and returns its answer; malformed and unknown answers get an error")
    func answered() async throws {
        let dir = try makeTemporaryDirectory("notify-call")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await base.makeHarness(dir)
        let plain = try await harness.connect("/ws/notify?token=\(base.token("alice"))")
        let id = try notifyID(harness, user: "alice")
        #expect(id.hasPrefix("notify-"))

        async let answered = base.request(
            harness, .post, "/api/v1/events/call",
            body: ["event": "confirm", "data": ["q": "ok?"], "sid": .string(id), "timeout_ms": 10_000])
        let call = try #require(try await base.waitJSON(plain, type: "call").first)
        #expect(call["event"] == "confirm" && call["data"]?["q"] == "ok?")
        let callID = try #require(call["id"]?.intValue)
        // Malformed answers are refused with an error and change nothing: the call still waits.
        await plain.send(.text(#"{"type":"answer","data":1}"#))
        await plain.send(.text(#"{"type":"answer","id":"one","data":1}"#))
        await plain.send(.text(#"{"type":"answer","id":\#(callID + 100),"data":1}"#))
        let errors = try await base.waitJSON(plain, type: "error", count: 3)
        #expect(errors.compactMap { $0["message"]?.stringValue }.filter { $0.contains("integer id") }.count == 2)
        #expect(errors.last?["message"]?.stringValue?.contains("no call waiting with id \(callID + 100)") == true)
        await plain.send(.text(#"{"type":"answer","id":\#(callID),"data":{"yes":true}}"#))
        let (status, answer) = try await answered
        #expect(status == 200 && answer["data"]?["yes"] == true && answer["arguments"]?.arrayValue?.count == 1)

        // Answering twice: the second gets an error, the connection stays.
        await plain.send(.text(#"{"type":"answer","id":\#(callID),"data":2}"#))
        #expect(try await base.waitJSON(plain, type: "error").first?["message"]?.stringValue?.contains("no call waiting") == true)
        #expect(plain.closeCode == nil)

        // An answer without data answers null.
        async let empty = base.request(harness, .post, "/api/v1/events/call", body: ["event": "ping", "sid": .string(id)])
        let second = try #require(try await base.waitJSON(plain, type: "call").first?["id"]?.intValue)
        #expect(second == callID + 1)
        await plain.send(.text(#"{"type":"answer","id":\#(second)}"#))
        let (emptyStatus, emptyAnswer) = try await empty
        #expect(emptyStatus == 200 && emptyAnswer["data"] == .null)
        await plain.close()
    }

    @Test("Timeouts are 504, an unknown notify id 404, a connection closing while calls wait answers them 502")
    func failures() async throws {
        let dir = try makeTemporaryDirectory("notify-call-fail")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await base.makeHarness(dir)
        let plain = try await harness.connect("/ws/notify?token=\(base.token("alice"))")
        let id = try notifyID(harness, user: "alice")

        let (timedOut, body) = try await base.request(
            harness, .post, "/api/v1/events/call", body: ["event": "confirm", "sid": .string(id), "timeout_ms": 50])
        #expect(timedOut == 504 && body["detail"]?.stringValue?.contains("no answer") == true)
        let late = try #require(try await base.waitJSON(plain, type: "call").first?["id"]?.intValue)
        await plain.send(.text(#"{"type":"answer","id":\#(late),"data":1}"#))  // after the timeout: an error, no trap
        #expect(try await base.waitJSON(plain, type: "error").first?["message"]?.stringValue?.contains("no call waiting") == true)

        let (unknown, detail) = try await base.request(
            harness, .post, "/api/v1/events/call", body: ["event": "x", "sid": "notify-999999"])
        #expect(unknown == 404 && detail["detail"]?.stringValue?.contains("no such notify connection") == true)

        // The per-connection bound: past it 429; then the connection closes and every waiting call answers 502.
        let session = try #require(harness.app.events.api.notifySessions?.session(id))
        let limit = harness.app.events.notify.maxPendingCalls
        let results = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<limit {
                    group.addTask {
                        try await base.request(
                            harness, .post, "/api/v1/events/call",
                            body: ["event": "confirm", "sid": .string(id), "timeout_ms": 60_000]).0
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        try await eventually("\(limit) calls wait", timeout: .seconds(20)) { session.waitingCalls == limit }
        let (busy, _) = try await base.request(harness, .post, "/api/v1/events/call", body: ["event": "x", "sid": .string(id)])
        #expect(busy == 429)
        await plain.close()
        let statuses = try await results.value
        #expect(statuses.count == limit && statuses.allSatisfy { $0 == 502 })
        #expect(harness.app.events.api.notifySessions?.session(id) == nil)
        let (gone, _) = try await base.request(harness, .post, "/api/v1/events/call", body: ["event": "x", "sid": .string(id)])
        #expect(gone == 404)
    }

    @Test("Notify ids with a bus name their host; plain ones and malformed ones do not")
    func notifyIDs() {
        #expect(EventsAPI.node(ofNotifyID: "notify-4334652a8ae246bbd6b16483279421b1-12") == "4334652a8ae246bbd6b16483279421b1")
        #expect(EventsAPI.node(ofNotifyID: "notify-node-a-3") == "node-a")
        #expect(EventsAPI.node(ofNotifyID: "notify-12") == nil)
        #expect(EventsAPI.node(ofNotifyID: "notify--3") == nil)
        #expect(EventsAPI.node(ofNotifyID: "notify-abc-") == nil)
        #expect(EventsAPI.node(ofNotifyID: "notify-abc-1x") == nil)
        #expect(EventsAPI.node(ofNotifyID: "notify-abc-١") == nil)  // a non-ASCII digit
    }
}
