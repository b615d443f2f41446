import Foundation
import Testing
import Wire
@testable import Tandem

/// The Redis outbox's index sets (``OutboxScripts``): appends and acknowledgements never read the user's whole hash,
/// every key shares the expiry, a hash written before the index existed is indexed once, and an acknowledgement for
/// a user without an outbox creates nothing. The semantics themselves are ``OutboxStoreTests``'.
@Suite(.serialized)
struct RedisOutboxIndexTests {
    func indexKeys(_ keys: ClusterKeys, _ user: String) -> [String] {
        [keys.outbox(user), keys.outboxPending(user), keys.outboxDelivered(user), keys.outboxCreated(user)]
    }

    /// How many times Redis ran `command` since the last `CONFIG RESETSTAT` (script calls included).
    func calls(_ client: RedisClient, _ command: String) async throws -> Int {
        let info = try await client.send(RESPCommand("INFO", "commandstats")).stringValue ?? ""
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_\(command):calls=") {
            return Int(line.dropFirst("cmdstat_\(command):calls=".count).prefix { $0.isNumber }) ?? -1
        }
        return 0
    }

    @Test("Appends and acknowledgements work on the index: no HGETALL once indexed; every key has the expiry")
    func proportional() async throws {
        let fixture = try OutboxFixture(.redis, settings: OutboxStoreTests.settings(maxPerUser: 5))
        let store = fixture.store
        let client = try #require(try fixture.redis())
        _ = try await store.append(userID: "u", event: "e", data: 0, now: 1_000)  // indexes the (new) hash
        _ = try await client.send(RESPCommand("CONFIG", "RESETSTAT"))
        var ids: [Int64] = []
        for n in 1...12 {
            ids.append(try await store.append(userID: "u", event: "e", data: .int(Int64(n)), now: 1_000 + Double(n)).id)
            if n % 3 == 0, n < 12 { _ = try await store.acknowledge(userID: "u", upTo: ids.last ?? 0, now: 1_000 + Double(n)) }
        }
        #expect(try await calls(client, "zadd") >= 12)  // the statistics see commands run inside scripts
        #expect(try await calls(client, "hgetall") == 0)
        // A resume reads the pending entries only, through the index.
        _ = try await store.acknowledge(userID: "u", upTo: ids[9], now: 1_013)
        #expect(try await store.pending(userID: "u", after: ids[9], now: 1_013).map(\.id) == Array(ids.suffix(2)))
        #expect(try await store.pending(userID: "u", after: 0, now: 1_013).map(\.id) == Array(ids.suffix(2)))
        #expect(try await calls(client, "hgetall") == 0)
        #expect(Set(ids).count == 12 && ids == ids.sorted())
        // The bound held with delivered-first eviction: the last five are kept.
        #expect(try await store.entries(userID: "u", now: 1_020).map(\.id) == Array(ids.suffix(5)))
        for key in indexKeys(fixture.keys, "u") {
            let ttl = try await client.send(RESPCommand("PTTL", key)).intValue ?? -1
            #expect(ttl > 0 && ttl <= 100_000, "\(key)")
        }
        await client.close()
    }

    @Test("A hash written before the index existed is indexed once: bound, eviction and acks as before")
    func legacyHash() async throws {
        let fixture = try OutboxFixture(.redis, settings: OutboxStoreTests.settings(maxPerUser: 2))
        let client = try #require(try fixture.redis())
        let key = fixture.keys.outbox("old")
        _ = try await client.send(RESPCommand(
            "HSET", key, "next", "3",
            "1", #"{"op":"add","id":1,"event":"e","data":1,"created_at":1000,"delivered_at":1001}"#,
            "2", #"{"op":"add","id":2,"event":"e","data":2,"created_at":1000}"#))
        _ = try await client.send(RESPCommand("PEXPIRE", key, "100000"))
        let store = fixture.store
        #expect(try await store.append(userID: "old", event: "e", data: 3, now: 1_002).id == 3)  // evicts delivered 1
        #expect(try await store.entries(userID: "old", now: 1_002).map(\.id) == [2, 3])
        await #expect(throws: OutboxError.full(2)) { try await store.append(userID: "old", event: "e", data: 4, now: 1_003) }
        #expect(try await store.acknowledge(userID: "old", upTo: 2, now: 1_003) == 1)
        #expect(try await store.append(userID: "old", event: "e", data: 4, now: 1_004).id == 4)
        #expect(try await store.pending(userID: "old", after: 0, now: 1_004).map(\.id) == [3, 4])
        #expect(try await client.send(RESPCommand("HGET", key, "indexed")).stringValue == "1")
        await client.close()
    }

    @Test("An acknowledgement for a user without an outbox creates no key; stale index keys of a gone hash are reset")
    func noStrayKeys() async throws {
        let fixture = try OutboxFixture(.redis, settings: OutboxStoreTests.settings(maxPerUser: 3))
        let client = try #require(try fixture.redis())
        #expect(try await fixture.store.acknowledge(userID: "nobody", upTo: 5, now: 1_000) == 0)
        for key in indexKeys(fixture.keys, "nobody") {
            #expect(try await client.send(RESPCommand("EXISTS", key)).intValue == 0, "\(key)")
        }
        // The hash disappears (its TTL) a moment before its index sets: the next append starts a fresh index.
        _ = try await fixture.store.append(userID: "w", event: "e", data: 1, now: 1_000)
        _ = try await fixture.store.append(userID: "w", event: "e", data: 2, now: 1_000)
        _ = try await client.send(RESPCommand("DEL", fixture.keys.outbox("w")))
        let next = try await fixture.store.append(userID: "w", event: "e", data: 3, now: 1_001)
        #expect(next.id == 3)
        #expect(try await client.send(RESPCommand("ZCARD", fixture.keys.outboxCreated("w"))).intValue == 1)
        #expect(try await fixture.store.pending(userID: "w", after: 0, now: 1_001).map(\.id) == [3])
        await client.close()
    }
}
