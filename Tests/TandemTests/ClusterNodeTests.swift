import Testing
import Wire
import YCRDT
@testable import Tandem

/// Two "nodes" in one process — each a DocumentManager with its own ClusterNode and Redis connections — serving
/// one document with members on both.
@Suite(.serialized)
struct ClusterNodeTests {
    private func makeNode(_ url: String, _ id: String, nodeTTL: Duration = .seconds(10)) async throws -> (ClusterNode, DocumentManager) {
        let node = try testClusterNode(url, nodeID: id, nodeTTL: nodeTTL)
        var configuration = memoryConfiguration()
        configuration.saveDelay = .milliseconds(50)
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
}
