import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

@Suite("tandem check: verifying and repairing a data directory")
struct DataCheckTests {
    let fixed = Date(timeIntervalSince1970: 1_700_000_000)

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "tandem-check-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func bytes(_ path: String) -> [UInt8]? { (try? FileIO.read(path)) ?? nil }

    func write(_ bytes: [UInt8], _ path: String) throws { try FileIO.writeAtomically(bytes, to: path) }

    /// A healthy directory: two documents (state + log), a note, a channel with messages.
    func populate(_ data: String) async throws -> [[UInt8]] {
        let updates = try fixtureUpdates()
        let first = DocumentFiles(documentID: "doc-1", dataDirectory: data, policy: .never)
        _ = try first.load(limit: 1 << 30)
        for update in updates.prefix(3) { try first.append(update) }
        var merged = LiveDocument()
        for update in updates.prefix(3) { try merged.apply(update) }
        try first.writeState(merged.encodeState())
        for update in updates.dropFirst(3) { try first.append(update) }
        let second = DocumentFiles(documentID: "note:n1", dataDirectory: data, policy: .never)
        _ = try second.load(limit: 1 << 30)
        try second.append(updates[0])
        let notes = try NoteStore(dataDirectory: data)
        try await notes.save(Note(id: "n1", userID: "u1", title: "T", data: [:], meta: [:], accessControl: .null, createdAt: 1, updatedAt: 1))
        let channels = try ChannelStore(dataDirectory: data)
        let channel = try await channels.createChannel(name: "general", ownerID: "u1", now: 1)
        _ = try await channels.post(channel.id, userID: "u1", content: "hi", now: 2)
        await channels.sync()
        _ = try ChatReadStore(dataDirectory: data)
        return updates
    }

    @Test("A healthy directory reports sizes and no problems, exit 0")
    func healthy() async throws {
        let data = try temporaryDirectory()
        _ = try await populate(data)
        let report = try DataCheck.run(dataDirectory: data, repair: false, now: fixed)
        #expect(report.problems.isEmpty, "\(report.text)")
        #expect(report.status == 0)
        #expect(report.items.filter { $0.kind == .document }.map(\.name).sorted() == ["doc-1", "note:n1"])
        #expect(report.items.contains { $0.kind == .note && $0.name == "n1" })
        #expect(report.items.contains { $0.kind == .channel && $0.name == "general" && $0.detail == "log 1 records" })
        #expect(report.items.allSatisfy { $0.bytes > 0 })
        #expect(report.text.contains("no problems"))
    }

    @Test("A damaged directory: a dry run reports every problem and changes nothing; --repair fixes, keeping copies")
    func damaged() async throws {
        let data = try temporaryDirectory()
        let updates = try await populate(data)
        let doc1 = DocumentFiles.folder(for: "doc-1", dataDirectory: data)
        let doc2 = DocumentFiles.folder(for: "note:n1", dataDirectory: data)
        // doc-1: a torn tail and an intact record that is not an update; doc-2: a corrupt byte inside its record.
        let original1 = try #require(bytes(doc1 + "/wal.ylog"))
        try write(original1 + WALFormat.record([0xff, 0xff, 0xff]) + [0xD5, 0x7A, 0x20, 1, 2], doc1 + "/wal.ylog")
        var log2 = try #require(bytes(doc2 + "/wal.ylog"))
        log2[log2.count - 6] ^= 0x40
        try write(log2, doc2 + "/wal.ylog")
        try write([1, 2, 3], doc1 + "/state.bin.tmp-4242")
        try write(Array("{\"a\":".utf8), data + "/chats/last_read.json.tmp-7")
        let channelFolder = try #require(FileIO.list(data + "/channels").first)
        let channelLog = data + "/channels/" + channelFolder + "/messages.ylog"
        try write(try #require(bytes(channelLog)) + WALFormat.record(Array("not json".utf8)) + [0xD5], channelLog)
        let before = Dictionary(uniqueKeysWithValues: try allFiles(data).map { ($0, bytes(data + "/" + $0)) })

        let dry = try DataCheck.run(dataDirectory: data, repair: false, now: fixed)
        #expect(dry.status == 1)
        let paths = Set(dry.problems.map(\.path))
        #expect(paths.contains { $0.hasSuffix(SafeFileName.encode("doc-1") + "/wal.ylog") })
        #expect(paths.contains { $0.hasSuffix(SafeFileName.encode("note:n1") + "/wal.ylog") })
        #expect(paths.contains { $0.hasSuffix("state.bin.tmp-4242") })
        #expect(paths.contains { $0.hasSuffix("last_read.json.tmp-7") })
        #expect(paths.contains { $0.hasSuffix("/messages.ylog") })
        #expect(dry.problems.count == 5 && dry.problems.allSatisfy { $0.repair != nil && !$0.repaired })
        #expect(dry.problems.contains { $0.message.contains("1 intact records that are not Yjs updates") })
        #expect(dry.text.contains("--repair would rewrite it with its \(updates.count - 3) good records"))
        let after = Dictionary(uniqueKeysWithValues: try allFiles(data).map { ($0, bytes(data + "/" + $0)) })
        #expect(after == before, "a dry run must not change anything")

        let repaired = try DataCheck.run(dataDirectory: data, repair: true, now: fixed)
        #expect(repaired.status == 0, "\(repaired.text)")
        #expect(repaired.problems.allSatisfy { $0.repaired })
        let backup = try #require(repaired.backupDirectory)
        #expect(backup == "repair-20231114T221320Z")
        let kept = try allFiles(data + "/" + backup)
        #expect(kept.count == 5)
        #expect(kept.contains { $0.hasSuffix("state.bin.tmp-4242") } && !FileIO.exists(doc1 + "/state.bin.tmp-4242"))
        #expect(bytes(data + "/" + backup + "/documents/" + SafeFileName.encode("note:n1") + "/wal.ylog") == log2)

        // Clean now, and the documents load with every intact update.
        #expect(try DataCheck.run(dataDirectory: data, repair: false, now: fixed).problems.isEmpty)
        let reloaded = try DocumentFiles(documentID: "doc-1", dataDirectory: data, policy: .never).load(limit: 1 << 30)
        #expect(reloaded.log.count == updates.count - 3 && reloaded.setAsideBytes == 0)
        let manager = DocumentManager(configuration: diskConfiguration(data), notes: nil)
        try await manager.join("doc-1", peer: peer("p", admin: true), outbound: RecordingOutbound())
        #expect(await manager.state("doc-1") == (try fixtureState()))
        #expect(try await ChannelStore(dataDirectory: data).summaries().first?.messages == 1)
    }

    @Test("What cannot be repaired is reported and left alone: a state that does not decode, a bad note, a wrong id")
    func unrepairable() async throws {
        let data = try temporaryDirectory()
        _ = try await populate(data)
        let doc1 = DocumentFiles.folder(for: "doc-1", dataDirectory: data)
        try write([0x05, 0x80], doc1 + "/state.bin")
        try write(Array("doc-2".utf8), DocumentFiles.folder(for: "note:n1", dataDirectory: data) + "/id")
        try write(Array("{\"id\":".utf8), data + "/notes/broken.json")
        let report = try DataCheck.run(dataDirectory: data, repair: true, now: fixed)
        #expect(report.status == 1)
        #expect(report.problems.count == 3 && report.problems.allSatisfy { $0.repair == nil && !$0.repaired })
        #expect(report.backupDirectory == nil)
        #expect(bytes(doc1 + "/state.bin") == [0x05, 0x80])
        #expect(report.text.contains("restore this file from a backup"))
    }

    @Test("A missing id file is written back from the folder name")
    func missingID() async throws {
        let data = try temporaryDirectory()
        _ = try await populate(data)
        let folder = DocumentFiles.folder(for: "doc-1", dataDirectory: data)
        try FileIO.remove(folder + "/id")
        #expect(try DataCheck.run(dataDirectory: data, repair: false, now: fixed).status == 1)
        #expect(try DataCheck.run(dataDirectory: data, repair: true, now: fixed).status == 0)
        #expect(bytes(folder + "/id") == Array("doc-1".utf8))
    }

    @Test("Random bytes in every file never trap the check", arguments: 0..<20)
    func garbage(seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed))
        let data = try temporaryDirectory()
        let junk = { (count: Int) in (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }
        let folder = DocumentFiles.folder(for: "d", dataDirectory: data)
        try FileIO.makeDirectories(folder)
        try FileIO.makeDirectories(data + "/notes")
        try FileIO.makeDirectories(data + "/channels/c")
        try FileIO.makeDirectories(data + "/chats")
        let header = seed.isMultiple(of: 2) ? WALFormat.header : []
        try write(junk(Int.random(in: 0...64, using: &random)), folder + "/id")
        try write(junk(Int.random(in: 0...256, using: &random)), folder + "/state.bin")
        try write(header + junk(Int.random(in: 0...512, using: &random)), folder + "/wal.ylog")
        try write(junk(Int.random(in: 0...128, using: &random)), data + "/notes/x.json")
        try write(junk(Int.random(in: 0...128, using: &random)), data + "/channels/c/channel.json")
        try write(header + junk(Int.random(in: 0...256, using: &random)), data + "/channels/c/messages.ylog")
        try write(junk(Int.random(in: 0...64, using: &random)), data + "/chats/last_read.json")
        let report = try DataCheck.run(dataDirectory: data, repair: true, now: fixed)
        #expect(!report.text.isEmpty)
        #expect(try DataCheck.run(dataDirectory: data, repair: false, now: fixed).problems.allSatisfy { $0.repair == nil })
    }

    @Test("The command: usage errors exit 2, a missing directory 1, --help 0")
    func command() throws {
        #expect(CheckCommand.run([]).status == 2)
        #expect(CheckCommand.run(["a", "b"]).status == 2)
        #expect(CheckCommand.run(["--fix", "a"]).status == 2)
        #expect(CheckCommand.run(["--help"]).status == 0)
        let missing = CheckCommand.run(["/nonexistent/tandem-data"])
        #expect(missing.status == 1 && missing.error.contains("not a data directory"))
        let data = try temporaryDirectory()
        let empty = CheckCommand.run([data, "--repair"])
        #expect(empty.status == 0 && empty.output.contains("0 documents"))
    }

    func allFiles(_ root: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: root + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }
}
