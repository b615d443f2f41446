#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors from the storage layer, each naming the path and the failing system call.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    /// The file or directory involved.
    public var path: String
    /// What was being done (`open`, `write`, `fsync`, `rename`, …) or what was wrong with the contents.
    public var operation: String
    /// `errno` at the failure, or 0 for a content error.
    public var code: Int32

    public init(path: String, operation: String, code: Int32 = errno) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    public var description: String {
        if code == 0 { return "\(operation): \(path)" }
        return "\(operation) failed for \(path): \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// Small POSIX file helpers for the storage layer: whole-file reads, crash-safe replacement, directories.
///
/// Foundation's `Data.write(options: .atomic)` does not fsync on Linux, so a crash right after a rename can leave an
/// empty file; these helpers write a temporary file, fsync it, rename it over the target and fsync the directory.
public enum FileIO {
    /// Reads a whole file; nil when it does not exist.
    /// - Parameter limit: the largest size accepted; a larger file is an error rather than an allocation.
    public static func read(_ path: String, limit: Int = 1 << 30) throws(StorageError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw StorageError(path: path, operation: "open")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StorageError(path: path, operation: "fstat") }
        let size = Int(info.st_size)
        guard size <= limit else {
            throw StorageError(path: path, operation: "file larger than the limit of \(limit) bytes", code: 0)
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress.map { $0 + done }, size - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError(path: path, operation: "read")
            }
            if n == 0 { break }
            done += n
        }
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    /// Replaces `path` with `bytes` so that a crash leaves either the old or the new contents, never a mix.
    ///
    /// Writes `path.tmp-<pid>`, fsyncs it, renames it over `path`, then fsyncs the directory so the rename itself
    /// is durable.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(StorageError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError(path: temporary, operation: "open") }
        do throws(StorageError) {
            try writeAll(fd: fd, bytes: bytes, path: temporary)
            guard fsync(fd) == 0 else { throw StorageError(path: temporary, operation: "fsync") }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let failure = StorageError(path: path, operation: "rename")
            unlink(temporary)
            throw failure
        }
        try syncDirectory(of: path)
    }

    /// Writes every byte to `fd`, retrying short writes and EINTR.
    public static func writeAll(fd: Int32, bytes: [UInt8], path: String) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress.map { $0 + done }, bytes.count - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError(path: path, operation: "write")
            }
            done += n
        }
    }

    /// fsyncs the directory that holds `path`, making a rename or a new file durable.
    public static func syncDirectory(of path: String) throws(StorageError) {
        let directory = parent(of: path)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError(path: directory, operation: "open directory") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StorageError(path: directory, operation: "fsync directory") }
    }

    /// Creates a directory and its missing parents (mode 0755); an existing directory is fine.
    public static func makeDirectories(_ path: String) throws(StorageError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw StorageError(path: current, operation: "mkdir")
            }
        }
    }

    /// Whether a file or directory exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Removes a file; a missing file is fine.
    public static func remove(_ path: String) throws(StorageError) {
        if unlink(path) != 0 && errno != ENOENT { throw StorageError(path: path, operation: "unlink") }
    }

    /// Removes an empty directory; false when it could not be removed.
    @discardableResult
    public static func removeDirectory(_ path: String) -> Bool {
        rmdir(path) == 0
    }

    /// The names in a directory, without `.` and `..`; empty when it does not exist.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The directory part of a path (`.` for a bare name).
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}
