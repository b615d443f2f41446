import Foundation
import Testing
import Wire
@testable import Tandem

/// The backends of the durable outbox, each with the storage it needs (a data directory, or a private redis-server).
enum OutboxBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case file, redis

    var testDescription: String { rawValue }
}

/// One outbox under test and what it stands on; removed (directory, redis-server) when released.
final class OutboxFixture: @unchecked Sendable {
    let backend: OutboxBackend
    let settings: OutboxSettings
    let store: any OutboxStore
    private let directory: String?
    let server: RedisServerProcess?
    let keys = ClusterKeys(prefix: "t")

    init(_ backend: OutboxBackend, settings: OutboxSettings) throws {
        self.backend = backend
        self.settings = settings
        switch backend {
        case .file:
            let directory = try makeTemporaryDirectory("outbox")
            self.directory = directory
            self.server = nil
            self.store = try EventOutbox(dataDirectory: directory, settings: settings)
        case .redis:
            let server = try RedisServerProcess()
            self.directory = nil
            self.server = server
            self.store = RedisOutbox(client: RedisClient(configuration: try testRedisConfiguration(server.url)), keys: keys, settings: settings)
        }
    }

    deinit {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Another node's store on the same storage: a second client on the same Redis; the file backend has one host,
    /// so it is the same store.
    func secondNode() throws -> any OutboxStore {
        guard let server else { return store }
        return RedisOutbox(client: RedisClient(configuration: try testRedisConfiguration(server.url)), keys: keys, settings: settings)
    }

    /// A client of the Redis backend's server, for reading and planting keys.
    func redis() throws -> RedisClient? {
        try server.map { RedisClient(configuration: try testRedisConfiguration($0.url)) }
    }

    /// Stores `user`'s outbox with unreadable entries around one readable entry of id 5 (pending, created at 1000).
    func plantMalformed(user: String) async throws {
        let valid = #"{"op":"add","id":5,"event":"e","data":1,"created_at":1000}"#
        switch backend {
        case .file:
            let path = (directory ?? "") + "/outbox/" + SafeFileName.encode(user) + ".ylog"
            let records: [[UInt8]] = [
                Array("not json".utf8), Array(#"{"op":"add","id":"x"}"#.utf8), Array(valid.utf8),
                Array(#"{"op":"add","id":4,"event":"e","data":1,"created_at":1000}"#.utf8),
                Array(#"{"op":"ack","upto":"z"}"#.utf8), Array(#"{"op":"huh"}"#.utf8), [0xFF, 0xFE],
            ]
            try FileIO.writeAtomically(WALFormat.encode(records), to: path)
        case .redis:
            guard let client = try redis() else { return }
            let fields: [(String, [UInt8])] = [
                ("1", Array("not json".utf8)), ("2", [0xFF, 0xFE]), ("3", Array("[1,2]".utf8)),
                ("4", Array(#"{"op":"add","id":"x"}"#.utf8)), ("5", Array(valid.utf8)), ("junk", Array("{}".utf8)),
            ]
            var arguments: [any RESPArgument] = [keys.outbox(user)]
            for (field, value) in fields { arguments += [field, value] }
            _ = try await client.send(RESPCommand("HSET", arguments: arguments))
            await client.close()
        }
    }

    /// What the Redis key's TTL does to an abandoned outbox (the file backend keeps its log).
    func dropAbandoned(user: String) async throws {
        guard let client = try redis() else { return }
        _ = try await client.send(RESPCommand("DEL", keys.outbox(user)))
        await client.close()
    }
}

/// ``OutboxStore``'s semantics, the same expectations for the file backend and the Redis backend of cluster mode.
@Suite(.serialized)
struct OutboxStoreTests {
    static func settings(maxPerUser: Int = 3) -> OutboxSettings {
        var settings = OutboxSettings()
        settings.maxPerUser = maxPerUser
        settings.expiry = .seconds(100)
        settings.syncPolicy = .never
        return settings
    }

    @Test("Appends get strictly increasing ids per user and read back in order", arguments: OutboxBackend.allCases)
    func appendAndIDs(_ backend: OutboxBackend) async throws {
        let fixture = try OutboxFixture(backend, settings: Self.settings())
        let store = fixture.store
        let first = try await store.append(userID: "u", event: "a", data: ["n": 1], now: 1_000)
        let second = try await store.append(userID: "u", event: "b", data: ["n": 2], now: 1_001)
        let other = try await store.append(userID: "user:with:colons", event: "c", data: "x", now: 1_001)
        #expect(first.id >= 1)
        #expect(second.id == first.id + 1)
        #expect(other.id >= 1)
        let entries = try await store.entries(userID: "u", now: 1_002)
        #expect(entries == [first, second])
        #expect(entries.map(\.status) == ["pending", "pending"])
        #expect(entries.first?.data == ["n": 1])
        #expect(try await store.entries(userID: "user:with:colons", now: 1_002) == [other])
        #expect(try await store.entries(userID: "nobody", now: 1_002).isEmpty)
        await #expect(throws: OutboxError.tooLarge(fixture.settings.maxEventBytes)) {
            try await store.append(userID: "u", event: "e", data: .string(String(repeating: "x", count: 70_000)), now: 1_002)
        }
    }

    @Test("At the bound the oldest delivered events go first; all pending refuses with .full", arguments: OutboxBackend.allCases)
    func boundEvictionRefusal(_ backend: OutboxBackend) async throws {
        let fixture = try OutboxFixture(backend, settings: Self.settings(maxPerUser: 3))
        let store = fixture.store
        var ids: [Int64] = []
        for n in 0..<3 { ids.append(try await store.append(userID: "u", event: "e", data: .int(Int64(n)), now: 1_000).id) }
        await #expect(throws: OutboxError.full(3)) { try await store.append(userID: "u", event: "e", data: 9, now: 1_000) }
        #expect(try await store.acknowledge(userID: "u", upTo: ids[1], now: 1_001) == 2)
        let fourth = try await store.append(userID: "u", event: "e", data: 3, now: 1_002)
        #expect(fourth.id == ids[2] + 1, "the refused append used no id")
        #expect(try await store.entries(userID: "u", now: 1_002).map(\.id) == [ids[1], ids[2], fourth.id])
        let fifth = try await store.append(userID: "u", event: "e", data: 4, now: 1_002)
        #expect(try await store.entries(userID: "u", now: 1_002).map(\.id) == [ids[2], fourth.id, fifth.id])
        await #expect(throws: OutboxError.full(3)) { try await store.append(userID: "u", event: "e", data: 5, now: 1_002) }
    }

    @Test("Expired events are neither pending nor listed, and ids continue after everything expired", arguments: OutboxBackend.allCases)
    func expiry(_ backend: OutboxBackend) async throws {
        let fixture = try OutboxFixture(backend, settings: Self.settings())
        let store = fixture.store
        let old = try await store.append(userID: "u", event: "e", data: 1, now: 1_000)
        let newer = try await store.append(userID: "u", event: "e", data: 2, now: 1_050)
        #expect(try await store.pending(userID: "u", after: 0, now: 1_101).map(\.id) == [newer.id])
        #expect(try await store.entries(userID: "u", now: 1_151).isEmpty)
        // Expired events do not count toward the bound.
        for n in 0..<3 { _ = try await store.append(userID: "u", event: "e", data: .int(Int64(n)), now: 1_200) }
        #expect(try await store.pending(userID: "u", after: 0, now: 1_200).count == 3)
        // Once the whole outbox is abandoned (Redis: the key's TTL), a new id is still above every old one.
        let last = try await store.entries(userID: "u", now: 1_200).last?.id ?? 0
        try await fixture.dropAbandoned(user: "u")
        let again = try await store.append(userID: "u", event: "e", data: 3, now: 1_400)
        #expect(again.id > last)
        #expect(again.id > old.id)
    }

    @Test("Acknowledgements are cumulative; pending(after:) lists what is left", arguments: OutboxBackend.allCases)
    func acknowledgeAndPending(_ backend: OutboxBackend) async throws {
        let fixture = try OutboxFixture(backend, settings: Self.settings(maxPerUser: 10))
        let store = fixture.store
        var ids: [Int64] = []
        for n in 0..<4 { ids.append(try await store.append(userID: "u", event: "e", data: .int(Int64(n)), now: 1_000).id) }
        #expect(try await store.pending(userID: "u", after: ids[1], now: 1_000).map(\.id) == [ids[2], ids[3]])
        #expect(try await store.acknowledge(userID: "u", upTo: ids[2], now: 1_010) == 3)
        #expect(try await store.acknowledge(userID: "u", upTo: ids[2], now: 1_011) == 0, "acknowledged once")
        #expect(try await store.acknowledge(userID: "u", upTo: 0, now: 1_011) == 0)
        #expect(try await store.pending(userID: "u", after: 0, now: 1_012).map(\.id) == [ids[3]])
        let entries = try await store.entries(userID: "u", now: 1_012)
        #expect(entries.map(\.status) == ["delivered", "delivered", "delivered", "pending"])
        #expect(entries.first?.deliveredAt == 1_010)
        #expect(entries.first?.data == 0)
        #expect(try await store.acknowledge(userID: "u", upTo: 1_000_000, now: 1_020) == 1)
        #expect(try await store.pending(userID: "u", after: 0, now: 1_020).isEmpty)
    }

    @Test("Unreadable entries are skipped by reads, acknowledgements and the bound", arguments: OutboxBackend.allCases)
    func malformedEntriesSkipped(_ backend: OutboxBackend) async throws {
        let fixture = try OutboxFixture(backend, settings: Self.settings(maxPerUser: 2))
        try await fixture.plantMalformed(user: "v")
        let store = fixture.store
        #expect(try await store.pending(userID: "v", after: 0, now: 1_000).map(\.id) == [5])
        #expect(try await store.append(userID: "v", event: "e", data: 1, now: 1_000).id == 6)
        #expect(try await store.acknowledge(userID: "v", upTo: 6, now: 1_001) == 2)
        #expect(try await store.entries(userID: "v", now: 1_001).map(\.id) == [5, 6])
        #expect(try await store.append(userID: "v", event: "e", data: 1, now: 1_002).id == 7)
        #expect(try await store.entries(userID: "v", now: 1_002).map(\.id) == [6, 7])
    }

    @Test("Two nodes appending for one user at once never reuse an id or exceed the bound", arguments: OutboxBackend.allCases)
    func twoNodes(_ backend: OutboxBackend) async throws {
        let fixture = try OutboxFixture(backend, settings: Self.settings(maxPerUser: 30))
        let nodes = [fixture.store, try fixture.secondNode()]
        let results = await withTaskGroup(of: Result<Int64, OutboxError>.self) { group in
            for index in 0..<40 {
                let node = nodes[index % 2]
                group.addTask {
                    do throws(OutboxError) {
                        return .success(try await node.append(userID: "u", event: "e", data: .int(Int64(index)), now: 1_000).id)
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<Int64, OutboxError>] = []
            for await result in group { all.append(result) }
            return all
        }
        let ids = results.compactMap { try? $0.get() }
        #expect(ids.count == 30)
        #expect(Set(ids).count == ids.count)
        #expect(results.filter { if case .failure(.full(30)) = $0 { true } else { false } }.count == 10)
        #expect(try await nodes[1].entries(userID: "u", now: 1_000).map(\.id) == ids.sorted())
        #expect(try await nodes[1].acknowledge(userID: "u", upTo: ids.max() ?? 0, now: 1_001) == 30)
        #expect(try await nodes[0].pending(userID: "u", after: 0, now: 1_001).isEmpty)
    }

    @Test("Redis: the user's hash has the expiry as TTL; a Redis failure is .storage")
    func redisTTLAndFailure() async throws {
        let fixture = try OutboxFixture(.redis, settings: Self.settings())
        _ = try await fixture.store.append(userID: "u", event: "e", data: 1, now: 1_000)
        let client = try #require(try fixture.redis())
        let ttl = try await client.send(RESPCommand("PTTL", fixture.keys.outbox("u"))).intValue ?? -1
        #expect(ttl > 0 && ttl <= 100_000)
        #expect(try await client.send(RESPCommand("GET", fixture.keys.outboxSequence)).stringValue == "1")
        await client.close()
        let url = try #require(fixture.server?.url)
        let store = RedisOutbox(
            client: RedisClient(configuration: try testRedisConfiguration(url, commandTimeout: .milliseconds(300))),
            keys: fixture.keys, settings: fixture.settings)
        fixture.server?.stop()
        await #expect {
            try await store.append(userID: "u", event: "e", data: 2, now: 1_001)
        } throws: { error in
            if case OutboxError.storage = error { true } else { false }
        }
        await #expect {
            try await store.pending(userID: "u", after: 0, now: 1_001)
        } throws: { error in
            if case OutboxError.storage = error { true } else { false }
        }
    }
}
