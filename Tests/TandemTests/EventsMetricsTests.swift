import Foundation
import Testing
import Wire
@testable import Tandem

/// The events API's metrics (issue 15): emits by target, calls by outcome with their latency, and the outbox.
@Suite("Events: metrics", .serialized)
struct EventsMetricsTests {
    let base = EventsTests()

    /// The value of the sample `series` (name with its labels, as rendered) in `text`.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("Emits, durable stores and refusals, acknowledgements, resends and call outcomes are counted")
    func counted() async throws {
        let dir = try makeTemporaryDirectory("events-metrics")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = AppConfiguration()
        configuration.documents.dataDirectory = dir
        configuration.documents.walSync = .never
        configuration.jwtSecret = base.secret
        configuration.events.serviceToken = "svc-token"
        let registry = MetricsRegistry()
        let harness = try await AppHarness(configuration: configuration, metrics: registry)
        let tab = try await HarnessSocketIOClient.connect(harness, token: base.token("alice"))
        let sid = try #require(await harness.app.socketIO.sids(ofUser: "alice").first)

        #expect(try await base.request(harness, .post, "/api/v1/events/emit",
                                       body: ["event": "toast", "to": ["user": "alice"]]).0 == 200)
        #expect(try await base.request(harness, .post, "/api/v1/events/emit",
                                       body: ["event": "toast", "to": ["room": "nobody-here"]]).0 == 200)
        for n in 1...2 {
            #expect(try await base.request(harness, .post, "/api/v1/events/emit",
                                           body: ["event": "n", "data": .int(Int64(n)), "to": ["user": "alice"], "durable": true]).0 == 200)
        }
        let large: JSONValue = .string(String(repeating: "x", count: 70_000))
        #expect(try await base.request(harness, .post, "/api/v1/events/emit",
                                       body: ["event": "n", "data": large, "to": ["user": "alice"], "durable": true]).0 == 413)
        #expect(try await base.request(harness, .post, "/api/v1/events/call", body: ["event": "x", "sid": "nope"]).0 == 404)
        #expect(try await base.request(harness, .post, "/api/v1/events/call",
                                       body: ["event": "confirm", "sid": .string(sid), "timeout_ms": 20]).0 == 504)
        await tab.emit("events:resume", ["after": 1])  // acknowledges 1, sends 2 again
        _ = try await tab.events("events:outbox", count: 3)

        try await eventually("the resend is counted") {
            Self.sample(registry.render(), "tandem_events_outbox_resent_total") == 1
        }
        let text = registry.render()
        #expect(Self.sample(text, #"tandem_events_emitted_total{durable="false",target="user"}"#) == 1)
        #expect(Self.sample(text, #"tandem_events_emitted_total{durable="false",target="room"}"#) == 1)
        #expect(Self.sample(text, #"tandem_events_emitted_total{durable="true",target="user"}"#) == 2)
        #expect(Self.sample(text, #"tandem_events_emitted_total{durable="false",target="session"}"#) == 0)
        #expect(Self.sample(text, "tandem_events_receivers_total") == 3)  // one tab for the plain and both durable emits
        #expect(Self.sample(text, "tandem_events_outbox_stored_total") == 2)
        #expect(Self.sample(text, #"tandem_events_outbox_refused_total{reason="too_large"}"#) == 1)
        #expect(Self.sample(text, #"tandem_events_outbox_refused_total{reason="full"}"#) == 0)
        #expect(Self.sample(text, "tandem_events_outbox_acknowledged_total") == 1)
        #expect(Self.sample(text, #"tandem_events_calls_total{outcome="not_connected"}"#) == 1)
        #expect(Self.sample(text, #"tandem_events_calls_total{outcome="timeout"}"#) == 1)
        #expect(Self.sample(text, #"tandem_events_calls_total{outcome="answered"}"#) == 0)
        #expect(Self.sample(text, "tandem_events_call_duration_seconds_count") == 2)
        #expect(registry.namingProblems().isEmpty)
    }
}

/// The plain endpoints confirm users with the host application in Open WebUI mode, as Socket.IO and y-websocket do
/// (issue 15): a token the host refuses closes 4403, an unreachable host 1013.
@Suite("Events: plain endpoints confirm users with the host", .serialized)
struct PlainEndpointHostTests {
    /// Answers by the token's user id: `gone` refused, `flaky` unavailable, `other` resolved to another user.
    struct HostUsers: TokenUserSource {
        let secret: String
        func user(token: String, claims: JSONObject) async -> UserResolution {
            switch claims["id"]?.stringValue {
            case "gone": return .refused("logged out")
            case "flaky": return .unavailable("host down")
            case "other": return .user(AuthenticatedUser(id: "someone-else", name: "S"))
            case let id?: return .user(AuthenticatedUser(id: id, name: "Host name of \(id)"))
            case nil: return .refused("no id")
            }
        }
    }

    @Test("/ws/notify: confirmed users get their events; refused, unavailable and mismatched tokens are closed")
    func notifyConfirmsUsers() async throws {
        let base = EventsTests()
        let dir = try makeTemporaryDirectory("events-host")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let app = try await base.makeHarness(dir)
        var notify = NotifyEndpoint(
            dispatcher: app.app.events.dispatcher, jwtSecret: base.secret, connections: app.app.events.connections)
        notify.userSource = HostUsers(secret: base.secret)
        var router = Router()
        notify.install(on: &router)
        let harness = RouterHarness(router: router)

        #expect(try await harness.connect("/ws/notify?token=\(base.token("gone"))").closeCode?.rawValue == 4403)
        #expect(try await harness.connect("/ws/notify?token=\(base.token("flaky"))").closeCode?.rawValue == 1013)
        #expect(try await harness.connect("/ws/notify?token=\(base.token("other"))").closeCode?.rawValue == 4403)
        #expect(try await harness.connect("/ws/notify?token=garbage").closeCode?.rawValue == 4001)
        let alice = try await harness.connect("/ws/notify?token=\(base.token("alice"))")
        #expect(alice.closeCode == nil)
        _ = await app.app.events.dispatcher.emit("toast", data: "hi", to: .user("alice"))
        let events = try await base.waitJSON(alice, type: "event")
        #expect(events.first?["event"] == "toast" && events.first?["data"] == "hi")
        await alice.close()
    }

    @Test("AuthOutcome.check without a host source is the token check alone")
    func withoutSource() async {
        let base = EventsTests()
        let verifier = JWTVerifier(secret: base.secret)
        let result = await AuthOutcome.check(token: base.token("gone"), verifier: verifier, now: 0, confirmingWith: nil)
        #expect((try? result.get())?.id == "gone")
        let confirmed = await AuthOutcome.check(
            token: base.token("bob"), verifier: verifier, now: 0, confirmingWith: HostUsers(secret: base.secret))
        #expect((try? confirmed.get())?.name == "Host name of bob")
    }
}
