import Testing
import Wire
@testable import Tandem

final class Recorded: Sendable {
    let events = Locked<[JSONValue]>([])
    func withLock<T>(_ body: (inout [JSONValue]) -> T) -> T { events.withLock { body(&$0) } }
}

/// Two nodes' channel presence sharing one Redis: who is online counts both, and joins and leaves are announced
/// once for the cluster (Docs/cluster.md, "Channel presence").
struct ClusterChannelPresenceTests {
    /// A node: its Socket.IO server, its presence shared through Redis, and the presence events of channel `c`.
    struct Node {
        let server: SocketIOServer
        let presence: ChannelPresence
        let events = Recorded()

        let shared: ClusterChannelPresence

        init(_ url: String, id: String, checkInterval: Duration = .seconds(5)) async throws {
            self.server = SocketIOServer(configuration: SocketIOConfiguration())
            self.presence = ChannelPresence(server: server)
            let client = RedisClient(configuration: try testRedisConfiguration(url))
            self.shared = ClusterChannelPresence(
                client: client, keys: ClusterKeys(prefix: "t"), nodeID: id, timeout: .milliseconds(500),
                checkInterval: checkInterval)
            await presence.share(through: shared)
            let events = self.events
            _ = await server.addRoomTap(room: .channel("c")) { name, arguments in
                if name == ChannelPresence.eventName, let payload = arguments.first { events.withLock { $0.append(payload) } }
            }
        }

        /// The presence events so far, as "joined alice [alice, bob]", removed from the record.
        func take() -> [String] {
            events.withLock { list in
                defer { list.removeAll() }
                return list.map { event in
                    let online = (event["online"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
                    return "\(event["type"]?.stringValue ?? "?") \(event["user"]?["id"]?.stringValue ?? "?") \(online)"
                }
            }
        }
    }

    static func user(_ id: String) -> AuthenticatedUser { AuthenticatedUser(id: id, name: id.uppercased(), role: "user") }

    @Test("Online users of every node are listed; a user online on two nodes joins and leaves once")
    func acrossNodes() async throws {
        let redis = try RedisServerProcess()
        let one = try await Node(redis.url, id: "n1")
        let two = try await Node(redis.url, id: "n2")
        let other = RedisClient(configuration: try testRedisConfiguration(redis.url))
        func field(_ node: String) async throws -> String? {
            try await other.send(RESPCommand("HGET", "t:channel:c:online", node)).stringValue
        }

        await one.presence.add("c", user: Self.user("alice"), key: "a1")
        #expect(one.take() == [#"joined alice ["alice"]"#])
        try await eventually("node 1's list in Redis") { try await field("n1") != nil }
        #expect(try await field("n1") == #"[{"id":"alice","name":"ALICE","role":"user"}]"#)

        await two.presence.add("c", user: Self.user("bob"), key: "b1")
        #expect(two.take() == [#"joined bob ["alice", "bob"]"#])
        #expect(await one.presence.onlineUsers("c").map(\.id) == ["alice", "bob"])
        try await eventually("node 2's list in Redis") { try await field("n2") != nil }

        // Alice opens a second connection, on node 2: already online in the cluster, so nothing is announced …
        await two.presence.add("c", user: Self.user("alice"), key: "a2")
        try await eventually("alice in node 2's list") { try await field("n2")?.contains(#""alice""#) == true }
        // … and when she closes the one on node 1 she is still online (on node 2): no "left" either.
        await one.presence.remove("c", userID: "alice", key: "a1")
        try await eventually("node 1's field deleted") { try await field("n1") == nil }
        await two.presence.remove("c", userID: "bob", key: "b1")
        #expect(two.take() == [#"left bob ["alice"]"#])
        #expect(one.take().isEmpty)
        // Node 2 writes its new list (without bob) through its writing task, shortly after.
        try await eventually("node 2's list without bob") { await one.presence.onlineUsers("c").map(\.id) == ["alice"] }

        await two.presence.remove("c", userID: "alice", key: "a2")
        #expect(two.take() == ["left alice []"])
        try await eventually("node 2's field deleted") { try await field("n2") == nil }
        #expect(try await other.send(RESPCommand("EXISTS", "t:node:n1:channels", "t:node:n2:channels")) == .integer(0))
    }

    @Test("Unreadable fields of other nodes are skipped; a Redis failure leaves the node's own list")
    func unreadableAndFailure() async throws {
        let redis = try RedisServerProcess()
        let one = try await Node(redis.url, id: "n1")
        let other = RedisClient(configuration: try testRedisConfiguration(redis.url))
        _ = try await other.send(RESPCommand(
            "HSET", "t:channel:c:online", "n7", "not json", "n8", #"[{"name":"no id"}, 5, {"id":"carol"}]"#))
        await one.presence.add("c", user: Self.user("alice"), key: "a1")
        #expect(await one.presence.onlineUsers("c").map(\.id) == ["alice", "carol"])
        #expect(one.take() == [#"joined alice ["alice", "carol"]"#])
        redis.stop()
        #expect(await one.presence.onlineUsers("c").map(\.id) == ["alice"])
    }

    @Test("The node's lists heal: after a Redis restart, after the other nodes removed them, and stale fields go")
    func heals() async throws {
        let redis = try RedisServerProcess()
        let one = try await Node(redis.url, id: "n1", checkInterval: .milliseconds(100))
        let other = RedisClient(configuration: try testRedisConfiguration(redis.url))
        func field(_ channel: String) async throws -> String? {
            try await other.send(RESPCommand("HGET", "t:channel:\(channel):online", "n1")).stringValue
        }
        await one.presence.add("c", user: Self.user("alice"), key: "a1")
        await one.presence.add("d", user: Self.user("bob"), key: "b1")
        try await eventually("both lists written", timeout: .seconds(10)) {
            let c = try await field("c"), d = try await field("d")
            return c != nil && d != nil
        }

        // The other nodes took this one for dead during a pause and removed its fields and its channel set; a
        // stale field of a channel it no longer has users in was left too.
        _ = try await other.pipeline([
            RESPCommand("MULTI"),
            RESPCommand("HDEL", "t:channel:c:online", "n1"),
            RESPCommand("HDEL", "t:channel:d:online", "n1"),
            RESPCommand("DEL", "t:node:n1:channels"),
            RESPCommand("HSET", "t:channel:gone:online", "n1", #"[{"id":"zed","name":"Z","role":"user"}]"#),
            RESPCommand("SADD", "t:node:n1:channels", "gone"),
            RESPCommand("EXEC"),
        ])
        try await eventually("rewritten, the stale field removed", timeout: .seconds(10)) {
            let c = try await field("c"), d = try await field("d"), gone = try await field("gone")
            return c?.contains("alice") == true && d?.contains("bob") == true && gone == nil
        }

        // Redis restarts empty while a user leaves and another joins: the writes fail, then everything is rewritten.
        redis.stop()
        await one.presence.remove("c", userID: "alice", key: "a1")
        await one.presence.add("c", user: Self.user("carol"), key: "c1")
        try await eventually("the writes failed", timeout: .seconds(10)) { one.shared.isDirty }
        try redis.start()
        try await eventually("resynchronized after the outage", timeout: .seconds(20)) {
            let c = (try? await field("c")) ?? nil, d = (try? await field("d")) ?? nil
            return c?.contains("carol") == true && c?.contains("alice") == false && d?.contains("bob") == true
                && !one.shared.isDirty
        }
        let channels = try await other.send(RESPCommand("SMEMBERS", "t:node:n1:channels")).arrayValue?
            .compactMap(\.stringValue).sorted()
        #expect(channels == ["c", "d"])
    }
}
