#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a data directory: `flock(LOCK_EX | LOCK_NB)` on `DATA_DIR/tandem.lock`, held as
/// long as this object lives (the kernel drops it when the process ends, however it ends).
///
/// `tandem serve` takes it for its whole run, so a second server on the same directory fails fast instead of
/// writing the same logs; `tandem check --repair` takes it for the repair, so it never rewrites files under a
/// running server (and a server started meanwhile waits for nothing: it fails fast too). A plain `tandem check`
/// only asks ``holder(dataDirectory:)``. The holder writes its process id into the file, for the error message;
/// the file itself stays (removing it would let two processes lock two different files). See Docs/operations.md.
public final class DataDirectoryLock: Sendable {
    /// The lock file's name inside the data directory.
    public static let fileName = "tandem.lock"

    /// Why the lock could not be taken.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Another process holds it; its process id when the file names one.
        case held(directory: String, pid: Int32?)
        /// The directory or the lock file could not be created or opened.
        case storage(StorageError)

        public var description: String {
            switch self {
            case .held(let directory, let pid):
                let who = pid.map { "another tandem process (pid \($0))" } ?? "another tandem process"
                let file = directory + "/" + DataDirectoryLock.fileName
                return "the data directory \(directory) is in use by \(who): \(file) is locked"
            case .storage(let error):
                return error.description
            }
        }
    }

    /// The lock file's path.
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the lock on `dataDirectory` (creating the directory and the lock file when missing) and writes this
    /// process' id into the file.
    /// - Throws: ``Failure/held(directory:pid:)`` at once, without waiting, when another process holds it.
    public static func acquire(dataDirectory: String) throws(Failure) -> DataDirectoryLock {
        do { try FileIO.makeDirectories(dataDirectory) } catch { throw .storage(error) }
        let path = dataDirectory + "/" + fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .storage(StorageError(path: path, operation: "open")) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .held(directory: dataDirectory, pid: readPID(path)) }
            throw .storage(StorageError(path: path, operation: "flock", code: code))
        }
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
        return DataDirectoryLock(path: path, descriptor: fd)
    }

    /// A process that holds the lock.
    public struct Holder: Sendable, Equatable {
        /// Its process id, when the lock file names one.
        public var pid: Int32?
    }

    /// The process that holds the lock on `dataDirectory`; nil when nobody does (or there is no lock file).
    /// Creates nothing: a read-only check may run on a read-only disk.
    public static func holder(dataDirectory: String) -> Holder? {
        let path = dataDirectory + "/" + fileName
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0, errno == EWOULDBLOCK else { return nil }
        return Holder(pid: readPID(path))
    }

    /// The process id written in the lock file, if any.
    static func readPID(_ path: String) -> Int32? {
        guard let bytes = try? FileIO.read(path, limit: 64) else { return nil }
        return Int32(String(decoding: bytes, as: UTF8.self).trimmingSpaces)
    }
}

extension String {
    /// Without leading and trailing spaces and newlines (no Foundation in this file).
    fileprivate var trimmingSpaces: String {
        String(self.drop { $0 == " " || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\n" }.reversed())
    }
}
