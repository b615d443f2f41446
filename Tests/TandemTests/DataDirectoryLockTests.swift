import Foundation
import Testing
@testable import Tandem

/// The data directory's lock (`DATA_DIR/tandem.lock`): one server per directory, no repair under a server.
@Suite("Data directory lock")
struct DataDirectoryLockTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "tandem-lock-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("A second holder is refused at once with the first one's pid; the lock goes with its holder")
    func exclusive() throws {
        let data = try temporaryDirectory() + "/data"
        defer { try? FileManager.default.removeItem(atPath: FileIO.parent(of: data)) }
        #expect(DataDirectoryLock.holder(dataDirectory: data) == nil)
        var first: DataDirectoryLock? = try DataDirectoryLock.acquire(dataDirectory: data)
        #expect(first?.path == data + "/tandem.lock")
        #expect(DataDirectoryLock.holder(dataDirectory: data) == .init(pid: getpid()))
        do {
            _ = try DataDirectoryLock.acquire(dataDirectory: data)
            Issue.record("a second lock was granted")
        } catch {
            guard case .held(let directory, let pid) = error else { throw error }
            #expect(directory == data && pid == getpid())
            #expect(error.description.contains("the data directory \(data) is in use by another tandem process"))
        }
        withExtendedLifetime(first) {}
        first = nil
        #expect(DataDirectoryLock.holder(dataDirectory: data) == nil)
        let again = try DataDirectoryLock.acquire(dataDirectory: data)
        withExtendedLifetime(again) {}
    }

    @Test("check --repair is refused while the lock is held (exit 1, nothing changed); a plain check says so and runs")
    func repairRefused() throws {
        let data = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        // A stray temporary file: what --repair would move out.
        try FileIO.makeDirectories(data + "/notes")
        try FileIO.writeAtomically(Array("{}".utf8), to: data + "/notes/n.json.tmp-1")
        let lock = try DataDirectoryLock.acquire(dataDirectory: data)
        let refused = CheckCommand.run([data, "--repair"])
        #expect(refused.status == 1 && refused.output.isEmpty)
        #expect(refused.error.contains("refusing to repair: a tandem server (pid \(getpid())) is running on \(data)"))
        #expect(FileIO.exists(data + "/notes/n.json.tmp-1"))
        let check = CheckCommand.run([data])
        #expect(check.status == 1)
        #expect(check.output.hasPrefix("note: a tandem server is running on \(data) (pid \(getpid()))"))
        withExtendedLifetime(lock) {}
    }

    @Test("Without a server, --repair takes the lock for its run and releases it")
    func repairHoldsLock() throws {
        let data = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let repaired = CheckCommand.run([data, "--repair"])
        #expect(repaired.status == 0 && repaired.error.isEmpty)
        #expect(DataDirectoryLock.holder(dataDirectory: data) == nil)
        #expect(!CheckCommand.run([data]).output.hasPrefix("note:"))
        let missing = CheckCommand.run([data + "/absent", "--repair"])
        #expect(missing.status == 1 && !FileIO.exists(data + "/absent"))
    }
}
