import Foundation
import Testing
import Wire
@testable import Tandem

/// Plain connections of every node in the events API's session list (issue 15, cluster mode), on a real
/// redis-server: two nodes' tables, a dead node's entries removed, malformed entries skipped, and the per-user
/// limit counted across nodes (falling back to the node's own count when Redis cannot be read).
@Suite(.serialized)
struct ClusterConnectionsTests {
    @Test("A node's plain connections are listed by the other node, leave with their close, and with a dead node")
    func acrossNodes() async throws {
        let server = try RedisServerProcess()
        let nodeA = try testClusterNode(server.url, nodeID: "node-a")
        let nodeB = try testClusterNode(server.url, nodeID: "node-b")
        let tableA = ClusterConnections(client: nodeA.client, keys: nodeA.keys, nodeID: "node-a")
        let tableB = ClusterConnections(client: nodeB.client, keys: nodeB.keys, nodeID: "node-b")
        let connectionsA = UserConnections()
        tableA.attach(to: connectionsA)
        defer { tableA.finish() }

        #expect(connectionsA.register(.init(id: "notify-1", userID: "ann", kind: "notify", target: nil)))
        #expect(connectionsA.register(.init(id: "yws-2", userID: "ann", kind: "y-websocket", target: "doc")))
        #expect(connectionsA.register(.init(id: "sid-3", userID: "ann", kind: "socketio", target: nil)))  // counted by the limit
        var listed: [ClusterConnections.Listed] = []
        try await eventually("node b lists node a's three connections") {
            listed = await tableB.connections(ofUser: "ann") ?? []
            return listed.count == 3
        }
        #expect(listed == [
            .init(id: "notify-1", kind: "notify", target: nil, node: "node-a"),
            .init(id: "sid-3", kind: "socketio", target: nil, node: "node-a"),
            .init(id: "yws-2", kind: "y-websocket", target: "doc", node: "node-a"),
        ])

        connectionsA.unregister("notify-1")
        connectionsA.unregister("sid-3")
        try await eventually("the closed connections leave") {
            await tableB.connections(ofUser: "ann")?.map(\.id) == ["yws-2"]
        }
        // A malformed entry (another writer, a damaged value) is skipped.
        _ = try await nodeB.client.send(RESPCommand("HSET", nodeB.keys.userConnections("ann"), "node-x/1", "not json"))
        #expect(await tableB.connections(ofUser: "ann")?.map(\.id) == ["yws-2"])

        // Node a dies: node b removes its connections (with its sessions) and forgets the node.
        try await nodeB.removeConnections(ofDeadNode: "node-a")
        #expect(await tableB.connections(ofUser: "ann")?.map(\.id) == [])
        #expect(try await nodeB.client.send(RESPCommand("EXISTS", nodeB.keys.nodeConnections("node-a"))).intValue == 0)
    }

    @Test("The events API lists another node's plain connections as remote, and says when Redis cannot be read")
    func sessionsRoute() async throws {
        let base = EventsTests()
        let dir = try makeTemporaryDirectory("events-cluster-conns")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let harness = try await base.makeHarness(dir)
        var api = harness.app.events.api
        api.remoteConnections = { _ in [.init(id: "notify-9", kind: "notify", target: nil, node: "node-z")] }
        var router = Router()
        api.install(on: &router)
        let routes = RouterHarness(router: router)
        let (status, answer) = try await base.request(routes, .get, "/api/v1/events/sessions?user=ann")
        #expect(status == 200 && answer["cluster_connections"] == "ok")
        let remote = answer["sessions"]?.arrayValue?.first
        #expect(remote?["id"] == "notify-9" && remote?["host"] == "remote" && remote?["node"] == "node-z")
        api.remoteConnections = { _ in nil }
        var failing = Router()
        api.install(on: &failing)
        let (_, unavailable) = try await base.request(RouterHarness(router: failing), .get, "/api/v1/events/sessions?user=ann")
        #expect(unavailable["cluster_connections"] == "unavailable")
    }

    @Test("The per-user limit counts the user's connections on the other live nodes; without Redis, this node's")
    func limitAcrossNodes() async throws {
        let server = try RedisServerProcess()
        let nodeA = try testClusterNode(server.url, nodeID: "node-a")
        let nodeB = try testClusterNode(server.url, nodeID: "node-b")
        // Long timeouts: a slow round trip must not turn into the local-count fallback in the middle of the test.
        let tableA = ClusterConnections(client: nodeA.client, keys: nodeA.keys, nodeID: "node-a", timeout: .seconds(30))
        let tableB = ClusterConnections(client: nodeB.client, keys: nodeB.keys, nodeID: "node-b", timeout: .seconds(30))
        let connectionsA = UserConnections(maxPerUser: 2)
        let connectionsB = UserConnections(maxPerUser: 2)
        tableA.attach(to: connectionsA)
        tableB.attach(to: connectionsB)
        defer { tableA.finish(); tableB.finish() }
        connectionsA.admitAcrossNodes(with: tableA)
        connectionsB.admitAcrossNodes(with: tableB)
        // Connected first: an admission that cannot reach Redis in time falls back to the local count.
        try await nodeA.client.waitUntilConnected(timeout: .seconds(30))
        try await nodeB.client.waitUntilConnected(timeout: .seconds(30))
        // Both nodes alive (their presence keys; a running node renews its own).
        for node in ["node-a", "node-b"] { _ = try await nodeA.client.send(RESPCommand("SET", nodeA.keys.node(node), "1")) }

        #expect(await connectionsA.admit(.init(id: "sid-1", userID: "ann", kind: "socketio", target: nil)))
        #expect(await connectionsA.admit(.init(id: "notify-2", userID: "ann", kind: "notify", target: nil)))
        try await eventually("node b counts node a's two connections", timeout: .seconds(20)) { await tableB.count(ofUser: "ann") == 2 }
        #expect(await tableA.count(ofUser: "ann") == 0)  // its own are not "elsewhere"
        #expect(await connectionsB.admit(.init(id: "notify-7", userID: "ann", kind: "notify", target: nil)) == false)
        #expect(connectionsB.count(ofUser: "ann") == 0)
        #expect(await connectionsB.admit(.init(id: "notify-8", userID: "bob", kind: "notify", target: nil)))  // another user

        // A slot freed on node a is free on node b.
        connectionsA.unregister("notify-2")
        try await eventually("node b sees the slot", timeout: .seconds(20)) { await tableB.count(ofUser: "ann") == 1 }
        #expect(await connectionsB.admit(.init(id: "notify-9", userID: "ann", kind: "notify", target: nil)))
        try await eventually("node a counts node b's connection", timeout: .seconds(20)) { await tableA.count(ofUser: "ann") == 1 }
        #expect(await connectionsA.admit(.init(id: "yws-3", userID: "ann", kind: "y-websocket", target: "doc")) == false)

        // A dead node's connections stop counting as soon as its presence key is gone.
        _ = try await nodeB.client.send(RESPCommand("DEL", nodeB.keys.node("node-a")))
        #expect(await tableB.count(ofUser: "ann") == 0)
        #expect(await connectionsB.admit(.init(id: "notify-10", userID: "ann", kind: "notify", target: nil)))
        #expect(await connectionsB.admit(.init(id: "notify-11", userID: "ann", kind: "notify", target: nil)) == false)

        // Simultaneous connects of one user on both nodes: counting and reserving are one script, so exactly the
        // limit gets in, whatever the interleaving.
        _ = try await nodeA.client.send(RESPCommand("SET", nodeA.keys.node("node-a"), "1"))  // node a lives again
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                let (connections, node) = index % 2 == 0 ? (connectionsA, "a") : (connectionsB, "b")
                group.addTask { await connections.admit(.init(id: "notify-\(node)\(index)", userID: "dora", kind: "notify", target: nil)) }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 2)
        #expect(connectionsA.count(ofUser: "dora") + connectionsB.count(ofUser: "dora") == 2)
        // The refused ones left no reservation behind: the table holds exactly the two admitted.
        try await eventually("only the admitted connections are in the table", timeout: .seconds(20)) {
            await tableA.connections(ofUser: "dora")?.count == 2
        }

        // Redis unreachable: the count fails and only this node's connections count (never locked out, never
        // more than the limit on one node).
        let failures = MetricsRegistry().counter("failures", help: "test")
        let tableDown = ClusterConnections(
            client: nodeB.client, keys: nodeB.keys, nodeID: "node-b", timeout: .milliseconds(300), limitCheckFailures: failures)
        let connectionsDown = UserConnections(maxPerUser: 2)
        connectionsDown.admitAcrossNodes(with: tableDown)
        server.stop()
        #expect(await tableDown.count(ofUser: "carl") == nil)
        #expect(await connectionsDown.admit(.init(id: "notify-12", userID: "carl", kind: "notify", target: nil)))
        #expect(await connectionsDown.admit(.init(id: "notify-13", userID: "carl", kind: "notify", target: nil)))
        #expect(await connectionsDown.admit(.init(id: "notify-14", userID: "carl", kind: "notify", target: nil)) == false)
        #expect(failures.value == 3)
    }

    @Test("The mirror heals: entries removed behind the node's back come back, stale ones go, writes lost to an outage are redone")
    func mirrorHeals() async throws {
        let server = try RedisServerProcess()
        let node = try testClusterNode(server.url, nodeID: "node-a")
        let table = ClusterConnections(
            client: node.client, keys: node.keys, nodeID: "node-a", timeout: .milliseconds(500), checkInterval: .milliseconds(100))
        let connections = UserConnections()
        table.attach(to: connections)
        defer { table.finish() }
        #expect(connections.register(.init(id: "notify-1", userID: "ann", kind: "notify", target: nil)))
        #expect(connections.register(.init(id: "sid-2", userID: "bob", kind: "socketio", target: nil)))
        try await eventually("mirrored", timeout: .seconds(20)) {
            let ann = await table.connections(ofUser: "ann")?.count
            let bob = await table.connections(ofUser: "bob")?.count
            return ann == 1 && bob == 1
        }

        // Another node took this one for dead during a pause and removed its entries; a stale entry of a
        // connection this node no longer has is left too. One transaction: a check between separate commands could
        // see the node's hash already right while the stale user entry is not written yet, and never look again.
        _ = try await node.client.pipeline([
            RESPCommand("MULTI"),
            RESPCommand("DEL", node.keys.userConnections("ann"), node.keys.userConnections("bob")),
            RESPCommand("DEL", node.keys.nodeConnections("node-a")),
            RESPCommand("HSET", node.keys.nodeConnections("node-a"), "notify-9", "cy"),
            RESPCommand("HSET", node.keys.userConnections("cy"), "node-a/notify-9", "{}"),
            RESPCommand("EXEC"),
        ])
        try await eventually("restored and cleaned", timeout: .seconds(20)) {
            let ann = await table.connections(ofUser: "ann")?.map(\.id)
            let bob = await table.connections(ofUser: "bob")?.map(\.id)
            let cy = try? await node.client.send(RESPCommand("HLEN", node.keys.userConnections("cy"))).intValue
            return ann == ["notify-1"] && bob == ["sid-2"] && cy == 0
        }

        // A divergence that leaves the count equal (ann's entry lost, a stale one in its place): HLEN cannot see it,
        // the periodic full comparison does.
        _ = try await node.client.pipeline([
            RESPCommand("MULTI"),
            RESPCommand("DEL", node.keys.userConnections("ann")),
            RESPCommand("HDEL", node.keys.nodeConnections("node-a"), "notify-1"),
            RESPCommand("HSET", node.keys.nodeConnections("node-a"), "notify-8", "dan"),
            RESPCommand("HSET", node.keys.userConnections("dan"), "node-a/notify-8", "{}"),
            RESPCommand("EXEC"),
        ])
        try await eventually("an equal-count divergence healed", timeout: .seconds(20)) {
            let ann = await table.connections(ofUser: "ann")?.map(\.id)
            let dan = try? await node.client.send(RESPCommand("HLEN", node.keys.userConnections("dan"))).intValue
            return ann == ["notify-1"] && dan == 0
        }

        // Redis goes away while a connection closes and another opens: both are written once it is back.
        server.stop()
        connections.unregister("notify-1")
        #expect(connections.register(.init(id: "yws-3", userID: "ann", kind: "y-websocket", target: "doc")))
        try await eventually("the writes failed", timeout: .seconds(10)) { table.isDirty }
        try server.start()
        // The restarted Redis is empty (no persistence): everything the table holds is written again.
        try await eventually("resynchronized after the outage", timeout: .seconds(30)) {
            let ann = await table.connections(ofUser: "ann")?.map(\.id)
            let bob = await table.connections(ofUser: "bob")?.map(\.id)
            let stored = try? await node.client.send(RESPCommand("HLEN", node.keys.nodeConnections("node-a"))).intValue
            return ann == ["yws-3"] && bob == ["sid-2"] && stored == 2 && !table.isDirty
        }
    }
}
