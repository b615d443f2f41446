import Testing
import Wire
@testable import Tandem

/// `ydoc:user:joined` / `ydoc:user:left` and the `sessions` of a resync across two nodes in one process (each a
/// DocumentManager with its own ClusterNode and Redis connections) on one real redis-server.
@Suite(.serialized)
struct ClusterMemberTests {
    private func makeNode(
        _ url: String, _ id: String, nodeTTL: Duration = .seconds(10), metrics: MetricsRegistry? = nil,
        memberRefresh: Duration = .seconds(15), memberExpiry: Duration = .seconds(45)
    ) async throws -> (ClusterNode, DocumentManager) {
        let node = try testClusterNode(
            url, nodeID: id, nodeTTL: nodeTTL, metrics: metrics, memberRefresh: memberRefresh, memberExpiry: memberExpiry)
        var configuration = memoryConfiguration()
        node.configure(&configuration)
        let manager = DocumentManager(configuration: configuration, notes: nil)
        await node.start(manager: manager)
        return (node, manager)
    }

    /// The `sessions` of a resync answer to `peer`.
    private func sessions(_ manager: DocumentManager, _ out: RecordingOutbound, _ peer: DocumentPeer) async throws -> [String] {
        try await manager.resync("doc", peer: peer)
        let answer = try #require(out.take("ydoc:document:state").last)
        return answer["sessions"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test("Joins and leaves on one node reach the other's members with the room's name and colour; resync lists both nodes' members; a node loaded later learns who is there")
    func joinLeaveAndSessions() async throws {
        let server = try RedisServerProcess()
        let (nodeA, a) = try await makeNode(server.url, "node-a")
        let (nodeB, b) = try await makeNode(server.url, "node-b")
        let (outA, outB) = (RecordingOutbound(), RecordingOutbound())
        // B holds the document first; A loads it later and asks who is there: B answers with its member.
        try await b.join("doc", peer: peer("pb", user: "bob"), outbound: outB, color: "#123abc")
        try await a.join("doc", peer: peer("pa", user: "alice"), outbound: outA, color: "url(evil)")
        var joinedOnA: [JSONValue] = []
        try await eventually("node a's member learns node b's member", timeout: .seconds(5)) {
            joinedOnA += outA.take("ydoc:user:joined")
            return !joinedOnA.isEmpty
        }
        #expect(joinedOnA.count == 1)
        #expect(joinedOnA.first?["user_id"]?.stringValue == "bob")
        #expect(joinedOnA.first?["user_name"]?.stringValue == "Bob")
        #expect(joinedOnA.first?["user_color"]?.stringValue == "#123abc")
        // A's join reaches B's member with the name and colour A's room computed (the malformed colour replaced).
        var joinedOnB: [JSONValue] = []
        try await eventually("node b's member hears of node a's member", timeout: .seconds(5)) {
            joinedOnB += outB.take("ydoc:user:joined")
            return !joinedOnB.isEmpty
        }
        #expect(joinedOnB.count == 1)
        #expect(joinedOnB.first?["user_id"]?.stringValue == "alice")
        #expect(joinedOnB.first?["user_name"]?.stringValue == "Alice")
        #expect(joinedOnB.first?["user_color"]?.stringValue == MemberDisplay.derivedColor(userID: "alice"))
        #expect(try await sessions(b, outB, peer("pb", user: "bob")) == ["pa", "pb"])
        #expect(try await sessions(a, outA, peer("pa", user: "alice")) == ["pa", "pb"])

        // A's member leaves: B's member is told, and the resync lists B's member only.
        await a.leave("doc", peer: peer("pa", user: "alice"))
        var leftOnB: [JSONValue] = []
        try await eventually("node b's member hears node a's member leave", timeout: .seconds(5)) {
            leftOnB += outB.take("ydoc:user:left")
            return !leftOnB.isEmpty
        }
        #expect(leftOnB.map { $0["user_id"]?.stringValue } == ["alice"])
        #expect(try await sessions(b, outB, peer("pb", user: "bob")) == ["pb"])
        for node in [nodeA, nodeB] { await node.stop() }
    }

    @Test("A dead node's members are reported left on the others")
    func deadNodeMembersLeave() async throws {
        let server = try RedisServerProcess()
        let (nodeA, a) = try await makeNode(server.url, "node-a", nodeTTL: .milliseconds(400))
        let (nodeB, b) = try await makeNode(server.url, "node-b", nodeTTL: .milliseconds(400))
        let outB = RecordingOutbound()
        try await b.join("doc", peer: peer("pb"), outbound: outB)
        try await a.join("doc", peer: peer("pa1"), outbound: RecordingOutbound())
        try await a.join("doc", peer: peer("pa2"), outbound: RecordingOutbound())
        var joined: [JSONValue] = []
        try await eventually("node b's member hears of both members of node a", timeout: .seconds(5)) {
            joined += outB.take("ydoc:user:joined")
            return joined.count >= 2
        }
        // node a dies without a word: no `left` is published, its presence key is gone.
        await nodeA.stop()
        _ = try await nodeB.client.send(RESPCommand("DEL", nodeB.keys.node("node-a")))
        var left: [JSONValue] = []
        try await eventually("node a's members are reported left on node b", timeout: .seconds(5)) {
            left += outB.take("ydoc:user:left")
            return left.count >= 2
        }
        #expect(Set(left.compactMap { $0["user_id"]?.stringValue }) == ["pa1", "pa2"])
        #expect(try await sessions(b, outB, peer("pb")) == ["pb"])
        await nodeB.stop()
    }

    @Test("A member whose node stops announcing it expires (a lost `left` heals); malformed member messages are counted and dropped")
    func expiryAndMalformed() async throws {
        let server = try RedisServerProcess()
        let registry = MetricsRegistry()
        let (nodeB, b) = try await makeNode(
            server.url, "node-b", metrics: registry, memberRefresh: .milliseconds(300), memberExpiry: .seconds(1))
        let outB = RecordingOutbound()
        try await b.join("doc", peer: peer("pb"), outbound: outB)
        // A live node (its presence key kept) announces a member once and never again, as if its `left` was lost.
        let client = nodeB.client
        _ = try await client.send(RESPCommand("SET", nodeB.keys.node("ghost"), "1"))
        let message = ClusterMemberMessage(kind: .joined, nodeID: "ghost", peerID: "g1", userID: "gina", name: "Gina", color: "#fff")
        _ = try await client.send(RESPCommand("PUBLISH", nodeB.keys.awareness("doc"), message.encoded))
        _ = try await client.send(RESPCommand("PUBLISH", nodeB.keys.awareness("doc"), [0x54, 0x4D, 1, 1, 200]))
        var joined: [JSONValue] = []
        try await eventually("node b's member hears of the ghost's member", timeout: .seconds(5)) {
            joined += outB.take("ydoc:user:joined")
            return !joined.isEmpty
        }
        #expect(joined.first?["user_color"]?.stringValue == "#fff")
        try await eventually("the ghost's member expires", timeout: .seconds(10)) {
            outB.take("ydoc:user:left").contains { $0["user_id"]?.stringValue == "gina" }
        }
        #expect((EventsMetricsTests.sample(registry.render(), "tandem_cluster_malformed_total") ?? 0) >= 1)
        await nodeB.stop()
    }

    @Test("Remote members: announced once, forgotten on leave, node death or expiry")
    func remoteMemberState() {
        var state = RoomClusterState()
        let start = ContinuousClock.now
        func member(_ node: String, _ peer: String, at instant: ContinuousClock.Instant) -> RemoteMember {
            RemoteMember(nodeID: node, peerID: peer, userID: "u-" + peer, name: peer, color: "#000", lastSeen: instant)
        }
        let first = state.memberSeen(member("n1", "p1", at: start))
        let again = state.memberSeen(member("n1", "p1", at: start + .seconds(5)))
        let second = state.memberSeen(member("n1", "p2", at: start))
        let otherNode = state.memberSeen(member("n2", "p1", at: start))
        #expect(first && !again && second && otherNode)
        #expect(state.remotePeerIDs == ["p1", "p2"])
        let left = state.memberLeft(nodeID: "n1", peerID: "p2")
        let leftAgain = state.memberLeft(nodeID: "n1", peerID: "p2")
        #expect(left?.userID == "u-p2" && leftAgain == nil)
        // n1's p1 was announced again at +5 s; n2's p1 only at the start.
        let expired = state.expireMembers(seenBefore: start + .seconds(1))
        #expect(expired.map(\.nodeID) == ["n2"])
        let died = state.removeMembers(ofNode: "n1")
        #expect(died.map(\.peerID) == ["p1"])
        #expect(state.remoteMembers.isEmpty)
    }
}
