import Testing
import Wire
@testable import Tandem

/// Calls of the events API to `/ws/notify` connections of another node (``ClusterCalls``), on a real redis-server:
/// an unreachable node, an unknown connection on a live node, malformed channel messages counted and dropped. The
/// answered call, its timeout and a closing connection are in `test_cluster.py` (two `tandem serve` nodes).
@Suite(.serialized)
struct ClusterCallsTests {
    private func makeNode(_ url: String, _ id: String, metrics: MetricsRegistry) async throws -> (ClusterNode, ClusterCalls) {
        let node = try testClusterNode(url, nodeID: id, metrics: metrics)
        var configuration = memoryConfiguration()
        node.configure(&configuration)
        await node.start(manager: DocumentManager(configuration: configuration, notes: nil))
        let calls = ClusterCalls(node: node, registry: NotifyRegistry(), answerGrace: .seconds(5))
        await calls.start()
        return (node, calls)
    }

    @Test("A call to a gone node fails at once; to an unknown connection of a live node, not found; garbage is counted")
    func failures() async throws {
        let server = try RedisServerProcess()
        let registry = MetricsRegistry()
        let (nodeA, callsA) = try await makeNode(server.url, "node-a", metrics: registry)
        let (nodeB, callsB) = try await makeNode(server.url, "node-b", metrics: MetricsRegistry())
        defer { withExtendedLifetime(callsB) {}; Task { await nodeA.stop(); await nodeB.stop() } }
        try await eventually("both call channels subscribed", timeout: .seconds(20)) {
            let reply = try? await nodeA.client.send(RESPCommand("PUBSUB", "NUMSUB", nodeA.keys.nodeCalls("node-a"), nodeA.keys.nodeCalls("node-b")))
            return reply?.arrayValue?.compactMap(\.intValue) == [1, 1]
        }

        let gone = await callsA.call(node: "node-z", target: "notify-1", event: "e", data: 1, timeout: .seconds(30))
        #expect(gone == .failure(.unreachable))
        let unknown = await callsA.call(node: "node-b", target: "notify-1", event: "e", data: 1, timeout: .seconds(30))
        #expect(unknown == .failure(.notFound))

        // Malformed messages on node a's channel: counted, dropped, nothing traps; an answer to no call is ignored.
        let channel = nodeA.keys.nodeCalls("node-a")
        for payload in [
            "not json", "[1]", #"{"kind":"call"}"#, #"{"kind":"what","call":"x"}"#,
            #"{"kind":"call","call":"x","from":"node-b","target":"notify-1","event":"e","timeout_ms":-5}"#,
        ] {
            _ = try await nodeB.client.send(RESPCommand("PUBLISH", channel, payload))
        }
        _ = try await nodeB.client.send(RESPCommand("PUBLISH", channel, #"{"kind":"answer","call":"nobody","data":1}"#))
        try await eventually("five malformed messages counted", timeout: .seconds(20)) {
            (EventsMetricsTests.sample(registry.render(), "tandem_cluster_malformed_total") ?? 0) >= 5
        }
        // Still serving calls afterwards.
        #expect(await callsA.call(node: "node-b", target: "notify-2", event: "e", data: 1, timeout: .seconds(30)) == .failure(.notFound))
    }
}
