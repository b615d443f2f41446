import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// Versions and restore, safe server-side writes with expected_version, save receipts and the size budget.
struct HistoryTests {
    /// A client that joins over Socket.IO and types Markdown-seeded content.
    static func client(_ markdown: String) -> (Document, [UInt8]) {
        var doc = Document(clientID: 42)
        let update = (try? doc.seedProseMirror(with: MarkdownParser.parse(markdown))) ?? [0, 0]
        return (doc, update)
    }

    static func markdown(_ manager: DocumentManager, _ id: String) async throws -> String {
        let state = try #require(await manager.state(id))
        var doc = Document()
        doc.apply(try Update(v1: state))
        return doc.renderNote().markdown
    }

    @Test("A Markdown write reaches members as one minimal update; a concurrent edit elsewhere survives")
    func writeMarkdown() async throws {
        let manager = DocumentManager(configuration: diskConfiguration(try makeTemporaryDirectory("history")), notes: nil)
        let outbound = RecordingOutbound()
        let alice = peer("a", kind: .yWebSocket)
        try await manager.join("doc", peer: alice, outbound: outbound)
        var (client, seed) = Self.client("one\n\ntwo\n\nthree")
        try await manager.applyUpdate("doc", update: seed, from: alice)
        _ = outbound.take()
        let result = try await manager.writeContent(
            "doc", MarkdownParser.parse("ONE\n\ntwo\n\nthree"), keepUnlistedAttributes: true, expectedVersion: nil,
            author: peer("rest", user: "bob"))
        #expect(result.versionBefore?.kind == .beforeWrite)
        let updates = outbound.takeYjsUpdates()
        #expect(updates.count == 1)
        // The client typed in "three" concurrently; both orders converge with nothing duplicated.
        let three = client.children(of: client.xmlFragment("prosemirror"))[2].0
        client.insert(into: XmlTextRef(typeIndex: client.children(of: three)[0].0.typeIndex), at: 5, "!")
        let typed = client.encodeStateAsUpdate()
        for update in updates { client.apply(try Update(v1: update)) }
        try await manager.applyUpdate("doc", update: typed, from: alice)
        #expect(try await Self.markdown(manager, "doc") == "ONE\n\ntwo\n\nthree!")
        #expect(client.renderNote().markdown == "ONE\n\ntwo\n\nthree!")
        // A stale expected_version is a conflict; the current one passes.
        await #expect(throws: DocumentRefusal.conflict(try #require(await manager.stateVector("doc")))) {
            _ = try await manager.writeContent(
                "doc", MarkdownParser.parse("x"), keepUnlistedAttributes: true, expectedVersion: result.stateVector,
                author: alice)
        }
        let current = try #require(await manager.stateVector("doc"))
        let ok = try await manager.writeContent(
            "doc", MarkdownParser.parse("x"), keepUnlistedAttributes: true, expectedVersion: current, author: alice)
        #expect(ok.updateBytes > 2)
        #expect(try await Self.markdown(manager, "doc") == "x")
    }

    @Test("Named versions are listed, rendered and restored as a forward update; history survives a reload")
    func restore() async throws {
        let directory = try makeTemporaryDirectory("history")
        let manager = DocumentManager(configuration: diskConfiguration(directory), notes: nil)
        let alice = peer("a")
        let outbound = RecordingOutbound()
        try await manager.join("doc", peer: alice, outbound: outbound)
        try await manager.applyUpdate("doc", update: Self.client("first\n\nsecond").1, from: alice)
        let v1 = try await manager.createVersion("doc", name: "draft", author: "alice")
        #expect(v1.preview.hasPrefix("first"))
        _ = try await manager.writeContent(
            "doc", MarkdownParser.parse("first\n\nchanged"), keepUnlistedAttributes: true, expectedVersion: nil, author: alice)
        _ = outbound.take()
        let restored = try await manager.restore("doc", id: v1.id, author: alice)
        #expect(restored.updateBytes > 2)
        #expect(outbound.take("ydoc:document:update").count == 1)
        #expect(try await Self.markdown(manager, "doc") == "first\n\nsecond")
        await #expect(throws: DocumentRefusal.versionNotFound) { _ = try await manager.version("doc", id: "999") }
        await manager.leave("doc", peer: alice)
        let reopened = DocumentManager(configuration: diskConfiguration(directory), notes: nil)
        let kinds = try await reopened.versions("doc").map(\.kind)
        // No before-write version: the content equalled the named version just taken.
        #expect(kinds.contains(.named) && !kinds.contains(.beforeWrite) && kinds.contains(.beforeRestore))
        let (version, state) = try await reopened.version("doc", id: v1.id)
        #expect(version?.name == "draft")
        #expect(try DocumentsAPI.document(state).renderNote().markdown == "first\n\nsecond")
    }

    @Test("Retention drops the oldest automatic versions first")
    func retention() throws {
        let store = try HistoryStore(folder: try makeTemporaryDirectory("history") + "/history")
        for i in 0..<5 {
            try store.add(
                state: [0, 0], kind: i == 0 ? .named : .automatic, name: nil, author: "s", createdAt: Int64(i), preview: "",
                stateVector: [0])
        }
        #expect(try store.prune(maxVersions: 3, maxAgeMillis: 1000, now: 10) == 2)
        #expect(store.versions.map(\.id) == ["1", "4", "5"])
        #expect(try store.prune(maxVersions: 3, maxAgeMillis: 5, now: 10) == 2)
        #expect(store.versions.map(\.id) == ["1"])
        let reopened = try HistoryStore(folder: store.folder)
        #expect(reopened.versions.map(\.id) == ["1"])
    }

    @Test("A malformed history index refuses to open instead of being overwritten")
    func malformedIndex() throws {
        let folder = try makeTemporaryDirectory("history")
        try FileIO.writeAtomically(Array("{not json".utf8), to: folder + "/index.json")
        #expect(throws: StorageError.self) { try HistoryStore(folder: folder) }
        try FileIO.writeAtomically(Array(#"[{"id":1},{"nope":true}]"#.utf8), to: folder + "/index.json")
        #expect(try HistoryStore(folder: folder).versions.isEmpty)
    }

    @Test("Members receive a save receipt with the saved state vector; a failed save is reported")
    func receipts() async throws {
        var configuration = diskConfiguration(try makeTemporaryDirectory("history"))
        configuration.saveDelay = .seconds(60)
        configuration.saveMaxWait = .seconds(60)
        let manager = DocumentManager(configuration: configuration, notes: nil)
        let outbound = RecordingOutbound()
        try await manager.join("doc", peer: peer("a"), outbound: outbound)
        try await manager.applyUpdate("doc", update: Self.client("hello").1, from: peer("a"))
        #expect(await manager.info("doc")?.unsavedChanges == true)
        let room = try #require(manager.loadedRoom("doc"))
        await room.save(now: .now)
        let receipt = try #require(outbound.take("ydoc:document:saved").first)
        #expect(try receipt.objectValue?["state_vector"]?.bytes() == (await manager.stateVector("doc")))
        #expect(await manager.info("doc")?.unsavedChanges == false)
        await room.announceSaveFailed()
        #expect(outbound.take("ydoc:document:save_failed").count == 1)
        // The y-websocket notice: type 100, then a JSON string.
        let frame = try #require(DocumentWire.yWebSocket(.saved(documentID: "doc", stateVector: [1, 2, 3])))
        #expect(frame.first == DocumentWire.tandemNoticeType)
        #expect(String(decoding: frame.dropFirst(2), as: UTF8.self).contains(#""type":"ydoc:document:saved""#))
    }

    @Test("The size budget refuses growth past the limit and still accepts deletes")
    func sizeBudget() async throws {
        var configuration = memoryConfiguration()
        configuration.maxDocumentBytes = 200
        let manager = DocumentManager(configuration: configuration, notes: nil)
        try await manager.join("doc", peer: peer("a"), outbound: RecordingOutbound())
        var doc = Document(clientID: 9)
        let text = doc.text("t")
        var vector = doc.stateVector
        doc.insert(into: text, at: 0, String(repeating: "a", count: 100))
        try await manager.applyUpdate("doc", update: doc.encodeStateAsUpdate(since: vector), from: peer("a"))
        vector = doc.stateVector
        doc.insert(into: text, at: 0, String(repeating: "b", count: 150))
        let big = doc.encodeStateAsUpdate(since: vector)
        await #expect(throws: DocumentRefusal.documentTooLarge(200)) {
            try await manager.applyUpdate("doc", update: big, from: peer("a"))
        }
        var small = Document(clientID: 9)
        small.apply(try Update(v1: try #require(await manager.state("doc"))))
        let before = small.stateVector
        small.delete(from: small.text("t"), at: 0, length: 50)
        let delete = small.encodeStateAsUpdate(since: before)
        try await manager.applyUpdate("doc", update: delete, from: peer("a"))
        #expect(manager.stats.documentTooLarge == 1)
    }
}
