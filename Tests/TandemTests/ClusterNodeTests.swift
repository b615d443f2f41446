import Testing
import Wire
import YCRDT
@testable import Tandem

/// Two "nodes" in one process — each a DocumentManager with its own ClusterNode and Redis connections — serving
/// one document with members on both.
@Suite(.serialized)
struct ClusterNodeTests {
    private func makeNode(
        _ url: String, _ id: String, nodeTTL: Duration = .seconds(10), metrics: MetricsRegistry? = nil,
        saveDelay: Duration = .milliseconds(50)
    ) async throws -> (ClusterNode, DocumentManager) {
        let node = try testClusterNode(url, nodeID: id, nodeTTL: nodeTTL, metrics: metrics)
        var configuration = memoryConfiguration()
        configuration.saveDelay = saveDelay
        configuration.compactionUpdates = 20
        node.configure(&configuration)
        let manager = DocumentManager(configuration: configuration, notes: nil)
        await node.start(manager: manager)
        return (node, manager)
    }

    @Test("Updates accepted on either node reach members on both, exactly once, and the states converge")
    func converge() async throws {
        let server = try RedisServerProcess()
        let (nodeA, a) = try await makeNode(server.url, "node-a")
        let (nodeB, b) = try await makeNode(server.url, "node-b")
        let (outA, outB) = (RecordingOutbound(), RecordingOutbound())
        try await a.join("doc", peer: peer("pa"), outbound: outA)
        try await b.join("doc", peer: peer("pb"), outbound: outB)
        _ = outA.take()
        _ = outB.take()
        var sent: [[UInt8]] = []
        for index in 0..<30 {
            let update = textUpdate("w\(index)", client: UInt64(100 + index))
            sent.append(update)
            if index % 2 == 0 {
                try await a.applyUpdate("doc", update: update, from: peer("pa"))
            } else {
                try await b.applyUpdate("doc", update: update, from: peer("pb"))
            }
        }
        var receivedB: [[UInt8]] = []
        var receivedA: [[UInt8]] = []
        try await eventually("both nodes have all 30 updates", timeout: .seconds(5)) {
            receivedA += outA.take("ydoc:document:update").compactMap { $0["update"]?.byteArrayValue }
            receivedB += outB.take("ydoc:document:update").compactMap { $0["update"]?.byteArrayValue }
            return receivedA.count >= 15 && receivedB.count >= 15
        }
        // Each member receives the other node's updates exactly once, in the order they were appended.
        #expect(receivedB == sent.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        #expect(receivedA == sent.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
        let stateA = try #require(await a.state("doc"))
        let stateB = try #require(await b.state("doc"))
        #expect(try textOf(stateA) == textOf(stateB))
        #expect(try textOf(stateA).count == sent.count * 2 + 20)
        // Compaction ran (20 updates) on one node; a third node loads the state and the tail and agrees.
        let (nodeC, c) = try await makeNode(server.url, "node-c")
        try await c.join("doc", peer: peer("pc"), outbound: RecordingOutbound())
        #expect(try textOf(try #require(await c.state("doc"))) == textOf(stateA))
        let trimmed = try await nodeA.client.send(RESPCommand("XLEN", nodeA.keys.log("doc"))).intValue ?? 0
        #expect(trimmed < 30)
        for node in [nodeA, nodeB, nodeC] { await node.stop() }
    }

    @Test("A room overtaken by another node's compaction relays only what it lacked, not the whole state")
    func compactionOvertakesRoom() async throws {
        let server = try RedisServerProcess()
        let (nodeA, a) = try await makeNode(server.url, "node-a")
        let outA = RecordingOutbound()
        try await a.join("doc", peer: peer("pa"), outbound: outA)
        let own = textUpdate("mine", client: 100)
        try await a.applyUpdate("doc", update: own, from: peer("pa"))
        _ = outA.take()
        // Another node appended two updates and compacted past them before this node read them: the stream was
        // trimmed and only the state (covering this room's own update too) holds them. Written as one transaction
        // and announced as an append would be.
        let (first, second) = (textUpdate("one", client: 101), textUpdate("two", client: 102))
        var merged = Document(clientID: 1)
        for update in [own, first, second] { merged.apply(try Update(v1: update)) }
        let covered = "9999999999999-0"
        _ = try await nodeA.client.pipeline([
            RESPCommand("MULTI"),
            RESPCommand("HSET", nodeA.keys.state("doc"), "id", covered, "fence", "1", "state", merged.encodeStateAsUpdate()),
            RESPCommand("XTRIM", nodeA.keys.log("doc"), "MINID", covered),
            RESPCommand("EXEC"),
        ])
        _ = try await nodeA.client.send(RESPCommand("PUBLISH", nodeA.keys.updates("doc"), "node-b \(covered)"))
        var relayed: [[UInt8]] = []
        try await eventually("the compacted state reached the room", timeout: .seconds(5)) {
            relayed += outA.take("ydoc:document:update").compactMap { $0["update"]?.byteArrayValue }
            return !relayed.isEmpty
        }
        // One update with exactly the two structs the room lacked; the member's own text is not sent back.
        #expect(relayed.count == 1)
        let update = try Update(v1: try #require(relayed.first))
        #expect(update.sections.filter { !$0.blocks.isEmpty }.map(\.client).sorted() == [101, 102])
        #expect(try textOf(try #require(await a.state("doc"))) == textOf(merged.encodeStateAsUpdate()))
        await nodeA.stop()
    }

    @Test("Awareness crosses nodes; a dead node's members' awareness is cleared on the others")
    func awarenessAndLiveness() async throws {
        let server = try RedisServerProcess()
        let (nodeA, a) = try await makeNode(server.url, "node-a", nodeTTL: .milliseconds(400))
        let (nodeB, b) = try await makeNode(server.url, "node-b", nodeTTL: .milliseconds(400))
        let outA = RecordingOutbound()
        let outB = RecordingOutbound()
        try await a.join("doc", peer: peer("pa"), outbound: outA)
        try await b.join("doc", peer: peer("yb", kind: .yWebSocket), outbound: outB)
        _ = outB.take()
        try await a.awarenessFromJSON("doc", bytes: Array(#"{"42":{"user":{"name":"A"},"cursor":null}}"#.utf8), from: peer("pa"))
        var seen: [AwarenessUpdate] = []
        try await eventually("node b's y-websocket member sees node a's cursor", timeout: .seconds(3)) {
            seen += outB.takeAwareness()
            return seen.contains { $0.entries.contains { $0.client == 42 && !$0.isRemoval } }
        }
        // node a dies without a word: it stops renewing its presence key.
        await nodeA.stop()
        _ = try await nodeB.client.send(RESPCommand("DEL", nodeB.keys.node("node-a")))
        try await eventually("node a's awareness is cleared on node b", timeout: .seconds(3)) {
            outB.takeAwareness().contains { $0.entries.contains { $0.client == 42 && $0.isRemoval } }
        }
        await nodeB.stop()
    }

    @Test("A dead node's sessions leave Open WebUI's session pool; pub/sub lag, streams and Redis round trips are measured")
    func deadNodeSessionsAndMetrics() async throws {
        let server = try RedisServerProcess()
        let registry = MetricsRegistry()
        // No save (and so no compaction) during the test: the stream keeps its entries for the gauges.
        let (nodeA, a) = try await makeNode(server.url, "node-a", metrics: registry, saveDelay: .seconds(60))
        let (nodeB, b) = try await makeNode(server.url, "node-b", saveDelay: .seconds(60))
        // A node that recorded two sids in the pool and died (no presence key); s3 belongs to someone else.
        let client = nodeA.client
        _ = try await client.pipeline([
            RESPCommand("SADD", "t:nodes", "ghost"), RESPCommand("SADD", "t:node:ghost:sids", "s1", "s2"),
            RESPCommand("HSET", "t:session_pool", "s1", #"{"id":"u1"}"#, "s2", #"{"id":"u2"}"#, "s3", #"{"id":"u3"}"#),
            // …and had online users in a channel, beside a live node's.
            RESPCommand("SADD", "t:node:ghost:channels", "c1"),
            RESPCommand("HSET", "t:channel:c1:online", "ghost", #"[{"id":"u1"}]"#, "node-x", #"[{"id":"u9"}]"#),
        ])
        func exists(_ command: RESPCommand) async throws -> Bool { try await client.send(command).intValue == 1 }
        try await eventually("the ghost's sessions leave the pool", timeout: .seconds(5)) {
            let s1 = try await exists(RESPCommand("HEXISTS", "t:session_pool", "s1"))
            let s2 = try await exists(RESPCommand("HEXISTS", "t:session_pool", "s2"))
            let ghost = try await exists(RESPCommand("SISMEMBER", "t:nodes", "ghost"))
            let online = try await exists(RESPCommand("HEXISTS", "t:channel:c1:online", "ghost"))
            return !s1 && !s2 && !ghost && !online
        }
        #expect(try await exists(RESPCommand("HEXISTS", "t:channel:c1:online", "node-x")))
        #expect(try await !exists(RESPCommand("EXISTS", "t:node:ghost:channels")))
        #expect(try await exists(RESPCommand("HEXISTS", "t:session_pool", "s3")))
        #expect(try await !exists(RESPCommand("EXISTS", "t:node:ghost:sids")))
        #expect(try await exists(RESPCommand("SISMEMBER", "t:nodes", "node-a")))
        #expect(try await exists(RESPCommand("SISMEMBER", "t:nodes", "node-b")))

        // Updates appended on node b reach node a's member; node a measures the notification's lag and the stream.
        let out = RecordingOutbound()
        try await a.join("doc", peer: peer("pa"), outbound: out)
        try await b.join("doc", peer: peer("pb"), outbound: RecordingOutbound())
        for index in 0..<3 { try await b.applyUpdate("doc", update: textUpdate("u\(index)", client: UInt64(500 + index)), from: peer("pb")) }
        var received = 0
        try await eventually("node a hears and measures", timeout: .seconds(5)) {
            received += out.take("ydoc:document:update").count
            let text = registry.render()
            return (EventsMetricsTests.sample(text, "tandem_cluster_pubsub_lag_seconds_count") ?? 0) >= 1
                && (EventsMetricsTests.sample(text, "tandem_cluster_stream_entries_max") ?? 0) >= 3 && received == 3
        }
        let text = registry.render()
        #expect((EventsMetricsTests.sample(text, #"tandem_redis_command_duration_seconds_count{client="cluster"}"#) ?? 0) > 0)
        #expect((EventsMetricsTests.sample(text, "tandem_cluster_stream_entries") ?? 0) >= 3)
        #expect(registry.namingProblems().isEmpty)
        // A node that stops leaves the node set at once.
        await nodeB.stop()
        #expect(try await !exists(RESPCommand("SISMEMBER", "t:nodes", "node-b")))
        await nodeA.stop()
    }
}
