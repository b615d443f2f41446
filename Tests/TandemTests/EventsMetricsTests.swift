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
