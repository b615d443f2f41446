import Foundation
import Testing
import Wire
@testable import Tandem

@Suite("Notes")
struct NoteStoreTests {
    func sample(_ id: String = "n1", access: JSONValue = [:]) -> Note {
        Note(
            id: id, userID: "owner", title: "Title",
            data: ["content": ["json": ["type": "doc"], "html": "", "md": ""], "files": [1]],
            accessControl: access, createdAt: 1, updatedAt: 2)
    }

    @Test("Access: owner and admin always, grants for others, null is public read")
    func access() {
        let grants: JSONValue = ["read": ["user_ids": ["reader"]], "write": ["user_ids": ["writer"]]]
        let note = sample(access: grants)
        #expect(note.allows(.write, userID: "owner", isAdmin: false))
        #expect(note.allows(.write, userID: "someone", isAdmin: true))
        #expect(note.allows(.read, userID: "reader", isAdmin: false))
        #expect(!note.allows(.write, userID: "reader", isAdmin: false))
        #expect(note.allows(.read, userID: "writer", isAdmin: false))
        #expect(note.allows(.write, userID: "writer", isAdmin: false))
        #expect(!note.allows(.read, userID: "stranger", isAdmin: false))
        let publicNote = sample(access: .null)
        #expect(publicNote.allows(.read, userID: "stranger", isAdmin: false))
        #expect(!publicNote.allows(.write, userID: "stranger", isAdmin: false))
        let privateNote = sample(access: [:])
        #expect(!privateNote.allows(.read, userID: "stranger", isAdmin: false))
    }

    @Test("Notes survive a restart and JSON round-trips")
    func persistence() async throws {
        let dir = try makeTemporaryDirectory("notes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try NoteStore(dataDirectory: dir)
        try await store.save(sample("note/../1"))
        try await store.save(sample("n2", access: .null))
        let reopened = try NoteStore(dataDirectory: dir)
        #expect(await reopened.count == 2)
        #expect(await reopened.note("note/../1") == sample("note/../1"))
        #expect(await reopened.notes(readableBy: "stranger", isAdmin: false).map(\.id) == ["n2"])
        #expect(try await reopened.delete("n2"))
        #expect(try await !reopened.delete("n2"))
        #expect(await reopened.note("n2") == nil)
    }

    @Test("A corrupt note file is reported, kept, and never overwritten")
    func corruptFile() async throws {
        let dir = try makeTemporaryDirectory("notes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileIO.makeDirectories(dir + "/notes")
        let path = dir + "/notes/" + SafeFileName.encode("bad") + ".json"
        try FileIO.writeAtomically(Array("{\"id\": \"bad\", truncated".utf8), to: path)
        try FileIO.writeAtomically(Array("[1,2,3]".utf8), to: dir + "/notes/other.json")
        let store = try NoteStore(dataDirectory: dir)
        #expect(await store.count == 0)
        #expect(await store.isUnreadable("bad"))
        #expect(await store.unreadable.count == 2)
        await #expect(throws: StorageError.self) { try await store.save(sample("bad")) }
        #expect(try FileIO.read(path) == Array("{\"id\": \"bad\", truncated".utf8))
    }

    @Test("A note file whose id does not match its name is not loaded")
    func mismatchedName() async throws {
        let dir = try makeTemporaryDirectory("notes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileIO.makeDirectories(dir + "/notes")
        let forged = sample("victim").json.serialized()
        try FileIO.writeAtomically(Array(forged.utf8), to: dir + "/notes/attacker.json")
        let store = try NoteStore(dataDirectory: dir)
        #expect(await store.note("victim") == nil)
    }
}
