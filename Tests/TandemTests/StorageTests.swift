import Foundation
import Testing
@testable import Tandem

/// A fresh directory under the system temporary directory, removed by the caller.
func makeTemporaryDirectory(_ label: String = "storage") throws -> String {
    let path = NSTemporaryDirectory() + "tandem-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("File storage")
struct StorageTests {
    @Test("An atomic write replaces the file and leaves no temporary behind")
    func atomicWrite() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.bin"
        try FileIO.writeAtomically([1, 2, 3], to: path)
        try FileIO.writeAtomically([4, 5], to: path)
        #expect(try FileIO.read(path) == [4, 5])
        #expect(FileIO.list(dir) == ["state.bin"])
        #expect(try FileIO.read(dir + "/missing") == nil)
    }

    @Test("Reading a file larger than the limit is an error, not an allocation")
    func readLimit() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileIO.writeAtomically([UInt8](repeating: 7, count: 100), to: dir + "/big")
        #expect(throws: StorageError.self) { try FileIO.read(dir + "/big", limit: 99) }
    }

    @Test("makeDirectories creates nested folders and accepts existing ones")
    func directories() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileIO.makeDirectories(dir + "/a/b/c")
        try FileIO.makeDirectories(dir + "/a/b/c")
        #expect(FileIO.exists(dir + "/a/b/c"))
        #expect(FileIO.parent(of: dir + "/a/b") == dir + "/a")
        #expect(FileIO.parent(of: "name") == ".")
    }

    @Test("Appended updates come back in order after reopening")
    func walRoundTrip() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/wal.ylog"
        let updates: [[UInt8]] = [[0, 0], Array(repeating: 9, count: 300), [1, 2, 3]]
        do {
            let log = try WriteAheadLog(path: path, policy: .always)
            for update in updates { try log.append(update) }
            #expect(log.recordCount == 3)
            // Header, then per record: marker (2), varUint length, payload, CRC-32C (4).
            #expect(log.byteCount == 8 + (2 + 1 + 2 + 4) + (2 + 2 + 300 + 4) + (2 + 1 + 3 + 4))
        }
        #expect(try WriteAheadLog.recover(path: path) == updates)
        let reopened = try WriteAheadLog(path: path, policy: .never, existingRecords: 3)
        try reopened.append([4])
        try reopened.truncate()
        #expect(try WriteAheadLog.recover(path: path).isEmpty)
    }

    @Test("A torn final record of a plain log is cut off (a copy kept), the log is rewritten, later appends stay readable")
    func tornTail() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/wal.ylog"
        // The earlier plain format: one complete record, then one claiming 10 bytes with only 3 present.
        try FileIO.writeAtomically([2, 0, 0, 10, 1, 2, 3], to: path)
        #expect(try WriteAheadLog.recover(path: path) == [[0, 0]])
        #expect(try FileIO.read(path) == WALFormat.encode([[0, 0]]))
        #expect(try FileIO.read(path + ".corrupt-1") == [2, 0, 0, 10, 1, 2, 3])
        let log = try WriteAheadLog(path: path, policy: .batched(.milliseconds(50)), existingRecords: 1)
        try log.append([5, 6])
        try log.sync()
        #expect(try WriteAheadLog.recover(path: path) == [[0, 0], [5, 6]])
    }

    @Test("Record parsing never traps on arbitrary bytes")
    func parseArbitraryBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let count = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let (records, valid) = WriteAheadLog.parseRecords(bytes)
            #expect(valid <= bytes.count)
            #expect(records.reduce(0) { $0 + $1.count } <= valid)
        }
        // An overlong length prefix (more than 53 bits) is treated as torn, not as a huge allocation.
        let overlong = [UInt8](repeating: 0xff, count: 12)
        #expect(WriteAheadLog.parseRecords(overlong).validLength == 0)
    }

    @Test("Sync policies parse from their flag spelling")
    func syncPolicyParsing() {
        #expect(SyncPolicy(parsing: "always") == .always)
        #expect(SyncPolicy(parsing: "never") == .never)
        #expect(SyncPolicy(parsing: "50") == .batched(.milliseconds(50)))
        #expect(SyncPolicy(parsing: "0") == .always)
        #expect(SyncPolicy(parsing: "-1") == nil)
        #expect(SyncPolicy(parsing: "soon") == nil)
    }
}
