import Foundation
import Testing
import Wire
@testable import Tandem

/// Issue 19 (#8): ids are compared by their UTF-8 bytes. Swift's `String ==` uses canonical equivalence, which
/// made `café` (NFC) and `cafe\u{301}` (NFD) one document whose folder depended on which spelling joined first.
@Suite("Unicode ids are byte strings")
struct UnicodeIDTests {
    static let nfc = "caf\u{E9}"
    static let nfd = "cafe\u{301}"

    @Test("The two spellings are == as Swift strings but distinct ByteKeys, hashes and file names")
    func byteKey() {
        #expect(Self.nfc == Self.nfd, "the premise: String == is canonical equivalence")
        #expect(ByteKey(Self.nfc) != ByteKey(Self.nfd))
        #expect(!Self.nfc.bytewiseEquals(Self.nfd) && Self.nfc.bytewiseEquals("caf\u{E9}"))
        #expect(Set([ByteKey(Self.nfc), ByteKey(Self.nfd), ByteKey("caf\u{E9}")]).count == 2)
        #expect(ByteKey(Self.nfc) < ByteKey(Self.nfd) || ByteKey(Self.nfd) < ByteKey(Self.nfc))
        #expect(SafeFileName.encode(Self.nfc) != SafeFileName.encode(Self.nfd))
    }

    @Test("Two spellings are two documents: separate state, separate members, two folders on disk")
    func twoDocuments() async throws {
        let dir = try makeTemporaryDirectory("unicode")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let updates = try fixtureUpdates(session: 1)
        let manager = DocumentManager(configuration: diskConfiguration(dir), notes: nil)
        let composed = RecordingOutbound()
        let decomposed = RecordingOutbound()
        try await manager.join(Self.nfd, peer: peer("b"), outbound: decomposed)
        try await manager.join(Self.nfc, peer: peer("a"), outbound: composed)
        #expect(manager.loadedDocuments.count == 2)
        #expect(manager.hasJoined("a", Self.nfc) && !manager.hasJoined("a", Self.nfd))
        _ = decomposed.take()
        try await manager.applyUpdate(Self.nfc, update: updates[0], from: peer("a"))
        #expect(decomposed.take("ydoc:document:update").isEmpty, "the NFD document's member hears nothing")
        #expect(await manager.state(Self.nfd) == [0, 0])
        #expect(await manager.state(Self.nfc) != [0, 0])
        #expect(await manager.members(of: Self.nfc) == ["a"])
        #expect(await manager.members(of: Self.nfd) == ["b"])
        try await manager.applyUpdate(Self.nfd, update: updates[1], from: peer("b"))
        #expect(await manager.flushAll())
        let folderNFC = DocumentFiles.folder(for: Self.nfc, dataDirectory: dir)
        let folderNFD = DocumentFiles.folder(for: Self.nfd, dataDirectory: dir)
        #expect(folderNFC != folderNFD)
        #expect(FileManager.default.fileExists(atPath: folderNFC) && FileManager.default.fileExists(atPath: folderNFD))
        await manager.disconnect(peer("a"))
        #expect(manager.loadedDocuments.map { Array($0.utf8) } == [Array(Self.nfd.utf8)])
    }

    @Test("Notes with the two spellings are two notes")
    func twoNotes() async throws {
        let dir = try makeTemporaryDirectory("unicode-notes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try NoteStore(dataDirectory: dir)
        func note(_ id: String, _ title: String) -> Note {
            Note(id: id, userID: "owner", title: title, data: [:], accessControl: [:], createdAt: 1, updatedAt: 2)
        }
        try await store.save(note(Self.nfc, "composed"))
        try await store.save(note(Self.nfd, "decomposed"))
        #expect(await store.count == 2)
        #expect(await store.note(Self.nfc)?.title == "composed")
        #expect(await store.note(Self.nfd)?.title == "decomposed")
        try await store.delete(Self.nfd)
        #expect(await store.note(Self.nfc)?.title == "composed")
        #expect(await store.note(Self.nfd) == nil)
        let reopened = try NoteStore(dataDirectory: dir)
        #expect(await reopened.count == 1)
        #expect(await reopened.note(Self.nfc).map { Array($0.id.utf8) } == Array(Self.nfc.utf8))
    }
}
