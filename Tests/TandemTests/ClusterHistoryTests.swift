import Testing
import Wire
import YCRDT
@testable import Tandem

/// History in cluster mode: two nodes in one process (each a DocumentManager with its own ClusterNode) share the
/// versions in Redis; automatic versions are taken by the compaction lease holder only.
@Suite(.serialized)
struct ClusterHistoryTests {
    private func makeNode(_ url: String, _ id: String) async throws -> (ClusterNode, DocumentManager) {
        let node = try testClusterNode(url, nodeID: id)
        var configuration = memoryConfiguration()
        configuration.saveDelay = .milliseconds(20)
        configuration.saveMaxWait = .milliseconds(50)
        configuration.historyInterval = .zero  // an automatic version after every save that follows a change
        node.configure(&configuration)
        let manager = DocumentManager(configuration: configuration, notes: nil)
        await node.start(manager: manager)
        return (node, manager)
    }

    @Test("A version taken on one node is listed and restored on the other; it survives both nodes")
    func sharedVersions() async throws {
        let server = try RedisServerProcess()
        let (nodeA, a) = try await makeNode(server.url, "node-a")
        let (nodeB, b) = try await makeNode(server.url, "node-b")
        let outA = RecordingOutbound()
        try await a.join("doc", peer: peer("pa"), outbound: outA)
        try await a.applyUpdate("doc", update: HistoryTests.client("first").1, from: peer("pa"))
        let named = try await a.createVersion("doc", name: "draft", author: "alice")
        _ = try await a.writeContent(
            "doc", MarkdownParser.parse("first\n\nchanged"), keepUnlistedAttributes: true, expectedVersion: nil,
            author: peer("pa"))
        #expect(try await b.versions("doc").contains(named))
        _ = outA.take()
        let restored = try await b.restore("doc", id: named.id, author: peer("pb", user: "bob"))
        #expect(restored.updateBytes > 2)
        try await eventually("node A's member has the restored content", timeout: .seconds(5)) {
            try await HistoryTests.markdown(a, "doc") == "first"
        }
        #expect(!outA.take("ydoc:document:update").isEmpty)
        #expect(try await b.versions("doc").contains { $0.kind == .beforeRestore })
        // A fresh node (a restart) still sees every version.
        for node in [nodeA, nodeB] { await node.stop() }
        let (nodeC, c) = try await makeNode(server.url, "node-c")
        #expect(try await c.versions("doc").contains(named))
        await nodeC.stop()
    }

    @Test("Automatic versions are taken only by the node holding the compaction lease")
    func automaticOnLeaseHolder() async throws {
        let server = try RedisServerProcess()
        let (nodeA, a) = try await makeNode(server.url, "node-a")
        let (nodeB, b) = try await makeNode(server.url, "node-b")
        try await a.join("doc", peer: peer("pa"), outbound: RecordingOutbound())
        try await b.join("doc", peer: peer("pb"), outbound: RecordingOutbound())
        for index in 0..<6 {
            let manager = index % 2 == 0 ? a : b
            let update = textUpdate("w\(index)", client: UInt64(50 + index))
            try await manager.applyUpdate("doc", update: update, from: peer(index % 2 == 0 ? "pa" : "pb"))
        }
        try await eventually("both nodes saved and automatic versions exist", timeout: .seconds(5)) {
            guard a.stats.saves > 0, b.stats.saves > 0 else { return false }
            return try await a.versions("doc").contains { $0.kind == .automatic }
        }
        let created = [a.stats.versionsCreated, b.stats.versionsCreated]
        #expect(created.filter { $0 == 0 }.count == 1, "one node holds the lease: \(created)")
        for node in [nodeA, nodeB] { await node.stop() }
    }
}
