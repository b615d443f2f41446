import Foundation
import Testing
import Wire
@testable import Tandem

/// The note backends against the same expectations: files (one node) and Redis (cluster mode, a real
/// redis-server), Docs/cluster.md "Notes and channels in Redis".
@Suite(.serialized)
struct NoteStorageTests {
    static func note(_ id: String, owner: String = "owner", access: JSONValue = [:], updated: Int64 = 2_000_000)
        -> Note
    {
        Note(
            id: id, userID: owner, title: "T \(id)", data: ["content": ["json": ["type": "doc"], "md": "x"]],
            accessControl: access, createdAt: 1_000_000, updatedAt: updated)
    }

    @Test("A note is created, read, updated and deleted; a restarted store and another node read the same", arguments: StoreBackend.allCases)
    func createReadUpdateDelete(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        let store = try fixture.notes()
        var note = Self.note("n/1:é")
        try await store.save(note)
        #expect(try await store.note(note.id) == note)
        #expect(try await fixture.otherNodeNotes().note(note.id) == note)
        note.title = "changed"
        note.accessGrants = [["principal_type": "user", "principal_id": "*", "permission": "read"]]
        note.updatedAt += 1
        try await store.save(note)
        #expect(try await fixture.reopenedNotes().note(note.id) == note)
        // Ids are compared by bytes: the NFD spelling is another note.
        #expect(try await store.note("n/1:e\u{301}") == nil)
        let store2 = try fixture.notes()
        #expect(try await store2.delete(note.id))
        #expect(try await !store2.delete(note.id))
        #expect(try await store2.note(note.id) == nil)
        #expect(try await fixture.reopenedNotes().note(note.id) == nil)
    }

    @Test("Lists hold the notes a user may read, newest change first", arguments: StoreBackend.allCases)
    func listing(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        let store = try fixture.notes()
        try await store.save(Self.note("old", access: .null, updated: 1_000_000))
        try await store.save(Self.note("mine", owner: "alice", updated: 5_000_000))
        try await store.save(Self.note("private", updated: 3_000_000))
        try await store.save(Self.note("granted", access: ["read": ["user_ids": ["alice"]]], updated: 4_000_000))
        let other = try fixture.otherNodeNotes()
        #expect(try await other.notes(readableBy: "alice", isAdmin: false, groups: []).map(\.id) == ["mine", "granted", "old"])
        #expect(try await other.notes(readableBy: "bob", isAdmin: false, groups: []).map(\.id) == ["old"])
        #expect(try await other.notes(readableBy: "root", isAdmin: true, groups: []).map(\.id) == ["mine", "granted", "private", "old"])
    }

    @Test("A note over the size limit is neither stored nor read", arguments: StoreBackend.allCases)
    func sizeLimit(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        fixture.maxNoteBytes = 4_096
        let store = try fixture.notes()
        var big = Self.note("big")
        big.data["content"] = ["md": .string(String(repeating: "x", count: 5_000))]
        await #expect(throws: StorageError.self) { try await store.save(big) }
        #expect(try await store.note("big") == nil)
        #expect(try await fixture.rawNote("big") == nil)
        // One written behind the store's back is not read either (nor listed).
        try await fixture.writeRawNote("big", Array(big.json.serialized().utf8))
        let reopened = try fixture.reopenedNotes()
        #expect(try await reopened.note("big") == nil)
        #expect(try await reopened.notes(readableBy: "owner", isAdmin: true, groups: []).isEmpty)
    }

    @Test("Unreadable entries are skipped, left as they are, and never overwritten", arguments: StoreBackend.allCases)
    func malformed(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        let junk = Array("{\"id\": \"bad\", truncated".utf8)
        try await fixture.writeRawNote("bad", junk)
        try await fixture.writeRawNote("array", Array("[1,2,3]".utf8))
        try await fixture.writeRawNote("alias", Array(Self.note("someone-else").json.serialized().utf8))
        let store = try fixture.notes()
        try await store.save(Self.note("good"))
        #expect(try await store.notes(readableBy: "owner", isAdmin: false, groups: []).map(\.id) == ["good"])
        #expect(try await store.note("bad") == nil)
        #expect(try await store.note("alias") == nil)
        await #expect(throws: StorageError.self) { try await store.save(Self.note("bad")) }
        #expect(try await fixture.rawNote("bad") == junk)
    }

    @Test("Two nodes writing at once see each other's notes", arguments: StoreBackend.allCases)
    func concurrentNodes(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        let (a, b) = (try fixture.notes(), try fixture.otherNodeNotes())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask { try await (i % 2 == 0 ? a : b).save(Self.note("n\(i)", updated: Int64(i + 1) * 1_000_000)) }
            }
            try await group.waitForAll()
        }
        let expected = (0..<20).reversed().map { "n\($0)" }
        #expect(try await a.notes(readableBy: "owner", isAdmin: false, groups: []).map(\.id) == expected)
        #expect(try await b.notes(readableBy: "owner", isAdmin: false, groups: []).map(\.id) == expected)
    }

    @Test("A Redis list reads the index a page at a time and stops at its limit")
    func redisListLimit() async throws {
        let fixture = try StoreFixture(.redis)
        fixture.settings.listBatch = 3
        fixture.settings.maxListedNotes = 7
        let store = try fixture.notes()
        for i in 0..<10 { try await store.save(Self.note("n\(i)", updated: Int64(i + 1) * 1_000_000)) }
        #expect(try await store.notes(readableBy: "owner", isAdmin: false, groups: []).map(\.id) == (3..<10).reversed().map { "n\($0)" })
    }

    @Test("A Redis failure is a storage error, not a trap or an empty answer")
    func redisDown() async throws {
        let fixture = try StoreFixture(.redis)
        let store = try fixture.notes()
        try await store.save(Self.note("n"))
        fixture.stopRedis()
        await #expect(throws: StorageError.self) { _ = try await store.note("n") }
        await #expect(throws: StorageError.self) { _ = try await store.notes(readableBy: "owner", isAdmin: false, groups: []) }
        await #expect(throws: StorageError.self) { try await store.save(Self.note("m")) }
    }
}
