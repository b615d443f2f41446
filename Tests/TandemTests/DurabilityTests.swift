import Foundation
import Glibc
import Testing
import Wire
import YCRDT
@testable import Tandem

/// A store that fails or stalls on demand, around the real files: ENOSPC on appends or state writes, slow appends.
final class FaultyStorage: DocumentStorage, @unchecked Sendable {
    let files: DocumentFiles
    private let lock = NSLock()
    private var failAppendsFlag = false
    private var failStateWritesFlag = false
    private var appendDelayValue: UInt32 = 0
    private(set) var appendsStarted = 0

    init(files: DocumentFiles) { self.files = files }

    var failAppends: Bool {
        get { lock.withLock { failAppendsFlag } }
        set { lock.withLock { failAppendsFlag = newValue } }
    }
    var failStateWrites: Bool {
        get { lock.withLock { failStateWritesFlag } }
        set { lock.withLock { failStateWritesFlag = newValue } }
    }
    /// Microseconds every append blocks its thread (a disk that stalls).
    var appendDelay: UInt32 {
        get { lock.withLock { appendDelayValue } }
        set { lock.withLock { appendDelayValue = newValue } }
    }
    var startedAppends: Int { lock.withLock { appendsStarted } }

    func load(limit: Int) throws(StorageError) -> DocumentContents { try files.load(limit: limit) }
    func append(_ update: [UInt8]) throws(StorageError) {
        lock.withLock { appendsStarted += 1 }
        if appendDelay > 0 { usleep(appendDelay) }
        if failAppends { throw StorageError(path: files.folder + "/wal.ylog", operation: "write", code: ENOSPC) }
        try files.append(update)
    }
    func syncLog() throws(StorageError) { try files.syncLog() }
    func writeState(_ state: [UInt8]) throws(StorageError) {
        if failStateWrites { throw StorageError(path: files.folder + "/state.bin", operation: "write", code: ENOSPC) }
        try files.writeState(state)
    }
    func keepCopyOfLog() throws(StorageError) { try files.keepCopyOfLog() }
    func removeAll() throws(StorageError) { try files.removeAll() }
    var logRecordCount: Int { files.logRecordCount }
    var logByteCount: Int { files.logByteCount }
}

/// The stores handed to rooms, by document id, so tests can reach them.
final class FaultyStorages: @unchecked Sendable {
    private let lock = NSLock()
    private var stores: [String: FaultyStorage] = [:]
    let directory: String

    init(directory: String) { self.directory = directory }

    func make(_ documentID: String) -> FaultyStorage {
        lock.withLock {
            let store = FaultyStorage(files: DocumentFiles(documentID: documentID, dataDirectory: directory, policy: .never))
            stores[documentID] = store
            return store
        }
    }

    subscript(_ documentID: String) -> FaultyStorage? { lock.withLock { stores[documentID] } }

    func configuration() -> DocumentConfiguration {
        var configuration = diskConfiguration(directory)
        configuration.saveRetryDelay = .milliseconds(20)
        configuration.saveDelay = .milliseconds(20)
        configuration.storage = { [self] id in self.make(id) }
        return configuration
    }
}

@Suite("Durability: nothing acknowledged is lost", .serialized)
struct DurabilityTests {
    @Test("Disk full: a failed append refuses the update to its writer; it is neither applied nor relayed; writes resume")
    func diskFullRefuses() async throws {
        let dir = try makeTemporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stores = FaultyStorages(directory: dir)
        let manager = DocumentManager(configuration: stores.configuration(), notes: nil)
        let updates = try fixtureUpdates(session: 1)
        let other = RecordingOutbound()
        try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
        try await manager.join("d", peer: peer("b"), outbound: other)
        _ = other.take()
        try await manager.applyUpdate("d", update: updates[0], from: peer("a"))
        let before = await manager.state("d")
        stores["d"]?.failAppends = true
        await #expect(throws: DocumentRefusal.self) { try await manager.applyUpdate("d", update: updates[1], from: peer("a")) }
        #expect(await manager.state("d") == before, "a refused update is not applied")
        #expect(other.take("ydoc:document:update").count == 1, "only the stored update was relayed")
        #expect(manager.stats.appendFailures == 1)
        stores["d"]?.failAppends = false
        for update in updates.dropFirst() { try await manager.applyUpdate("d", update: update, from: peer("a")) }
        // kill -9 now: a fresh directory over the same files has everything that was acknowledged.
        let restarted = DocumentManager(configuration: diskConfiguration(dir), notes: nil)
        try await restarted.join("d", peer: peer("c"), outbound: RecordingOutbound())
        #expect(await restarted.state("d") == (try fixtureState(session: 1)))
    }

    @Test("Disk full at the last leave: a document with unsaved state is not unloaded; it saves and unloads once space returns")
    func unsavedIsNotUnloaded() async throws {
        let dir = try makeTemporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stores = FaultyStorages(directory: dir)
        let manager = DocumentManager(configuration: stores.configuration(), notes: nil)
        let updates = try fixtureUpdates(session: 2)
        try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
        for update in updates { try await manager.applyUpdate("d", update: update, from: peer("a")) }
        stores["d"]?.failStateWrites = true
        await manager.leave("d", peer: peer("a"))
        #expect(manager.isLoaded("d"), "the room stays while its state is not saved")
        #expect(await manager.flushAll() == false, "shutdown reports the unsaved document")
        stores["d"]?.failStateWrites = false
        for _ in 0..<200 where manager.isLoaded("d") { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!manager.isLoaded("d"), "the retry saved it and the room closed")
        let state = try FileIO.read(DocumentFiles.folder(for: "d", dataDirectory: dir) + "/state.bin")
        #expect(state == (try fixtureState(session: 2)))
    }

    @Test("A slow disk for one document does not delay relays of another")
    func slowDocumentDoesNotBlockOthers() async throws {
        let dir = try makeTemporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stores = FaultyStorages(directory: dir)
        let manager = DocumentManager(configuration: stores.configuration(), notes: nil)
        let updates = try fixtureUpdates(session: 1)
        try await manager.join("slow", peer: peer("a"), outbound: RecordingOutbound())
        try await manager.join("fast", peer: peer("a"), outbound: RecordingOutbound())
        let watcher = RecordingOutbound()
        try await manager.join("fast", peer: peer("b"), outbound: watcher)
        _ = watcher.take()
        stores["slow"]?.appendDelay = 1_500_000  // every append to "slow" blocks for 1.5 s
        let slowWrites = Task {
            for update in updates.prefix(2) { try await manager.applyUpdate("slow", update: update, from: peer("a")) }
        }
        while stores["slow"]?.startedAppends == 0 { try await Task.sleep(for: .milliseconds(5)) }
        for update in updates.prefix(20) { try await manager.applyUpdate("fast", update: update, from: peer("a")) }
        #expect(watcher.take("ydoc:document:update").count == 20)
        #expect(stores["slow"]?.startedAppends == 1, "all of that happened while the slow document's first write was still on disk")
        try await slowWrites.value
    }

    @Test("A write that fails half-way is cut back at once; later records stay readable")
    func partialWriteIsCut() throws {
        let dir = try makeTemporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/wal.ylog"
        let log = try WriteAheadLog(path: path, policy: .never)
        try log.append([1, 2, 3])
        log.writer = { fd, bytes, path throws(StorageError) in
            try FileIO.writeAll(fd: fd, bytes: Array(bytes.prefix(bytes.count / 2)), path: path)
            throw StorageError(path: path, operation: "write", code: ENOSPC)
        }
        #expect(throws: StorageError.self) { try log.append(Array(repeating: 7, count: 100)) }
        #expect(try FileIO.read(path)?.count == log.byteCount, "the half record is gone")
        log.writer = { fd, bytes, path throws(StorageError) in try FileIO.writeAll(fd: fd, bytes: bytes, path: path) }
        try log.append([4, 5])
        #expect(try WriteAheadLog.recover(path: path) == [[1, 2, 3], [4, 5]])
    }

    @Test("Corruption in the middle of the log costs only the damaged record; a copy of the original is kept")
    func midLogCorruption() throws {
        let dir = try makeTemporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/wal.ylog"
        let records: [[UInt8]] = (1...5).map { Array(repeating: UInt8($0), count: 20 + Int($0)) }
        try FileIO.writeAtomically(WALFormat.encode(records), to: path)
        var bytes = try #require(try FileIO.read(path))
        let third = WALFormat.header.count + WALFormat.record(records[0]).count + WALFormat.record(records[1]).count
        bytes[third + 5] ^= 0xff  // a payload byte of the third record
        bytes[third + 2] = 0x7f  // and its length byte
        try FileIO.writeAtomically(bytes, to: path)
        let recovery = try WriteAheadLog.recoverReport(path: path)
        #expect(recovery.records == [records[0], records[1], records[3], records[4]])
        #expect(recovery.setAsideBytes == WALFormat.record(records[2]).count)
        #expect(try FileIO.read(try #require(recovery.copyPath)) == bytes)
        #expect(try WriteAheadLog.recover(path: path) == recovery.records, "the rewritten log reads clean")
    }

    @Test("Parsing the log format never traps on arbitrary or truncated bytes")
    func parseArbitrary() {
        var generator = SplitMix64(seed: 19)
        let valid = WALFormat.encode([[1, 2, 3], Array(repeating: 9, count: 200), [0xD5, 0x7A, 1]])
        for round in 0..<3_000 {
            var bytes = round % 2 == 0 ? valid : WALFormat.header
            let flips = Int(generator.next() % 6)
            for _ in 0..<flips where !bytes.isEmpty {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            bytes += (0..<Int(generator.next() % 20)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1))))
            let parsed = WALFormat.parse(bytes)
            #expect(parsed.setAsideBytes <= bytes.count)
            #expect(parsed.records.reduce(0) { $0 + $1.count } <= bytes.count)
        }
    }

    @Test("A save due sooner than the timer's current deadline (an awareness expiry) is not postponed")
    func soonerDeadlineRestartsTimer() async throws {
        let dir = try makeTemporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = diskConfiguration(dir)
        configuration.saveDelay = .milliseconds(20)
        let manager = DocumentManager(configuration: configuration, notes: nil)
        let updates = try fixtureUpdates(session: 1)
        let writer = peer("w", kind: .yWebSocket)
        try await manager.join("d", peer: writer, outbound: RecordingOutbound())
        let awareness = AwarenessUpdate(entries: [.init(client: 5, clock: 1, state: #"{"user":{"name":"W"}}"#)])
        try await manager.awarenessFromYProtocols("d", bytes: awareness.encoded(), from: writer)
        // The timer now sleeps toward the awareness expiry, 30 s away.
        try await manager.applyUpdate("d", update: updates[0], from: writer)
        for _ in 0..<200 where manager.stats.saves == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(manager.stats.saves == 1, "saved after the 20 ms delay, not at the awareness expiry")
        try await manager.applyUpdate("d", update: updates[1], from: writer)
        for _ in 0..<200 where manager.stats.saves == 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(manager.stats.saves == 2)
    }

    @Test("A failed state write is reported to the members (save_failed), and the receipt follows once it succeeds")
    func saveFailureIsReported() async throws {
        let dir = try makeTemporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stores = FaultyStorages(directory: dir)
        let manager = DocumentManager(configuration: stores.configuration(), notes: nil)
        let member = RecordingOutbound()
        try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
        try await manager.join("d", peer: peer("b"), outbound: member)
        stores["d"]?.failStateWrites = true
        try await manager.applyUpdate("d", update: try fixtureUpdates(session: 1)[0], from: peer("a"))
        var failures: [JSONValue] = []
        for _ in 0..<200 where failures.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
            failures += member.take("ydoc:document:save_failed")
        }
        #expect(failures.first?["document_id"] == "d")
        stores["d"]?.failStateWrites = false
        var receipts: [JSONValue] = []
        for _ in 0..<300 where receipts.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
            receipts += member.take("ydoc:document:saved")
        }
        #expect(receipts.first?["state_vector"]?.byteArrayValue == (await manager.loadedRoom("d")?.stateVector()))
    }
}
