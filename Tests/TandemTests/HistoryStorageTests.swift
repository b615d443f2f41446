import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// The two history backends, for the parameterised suite.
enum HistoryBackend: String, CaseIterable, Sendable {
    case files
    case redis
}

/// A store handed to ``offPool`` (each test uses one store from one queue at a time).
final class SharedHistory: @unchecked Sendable {
    let store: any HistoryStorage
    init(_ store: any HistoryStorage) { self.store = store }
    func list() throws -> [DocumentVersion] { try store.list() }
    func state(of id: String, limit: Int) throws -> [UInt8]? { try store.state(of: id, limit: limit) }
    func prune(maxVersions: Int, maxAgeMillis: Int64, now: Int64) throws -> Int {
        try store.prune(maxVersions: maxVersions, maxAgeMillis: maxAgeMillis, now: now)
    }
    func removeAll() throws { try store.removeAll() }
}

/// One backend's storage: opens store instances over the same files or the same Redis (another instance is another
/// node, or the same node after a restart), and writes malformed index entries behind the store's back.
final class HistoryFixture: @unchecked Sendable {
    let backend: HistoryBackend
    private var server: RedisServerProcess?
    private var folder = ""
    private var client: RedisClient?
    let keys = ClusterKeys(prefix: "t")

    init(_ backend: HistoryBackend) throws {
        self.backend = backend
        switch backend {
        case .files:
            folder = try makeTemporaryDirectory("history-storage") + "/history"
        case .redis:
            let server = try RedisServerProcess()
            self.server = server
            client = RedisClient(configuration: try testRedisConfiguration(server.url))
        }
    }

    /// A new store instance over the shared storage.
    func open() throws -> SharedHistory {
        switch backend {
        case .files: return SharedHistory(try HistoryStore(folder: folder))
        case .redis:
            guard let client else { throw StorageError(path: "", operation: "no client", code: 0) }
            return SharedHistory(RedisHistoryStorage(documentID: "doc", client: client, keys: keys, timeout: .seconds(2)))
        }
    }

    /// Adds index entries that do not decode (not JSON, missing fields, an id that is not its own) to the index.
    func injectMalformed() async throws {
        switch backend {
        case .files:
            let path = folder + "/index.json"
            let index = try #require(try FileIO.read(path, limit: 1 << 20))
            var entries = try #require(try JSONValue(parsing: index).arrayValue)
            entries += [.string("junk"), .object(["id": .int(7)]), .object(["nope": .bool(true)])]
            try FileIO.writeAtomically(Array(JSONValue.array(entries).serialized().utf8), to: path)
        case .redis:
            let client = try #require(client)
            var foreign = try #require(try open().list().first)
            foreign.id = "99"
            _ = try await client.send(
                RESPCommand(
                    "HSET", keys.versions("doc"), "x", "{not json", "7", #"{"id":"7"}"#, "8", foreign.json.serialized(),
                    "9", "[1,2]"))
        }
    }

    /// Every key of the history left in Redis (none for files).
    func redisKeys() async throws -> [String] {
        guard let client else { return [] }
        let reply = try await client.send(RESPCommand("KEYS", "t:doc:doc:version*"))
        return (reply.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Makes Redis unreachable.
    func stopRedis() { server?.stop() }
}

/// The history backends against the same expectations: files (Docs/history.md) and Redis (cluster mode,
/// Docs/cluster.md), the latter on a real redis-server.
@Suite(.serialized)
struct HistoryStorageTests {
    private static func add(_ shared: SharedHistory, _ kind: DocumentVersion.Kind, at time: Int64, state: [UInt8] = [0, 0])
        throws -> DocumentVersion
    {
        try shared.store.add(
            state: state, kind: kind, name: kind == .named ? "n\(time)" : nil, author: "alice", createdAt: time,
            preview: "p\(time)", stateVector: [0])
    }

    @Test("Versions are added, listed oldest first and read back, also by a store opened later", arguments: HistoryBackend.allCases)
    func addListRead(_ backend: HistoryBackend) async throws {
        let fixture = try HistoryFixture(backend)
        let store = try fixture.open()
        let added = try await offPool {
            [try Self.add(store, .named, at: 1, state: [1, 2, 3]), try Self.add(store, .automatic, at: 2, state: [4])]
        }
        #expect(added.map(\.id) == ["1", "2"])
        #expect(added[0].size == 3)
        let listed = try await offPool { try store.list() }
        #expect(listed == added)
        #expect(try await offPool { try store.state(of: "1", limit: 100) } == [1, 2, 3])
        #expect(try await offPool { try store.state(of: "404", limit: 100) } == nil)
        await #expect(throws: StorageError.self) { _ = try await offPool { try store.state(of: "1", limit: 2) } }
        let reopened = try fixture.open()
        #expect(try await offPool { try reopened.list() } == added)
        #expect(try await offPool { try reopened.state(of: "2", limit: 100) } == [4])
    }

    @Test("Retention drops the oldest automatic versions first, then by age; dropped states are gone", arguments: HistoryBackend.allCases)
    func retention(_ backend: HistoryBackend) async throws {
        let fixture = try HistoryFixture(backend)
        let store = try fixture.open()
        try await offPool { for i in 0..<5 { _ = try Self.add(store, i == 0 ? .named : .automatic, at: Int64(i)) } }
        #expect(try await offPool { try store.prune(maxVersions: 3, maxAgeMillis: 1000, now: 10) } == 2)
        #expect(try await offPool { try store.list() }.map(\.id) == ["1", "4", "5"])
        #expect(try await offPool { try store.state(of: "2", limit: 100) } == nil)
        #expect(try await offPool { try store.prune(maxVersions: 3, maxAgeMillis: 5, now: 10) } == 2)
        #expect(try await offPool { try store.prune(maxVersions: 3, maxAgeMillis: 5, now: 10) } == 0)
        #expect(try await offPool { try fixture.open().list() }.map(\.id) == ["1"])
        // Deleting the document deletes its whole history.
        try await offPool { try store.removeAll() }
        #expect(try await offPool { try fixture.open().list() }.isEmpty)
        #expect(try await fixture.redisKeys().isEmpty)
    }

    @Test("Malformed index entries are skipped, the others still listed", arguments: HistoryBackend.allCases)
    func malformedEntries(_ backend: HistoryBackend) async throws {
        let fixture = try HistoryFixture(backend)
        let store = try fixture.open()
        let version = try await offPool { try Self.add(store, .named, at: 1) }
        try await fixture.injectMalformed()
        let reopened = try fixture.open()
        #expect(try await offPool { try reopened.list() } == [version])
        #expect(try await offPool { try Self.add(reopened, .automatic, at: 2) }.id != version.id)
    }

    @Test("Two nodes adding at once on the same Redis never reuse an id, and each sees the other's versions")
    func idsAcrossNodes() async throws {
        let fixture = try HistoryFixture(.redis)
        let (a, b) = (try fixture.open(), try fixture.open())
        async let fromA = offPool { try (0..<20).map { try Self.add(a, .named, at: Int64($0)).id } }
        async let fromB = offPool { try (0..<20).map { try Self.add(b, .named, at: Int64($0)).id } }
        let ids = try await fromA + fromB
        #expect(Set(ids).count == 40)
        #expect(try await offPool { try a.list() }.count == 40)
        #expect(try await offPool { try b.list() }.map(\.id) == (1...40).map(String.init))
        // Both nodes pruning at once drop each version once and leave only listed, readable ones.
        async let prunedA = offPool { try a.prune(maxVersions: 10, maxAgeMillis: 1 << 40, now: 100) }
        async let prunedB = offPool { try b.prune(maxVersions: 10, maxAgeMillis: 1 << 40, now: 100) }
        #expect(try await prunedA + prunedB == 30)
        let left = try await offPool { try a.list() }
        #expect(left.map(\.id) == (31...40).map(String.init))
        #expect(try await fixture.redisKeys().count == 10 + 2)  // states, index, counter
    }

    @Test("A Redis failure is a storage error, not a trap")
    func redisDown() async throws {
        let fixture = try HistoryFixture(.redis)
        let store = try fixture.open()
        fixture.stopRedis()
        await #expect(throws: StorageError.self) { _ = try await offPool { try store.list() } }
        await #expect(throws: StorageError.self) { _ = try await offPool { try Self.add(store, .named, at: 1) } }
    }
}
