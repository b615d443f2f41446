import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

@Suite("Document rooms")
struct DocumentManagerTests {
    @Test("Joining an empty document answers [0, 0] with the joiner in sessions")
    func emptyJoin() async throws {
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let out = RecordingOutbound()
        let canWrite = try await manager.join("doc-1", peer: peer("sid-a"), outbound: out)
        #expect(canWrite)
        let state = try #require(out.take("ydoc:document:state").first)
        #expect(state["document_id"] == "doc-1" && state["state"] == .byteArray([0, 0]))
    }

    @Test("Updates are relayed to every member but the sender, and joins see the merged state")
    func relayAndState() async throws {
        let updates = try fixtureUpdates(session: 1)
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let a = RecordingOutbound()
        let w = RecordingOutbound()
        try await manager.join("d", peer: peer("a"), outbound: a)
        try await manager.join("d", peer: peer("w", kind: .yWebSocket), outbound: w)
        #expect(w.take().first == .yjs(.sync(.step1(stateVector: [0]))), "y-websocket joiners get sync step 1")
        _ = a.take()
        for update in updates { try await manager.applyUpdate("d", update: update, from: peer("a")) }
        #expect(a.take("ydoc:document:update").isEmpty, "the sender gets nothing back")
        #expect(w.takeYjsUpdates() == updates)
        #expect(await manager.state("d") == (try fixtureState(session: 1)))
        let b = RecordingOutbound()
        try await manager.join("d", peer: peer("b"), outbound: b)
        let state = try #require(b.take("ydoc:document:state").first)
        #expect(state["state"]?.byteArrayValue == (try fixtureState(session: 1)))
        let joined = a.take("ydoc:user:joined")
        #expect(joined.first?["user_id"] == "b")
        try await manager.applyUpdate("d", update: updates[0], from: peer("b"))
        #expect(a.take("ydoc:document:update").first?["socket_id"] == "b")
    }

    @Test("An invalid update is refused, not stored and not relayed", arguments: [[UInt8]([1]), [0, 0, 7], [1, 1, 5, 0, 4, 1, 1, 120]])
    func invalidUpdate(_ garbage: [UInt8]) async throws {
        let dir = try makeTemporaryDirectory("docs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let manager = DocumentManager(configuration: diskConfiguration(dir), notes: nil)
        let b = RecordingOutbound()
        try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
        try await manager.join("d", peer: peer("b"), outbound: b)
        _ = b.take()
        await #expect(throws: DocumentRefusal.self) { try await manager.applyUpdate("d", update: garbage, from: peer("a")) }
        #expect(b.take("ydoc:document:update").isEmpty)
        #expect(await manager.state("d") == [0, 0])
        let wal = try FileIO.read(DocumentFiles.folder(for: "d", dataDirectory: dir) + "/wal.ylog") ?? []
        #expect(wal.isEmpty)
        #expect(manager.stats.updatesRejected == 1)
    }

    @Test("Non-members cannot update; a content-only update is not relayed")
    func membership() async throws {
        let updates = try fixtureUpdates(session: 1)
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        await #expect(throws: DocumentRefusal.notMember) {
            try await manager.applyUpdate("d", update: updates[0], from: peer("x"))
        }
        let b = RecordingOutbound()
        try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
        try await manager.join("d", peer: peer("b"), outbound: b)
        _ = b.take()
        try await manager.applyUpdate("d", update: nil, noteData: ["content": ["md": "x"]], from: peer("a"))
        try await manager.applyUpdate("d", update: [], from: peer("a"))
        #expect(b.take().isEmpty)
    }

    @Test("Notes: readers join read-only, writers write, strangers are refused")
    func noteAccess() async throws {
        let dir = try makeTemporaryDirectory("docs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let notes = try NoteStore(dataDirectory: dir)
        try await notes.save(
            Note(
                id: "n1", userID: "owner", title: "T",
                accessControl: ["read": ["user_ids": ["reader"]], "write": ["user_ids": ["writer"]]],
                createdAt: 1, updatedAt: 1))
        let manager = DocumentManager(configuration: diskConfiguration(dir), notes: notes)
        let update = try fixtureUpdates(session: 1)[0]
        let out = RecordingOutbound()
        #expect(try await manager.join("note:n1", peer: peer("s1", user: "owner"), outbound: out))
        #expect(try await !manager.join("note_n1", peer: peer("s2", user: "reader"), outbound: out))
        #expect(try await manager.join("note:n1", peer: peer("s3", user: "writer"), outbound: out))
        await #expect(throws: DocumentRefusal.forbidden) {
            try await manager.join("note:n1", peer: peer("s4", user: "stranger"), outbound: out)
        }
        await #expect(throws: DocumentRefusal.notFound) {
            try await manager.join("note:missing", peer: peer("s5", user: "owner"), outbound: out)
        }
        await #expect(throws: DocumentRefusal.readOnly) { try await manager.applyUpdate("note:n1", update: update, from: peer("s2", user: "reader")) }
        await #expect(throws: DocumentRefusal.readOnly) {
            try await manager.awarenessFromJSON("note:n1", bytes: Array("{}".utf8), from: peer("s2", user: "reader"))
        }
        try await manager.applyUpdate("note:n1", update: update, from: peer("s3", user: "writer"))
        #expect(await manager.members(of: "note:n1") == ["s1", "s2", "s3"])
    }

    @Test("Grants are re-evaluated for joined members: a removed write grant stops writes, a removed read grant removes the member")
    func revocation() async throws {
        let dir = try makeTemporaryDirectory("docs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let notes = try NoteStore(dataDirectory: dir)
        var note = Note(
            id: "n", userID: "owner", title: "T",
            accessControl: ["read": ["user_ids": ["reader"]], "write": ["user_ids": ["writer"]]], createdAt: 1, updatedAt: 1)
        try await notes.save(note)
        let manager = DocumentManager(configuration: diskConfiguration(dir), notes: notes)
        let updates = try fixtureUpdates(session: 1)
        let readerOut = RecordingOutbound()
        try await manager.join("note:n", peer: peer("w", user: "writer"), outbound: RecordingOutbound())
        try await manager.join("note:n", peer: peer("r", user: "reader", kind: .yWebSocket), outbound: readerOut)
        try await manager.applyUpdate("note:n", update: updates[0], from: peer("w", user: "writer"))
        note.accessControl = ["read": ["user_ids": ["writer"]], "write": ["user_ids": []]]
        try await notes.save(note)
        await manager.reevaluateAccess(noteID: "n")
        await #expect(throws: DocumentRefusal.readOnly) {
            try await manager.applyUpdate("note:n", update: updates[1], from: peer("w", user: "writer"))
        }
        #expect(await manager.members(of: "note:n") == ["w"])
        #expect(readerOut.revocations == 1)
        _ = readerOut.take()
        // The removed reader receives nothing more.
        note.accessControl = ["write": ["user_ids": ["writer"]]]
        try await notes.save(note)
        await manager.reevaluateAccess(noteID: "n")
        try await manager.applyUpdate("note:n", update: updates[1], from: peer("w", user: "writer"))
        #expect(readerOut.take().isEmpty)
    }

    @Test("Open WebUI 0.12 seeding: the first seed of an empty document wins, a later seeder gets the stored state")
    func initializeHandshake() async throws {
        let updates = try fixtureUpdates(session: 1)
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let a = RecordingOutbound()
        let b = RecordingOutbound()
        try await manager.join("d", peer: peer("a"), outbound: a)
        try await manager.join("d", peer: peer("b"), outbound: b)
        _ = (a.take(), b.take())
        #expect(try await manager.initialize("d", seed: updates[0], from: peer("a")) == updates[0])
        #expect(b.take("ydoc:document:update").first?["update"]?.byteArrayValue == updates[0])
        let second = try await manager.initialize("d", seed: updates[1], from: peer("b"))
        #expect(second == (await manager.state("d")))
        #expect(a.take().isEmpty, "the losing seed is neither applied nor relayed")
    }

    @Test("Every update is in the log before it is relayed; a restart without a save loses nothing")
    func crashRecovery() async throws {
        let dir = try makeTemporaryDirectory("docs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let updates = try fixtureUpdates(session: 2)
        do {
            let manager = DocumentManager(configuration: diskConfiguration(dir), notes: nil)
            try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
            for update in updates { try await manager.applyUpdate("d", update: update, from: peer("a")) }
            // No flush: the manager is dropped as if the process had been killed.
        }
        let restarted = DocumentManager(configuration: diskConfiguration(dir), notes: nil)
        try await restarted.join("d", peer: peer("b"), outbound: RecordingOutbound())
        #expect(await restarted.state("d") == (try fixtureState(session: 2)))
    }

    @Test("The last leave saves the merged state, empties the log and unloads the document")
    func lastLeaveSaves() async throws {
        let dir = try makeTemporaryDirectory("docs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let updates = try fixtureUpdates(session: 3)
        let manager = DocumentManager(configuration: diskConfiguration(dir), notes: nil)
        try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
        for update in updates { try await manager.applyUpdate("d", update: update, from: peer("a")) }
        await manager.leave("d", peer: peer("a"))
        #expect(!manager.isLoaded("d"))
        let folder = DocumentFiles.folder(for: "d", dataDirectory: dir)
        #expect(try FileIO.read(folder + "/state.bin") == (try fixtureState(session: 3)))
        #expect(try FileIO.read(folder + "/wal.ylog") == [])
        // The history is kept (Open WebUI deleted it here): the next join gets it back.
        try await manager.join("d", peer: peer("b"), outbound: RecordingOutbound())
        #expect(await manager.state("d") == (try fixtureState(session: 3)))
    }

    @Test("The log is compacted into the state file past the update threshold")
    func compaction() async throws {
        let dir = try makeTemporaryDirectory("docs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = diskConfiguration(dir)
        configuration.compactionUpdates = 10
        let updates = try fixtureUpdates(session: 1)
        let manager = DocumentManager(configuration: configuration, notes: nil)
        try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
        for update in updates.prefix(25) { try await manager.applyUpdate("d", update: update, from: peer("a")) }
        #expect(manager.stats.compactions == 2)
        let folder = DocumentFiles.folder(for: "d", dataDirectory: dir)
        let log = try WriteAheadLog.recover(path: folder + "/wal.ylog")
        #expect(log.count == 5)
        let restarted = DocumentManager(configuration: configuration, notes: nil)
        try await restarted.join("d", peer: peer("b"), outbound: RecordingOutbound())
        #expect(await restarted.state("d") == (await manager.state("d")))
    }

    @Test("A state file that cannot be decoded refuses the join and is never overwritten")
    func corruptState() async throws {
        let dir = try makeTemporaryDirectory("docs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = DocumentFiles.folder(for: "d", dataDirectory: dir)
        try FileIO.makeDirectories(folder)
        try FileIO.writeAtomically([1, 2, 3], to: folder + "/state.bin")
        let manager = DocumentManager(configuration: diskConfiguration(dir), notes: nil)
        await #expect(throws: DocumentRefusal.self) { try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound()) }
        #expect(await manager.members(of: "d").isEmpty)
        await manager.flushAll()
        #expect(try FileIO.read(folder + "/state.bin") == [1, 2, 3])
    }

    @Test("Content-only saves are merged into the note, shallowly, with a nanosecond timestamp")
    func noteSave() async throws {
        let dir = try makeTemporaryDirectory("docs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let notes = try NoteStore(dataDirectory: dir)
        try await notes.save(Note(id: "n", userID: "u", title: "T", data: ["files": [1], "content": ["note": "no stored text, so nothing is seeded"]], createdAt: 1, updatedAt: 1))
        let manager = DocumentManager(configuration: diskConfiguration(dir), notes: notes)
        try await manager.join("note:n", peer: peer("s", user: "u"), outbound: RecordingOutbound())
        try await manager.applyUpdate(
            "note:n", update: nil, noteData: ["content": ["md": "new", "html": "<p>new</p>", "json": .null]],
            from: peer("s", user: "u"))
        await manager.flushAll()
        let note = try #require(await notes.note("n"))
        #expect(note.data["files"] == [1])
        #expect(note.data["content"]?["md"] == "new")
        #expect(note.updatedAt > 1_600_000_000_000_000_000)
    }

    @Test("Awareness crosses protocols, and a departure clears the cursor for both")
    func awarenessBridge() async throws {
        var configuration = memoryConfiguration()
        configuration.awarenessFlushInterval = .zero  // each update relayed at once (PresenceCoalescingTests: windows)
        let manager = DocumentManager(configuration: configuration, notes: nil)
        let a = RecordingOutbound()
        let w = RecordingOutbound()
        try await manager.join("d", peer: peer("a"), outbound: a)
        try await manager.join("d", peer: peer("w", kind: .yWebSocket), outbound: w)
        _ = (a.take(), w.take())
        let json = Array(#"{"42":{"user":{"name":"A"},"cursor":{"anchor":1}}}"#.utf8)
        try await manager.awarenessFromJSON("d", bytes: json, from: peer("a"))
        let decoded = try #require(w.takeAwareness().first)
        #expect(decoded.entries.map(\.client) == [42])
        #expect(decoded.entries.first?.clock == 1)

        let yUpdate = AwarenessUpdate(entries: [.init(client: 7, clock: 3, state: #"{"user":{"name":"W"},"cursor":null}"#)])
        try await manager.awarenessFromYProtocols("d", bytes: yUpdate.encoded(), from: peer("w", kind: .yWebSocket))
        let toSocketIO = try #require(a.take("ydoc:awareness:update").first?["update"]?.byteArrayValue)
        let parsed = try JSONValue(parsing: toSocketIO)
        #expect(parsed["7"]?["user"]?["name"] == "W")

        await manager.leave("d", peer: peer("a"))
        let removal = w.takeAwareness().first
        #expect(removal?.entries == [.init(client: 42, clock: 2, state: "null")])
    }
}

@Suite("Live document rendering")
struct LiveDocumentRenderingTests {
    @Test("A document with a prosemirror fragment renders its note content")
    func rendersFixture() throws {
        var document = LiveDocument()
        for update in try fixtureUpdates(session: 1) { try document.apply(update) }
        let rendered = document.renderNote(fragment: "prosemirror") ?? [:]
        #expect(rendered["json"]?["type"] == "doc")
        #expect(rendered["html"]?.stringValue?.isEmpty == false)
        let absent = document.renderNote(fragment: "absent")
        #expect(absent == nil)
    }
}

@Suite("Awareness expiry")
struct AwarenessExpiryTests {
    @Test("y-websocket states expire after 30 s without renewal; Open WebUI members' states stay while they are joined")
    func expiry() async throws {
        var configuration = memoryConfiguration()
        configuration.awarenessFlushInterval = .zero
        let manager = DocumentManager(configuration: configuration, notes: nil)
        let v = RecordingOutbound()
        try await manager.join("d", peer: peer("w", kind: .yWebSocket), outbound: RecordingOutbound())
        try await manager.join("d", peer: peer("v", kind: .yWebSocket), outbound: v)
        try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
        let update = AwarenessUpdate(entries: [.init(client: 5, clock: 1, state: #"{"user":{"name":"W"}}"#)])
        try await manager.awarenessFromYProtocols("d", bytes: update.encoded(), from: peer("w", kind: .yWebSocket))
        try await manager.awarenessFromJSON("d", bytes: Array(#"{"9":{"user":{"name":"A"}}}"#.utf8), from: peer("a"))
        _ = v.take()
        let room = try #require(manager.loadedRoom("d"))
        await room.tick(now: .now + .seconds(10))
        #expect(v.take().isEmpty, "nothing is due before the timeout")
        await room.tick(now: .now + .seconds(31))
        #expect(v.takeAwareness().flatMap(\.entries) == [.init(client: 5, clock: 2, state: "null")])
        let remaining = try AwarenessUpdate(bytes: await manager.awarenessStates("d") ?? [0])
        #expect(remaining.entries.map(\.client) == [9])
    }
}
