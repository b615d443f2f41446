import Testing
import Wire
import YCRDT
@testable import Tandem

/// `RedisDocumentStorage` against a real redis-server: the stream, the compacted state, the lease and its fencing.
@Suite(.serialized)
struct ClusterStorageTests {
    private func xlen(_ node: ClusterNode, _ id: String) async throws -> Int64? {
        try await node.client.send(RESPCommand("XLEN", node.keys.log(id))).intValue
    }

    @Test("An append is in the stream when it returns; a load reads the state and the entries after it")
    func appendAndLoad() async throws {
        let server = try RedisServerProcess()
        let node = try testClusterNode(server.url, nodeID: "a")
        let storage = node.makeStorage(documentID: "doc")
        let updates = (0..<5).map { textUpdate("x\($0)", client: UInt64($0 + 10)) }
        _ = try await offPool { try storage.load(limit: 1 << 20) }
        try await offPool { for update in updates { try storage.append(update) } }
        #expect(try await xlen(node, "doc") == 5)
        #expect(storage.logRecordCount == 5)
        let other = node.makeStorage(documentID: "doc")
        let contents = try await offPool { try other.load(limit: 1 << 20) }
        #expect(contents.state == nil)
        #expect(contents.log == updates)
        await #expect(throws: StorageError.self) { try await offPool { try other.load(limit: 10) } }
    }

    @Test("Reads past a batch: a load and a pull return every entry, in order")
    func batches() async throws {
        let server = try RedisServerProcess()
        var settings = ClusterSettings()
        settings.keyPrefix = "t"
        settings.readBatch = 3
        let client = RedisClient(configuration: try testRedisConfiguration(server.url))
        let writer = RedisDocumentStorage(documentID: "d", client: client, keys: ClusterKeys(prefix: "t"), settings: settings)
        let reader = RedisDocumentStorage(documentID: "d", client: client, keys: ClusterKeys(prefix: "t"), settings: settings)
        let updates = (0..<10).map { textUpdate("u\($0)", client: UInt64($0 + 1)) }
        try await offPool {
            _ = try writer.load(limit: 1 << 20)
            for update in updates.prefix(7) { try writer.append(update) }
        }
        let loaded = try await offPool { try reader.load(limit: 1 << 20) }
        #expect(loaded.log == Array(updates.prefix(7)))
        try await offPool { for update in updates.suffix(3) { try writer.append(update) } }
        let pulled = try await offPool { try reader.pull() }
        #expect(pulled.state == nil)
        #expect(pulled.entries.map(\.update) == Array(updates.suffix(3)))
        #expect(try await offPool { try writer.pull() }.entries.isEmpty, "own appends are not read back")
    }

    @Test("Compaction writes the state with the id it covers and trims the stream only up to that id")
    func compaction() async throws {
        let server = try RedisServerProcess()
        let node = try testClusterNode(server.url, nodeID: "a")
        let a = node.makeStorage(documentID: "doc")
        let b = node.makeStorage(documentID: "doc")
        _ = try await offPool { try a.load(limit: 1 << 20) }
        _ = try await offPool { try b.load(limit: 1 << 20) }
        var live = LiveDocument()
        for index in 0..<3 {
            let update = textUpdate("a\(index)", client: UInt64(index + 1))
            try await offPool { try a.append(update) }
            try live.apply(update)
        }
        // b appends one that a has not applied: a's state may not cover it, and it must stay in the stream.
        let fromB = textUpdate("b", client: 99)
        try await offPool { try b.append(fromB) }
        let state = live.encodeState()
        try await offPool { try a.writeState(state) }
        #expect(a.wroteLastState)
        #expect(try await xlen(node, "doc") == 1)
        let covered = try await node.client.send(RESPCommand("HGET", node.keys.state("doc"), "id")).bytesValue
        let remaining = try await node.client.send(RESPCommand("XRANGE", node.keys.log("doc"), "-", "+")).arrayValue?.first
        let remainingID = try #require(remaining.flatMap(RedisDocumentStorage.entry)?.id)
        #expect(covered.flatMap(StreamID.init(bytes:)) == remainingID.predecessor)
        // a then pulls b's update (read ahead during the write) and a fresh load sees everything exactly once.
        #expect(try await offPool { try a.pull() }.entries.map(\.update) == [fromB])
        let fresh = node.makeStorage(documentID: "doc")
        let contents = try await offPool { try fresh.load(limit: 1 << 20) }
        #expect(contents.log == [fromB])
        var loaded = LiveDocument()
        try loaded.apply(try #require(contents.state))
        for record in contents.log { try loaded.apply(record) }
        #expect(try textOf(loaded.encodeState()).count == 7)
    }

    @Test("A room behind a compaction receives the state instead of the trimmed entries")
    func behindCompaction() async throws {
        let server = try RedisServerProcess()
        let node = try testClusterNode(server.url, nodeID: "a")
        let a = node.makeStorage(documentID: "doc")
        let slow = node.makeStorage(documentID: "doc")
        _ = try await offPool { try a.load(limit: 1 << 20) }
        _ = try await offPool { try slow.load(limit: 1 << 20) }
        let update = textUpdate("hello", client: 7)
        try await offPool { try a.append(update) }
        try await offPool { try a.writeState(update) }
        #expect(try await xlen(node, "doc") == 0)
        let pulled = try await offPool { try slow.pull() }
        #expect(pulled.state == update)
        #expect(pulled.entries.isEmpty)
    }

    @Test("Only the lease holder writes; a superseded fencing token can never write or trim")
    func fencing() async throws {
        let server = try RedisServerProcess()
        let node = try testClusterNode(server.url, nodeID: "a")
        let a = node.makeStorage(documentID: "doc")
        let b = node.makeStorage(documentID: "doc")
        _ = try await offPool { try a.load(limit: 1 << 20) }
        _ = try await offPool { try b.load(limit: 1 << 20) }
        let first = textUpdate("one", client: 1)
        try await offPool { try a.append(first) }
        try await offPool { try a.writeState(first) }
        #expect(a.wroteLastState)
        try await offPool { try b.writeState(first) }
        #expect(!b.wroteLastState, "b is behind a's compaction")
        #expect(try await offPool { try b.pull() }.state == first)
        try await offPool { try b.writeState(first) }
        #expect(!b.wroteLastState, "a holds the lease")
        // a's lease expires (a paused node): b takes it with a higher fencing token.
        _ = try await node.client.send(RESPCommand("DEL", node.keys.lease("doc")))
        let second = textUpdate("two", client: 2)
        try await offPool { try b.append(second) }
        try await offPool { try b.writeState(second) }
        #expect(b.wroteLastState)
        #expect(try await node.client.send(RESPCommand("HGET", node.keys.state("doc"), "fence")).bytesValue == Array("2".utf8))
        // a wakes up believing it still holds the lease (token 1): the script refuses it.
        let stale = RESPCommand("SET", node.keys.lease("doc"), "someone-else")
        _ = try await node.client.send(stale)
        try await offPool { try a.writeState(first) }
        #expect(!a.wroteLastState)
        #expect(try await node.client.send(RESPCommand("HGET", node.keys.state("doc"), "fence")).bytesValue == Array("2".utf8))
        // Even with the lease key forged back to a's token, a's fencing token is older than the stored one.
        _ = try await node.client.send(RESPCommand("DEL", node.keys.lease("doc")))
        _ = try await node.client.send(RESPCommand("SET", node.keys.fence("doc"), "1"))
        let script = try await node.client.evaluate(
            ClusterScripts.acquire, keys: [Array(node.keys.lease("doc").utf8), Array(node.keys.fence("doc").utf8)],
            arguments: [Array("forged".utf8), Array("1000".utf8)])
        #expect(script.intValue == 2)
        _ = try await node.client.send(RESPCommand("SET", node.keys.fence("doc"), "1"))
        await #expect(throws: RedisError.self) {
            try await node.client.evaluate(
                ClusterScripts.writeState,
                keys: [node.keys.lease("doc"), node.keys.fence("doc"), node.keys.state("doc"), node.keys.log("doc")].map { Array($0.utf8) },
                arguments: [Array("forged".utf8), Array("1".utf8), [0, 0], Array("9999999999999-0".utf8), Array("9999999999999-1".utf8)])
        }
    }

    @Test("Redis unreachable: an append throws (the room refuses the update) and the node is not ready")
    func unreachable() async throws {
        let server = try RedisServerProcess()
        var settings = ClusterSettings()
        settings.commandTimeout = .milliseconds(300)
        let redis = try testRedisConfiguration(server.url)
        let node = ClusterNode(client: RedisClient(configuration: redis), subscriber: RedisSubscriber(configuration: redis), settings: settings)
        let manager = DocumentManager(configuration: { var c = memoryConfiguration(); node.configure(&c); return c }(), notes: nil)
        await node.start(manager: manager)
        try await eventually("ready") { await node.isReady() }
        try await manager.join("doc", peer: peer("a"), outbound: RecordingOutbound())
        server.stop()
        await #expect(throws: DocumentRefusal.self) {
            try await manager.applyUpdate("doc", update: textUpdate("lost", client: 5), from: peer("a"))
        }
        #expect(await !node.isReady())
        try server.start()
        try await eventually("ready again", timeout: .seconds(5)) { await node.isReady() }
        try await manager.applyUpdate("doc", update: textUpdate("kept", client: 6), from: peer("a"))
        await node.stop()
    }
}
