import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// The documents layer's latency histograms on `/metrics` (issue 18): join, relay and save, by Prometheus
/// conventions, through the whole application.
@Suite("Document latency histograms on /metrics", .serialized)
struct DocumentLatencyMetricsTests {
    let secret = "latency-secret"

    func token(_ id: String) -> String {
        JWTVerifier.sign(["id": .string(id), "name": .string(id.capitalized), "role": "user"], secret: secret)
    }

    /// `GET /metrics` through the harness' router, as text.
    func metricsText(_ harness: AppHarness) async throws -> String {
        guard case .handler(let handler) = harness.router.resolveHTTP(method: .get, path: "/metrics") else {
            Issue.record("no /metrics route")
            return ""
        }
        let response = try await handler(HTTPRequest(method: .get, target: "/metrics"))
        #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        return String(decoding: response.body, as: UTF8.self)
    }

    /// The value of the sample line `series` (name with its braces), or nil.
    func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    static let series: [(name: String, labels: String)] = [
        (DocumentLatencies.joinName, #"protocol="socketio""#), (DocumentLatencies.joinName, #"protocol="ywebsocket""#),
        (DocumentLatencies.relayName, #"protocol="socketio""#), (DocumentLatencies.relayName, #"protocol="ywebsocket""#),
        (DocumentLatencies.saveName, #"target="state""#), (DocumentLatencies.saveName, #"target="note""#),
    ]

    @Test("A join, an update from each protocol and a save show in the join, relay and save histograms")
    func joinRelaySave() async throws {
        let dir = try makeTemporaryDirectory("latency")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = AppConfiguration()
        configuration.documents.dataDirectory = dir
        configuration.documents.walSync = .never
        configuration.jwtSecret = secret
        let registry = MetricsRegistry()
        let harness = try await AppHarness(configuration: configuration, metrics: registry)
        try await harness.app.notes?.save(
            Note(id: "n", userID: "alice", title: "Timed", accessControl: ["write": ["user_ids": ["bob"]]], createdAt: 1, updatedAt: 1))

        // The series exist from the start, empty, with every bucket; the names follow the conventions.
        let before = try await metricsText(harness)
        for name in [DocumentLatencies.joinName, DocumentLatencies.relayName, DocumentLatencies.saveName] {
            #expect(before.contains("# TYPE \(name) histogram\n"))
            #expect(name.hasSuffix("_seconds"))
        }
        for (name, labels) in Self.series {
            #expect(sample(before, "\(name)_count{\(labels)}") == 0)
            #expect(sample(before, "\(name)_bucket{\(labels),le=\"0.001\"}") == 0)
        }
        #expect(registry.namingProblems() == [])
        #expect(!before.contains("document=") && !before.contains("note:n"))

        let updates = try fixtureUpdates(session: 1)
        let alice = try await HarnessSocketIOClient.connect(harness, token: token("alice"))
        await alice.emit("ydoc:document:join", ["document_id": "note:n", "user_id": "alice", "user_name": "Alice"])
        _ = try await alice.events("ydoc:document:state")
        let bob = try await harness.connect("/yjs/note:n?token=\(token("bob"))")
        try await eventually("bob joined") { await harness.app.manager.members(of: "note:n").count == 2 }
        await alice.emit("ydoc:document:update", ["document_id": "note:n", "update": .byteArray(updates[0])])
        try await eventually("the update at bob") { AppHarnessTests.yjsUpdates(bob).contains(updates[0]) }
        await bob.send(.binary(ProtocolMessage.sync(.update(updates[1])).encoded()))
        _ = try await alice.events("ydoc:document:update")
        // Both leave: the room saves its state, then writes the note.
        await bob.close()
        await alice.socket.close()
        try await eventually("the state and the note saved") {
            let text = try await metricsText(harness)
            return (sample(text, #"\#(DocumentLatencies.saveName)_count{target="note"}"#) ?? 0) >= 1
        }

        let after = try await metricsText(harness)
        for (name, labels) in Self.series {
            let count = try #require(sample(after, "\(name)_count{\(labels)}"), "\(name){\(labels)}")
            #expect(count >= 1, "\(name){\(labels)}")
            #expect((sample(after, "\(name)_sum{\(labels)}") ?? 0) > 0, "\(name){\(labels)}")
            // Cumulative buckets: +Inf holds every observation, and no bucket holds more than the next.
            var previous = 0.0
            for bound in MetricHistogram.latencyBuckets.map(MetricsRegistry.format) + ["+Inf"] {
                let bucket = try #require(sample(after, "\(name)_bucket{\(labels),le=\"\(bound)\"}"))
                #expect(bucket >= previous)
                previous = bucket
            }
            #expect(previous == count)
        }
        #expect(sample(after, #"\#(DocumentLatencies.joinName)_count{protocol="socketio"}"#) == 1)
        #expect(sample(after, #"\#(DocumentLatencies.joinName)_count{protocol="ywebsocket"}"#) == 1)
        #expect(registry.names(of: .histogram).filter { $0.hasPrefix("tandem_document_") }.sorted()
            == [DocumentLatencies.joinName, DocumentLatencies.relayName, DocumentLatencies.saveName])
        #expect(registry.namingProblems() == [])
        _ = await harness.app.shutdown()
    }
}
