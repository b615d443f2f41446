#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How often the write-ahead log calls fsync.
///
/// Every append is written to the kernel before the update is relayed, so a killed process (`kill -9`) never loses an
/// update a client has seen; fsync only decides what survives a power loss or kernel crash.
public enum SyncPolicy: Sendable, Equatable {
    /// fsync after every append: slowest, survives power loss without a window.
    case always
    /// fsync at most once per interval (the persister also syncs on its own timer): the default, 50 ms.
    case batched(Duration)
    /// Leave syncing to the kernel (tests and benchmarks).
    case never

    /// Parses `always`, `never` or a number of milliseconds.
    public init?(parsing text: String) {
        switch text {
        case "always": self = .always
        case "never": self = .never
        default:
            guard let ms = Int(text), ms >= 0 else { return nil }
            self = ms == 0 ? .always : .batched(.milliseconds(ms))
        }
    }
}

/// One document's append-only log of updates, in the `.ylog` format: each record is a lib0 varUint byte length
/// followed by the update bytes, so `tandem replay` and `tandem update` read it directly.
///
/// The log is owned by one actor (the persister), hence not Sendable. A crash can leave a torn last record; opening
/// the log truncates such a tail (see ``recover(path:limit:)``).
public final class WriteAheadLog {
    /// The log file's path.
    public let path: String
    /// When appends are fsynced.
    public let policy: SyncPolicy
    /// Bytes in the log, including length prefixes.
    public private(set) var byteCount: Int
    /// Records appended since the log was opened or truncated, plus those recovered at open.
    public private(set) var recordCount: Int

    private var fd: Int32
    private var lastSync: ContinuousClock.Instant
    private var unsynced = false

    /// Opens (creating if needed) the log at `path` for appending. Call ``recover(path:limit:)`` first to read it.
    public init(path: String, policy: SyncPolicy, existingRecords: Int = 0) throws(StorageError) {
        self.path = path
        self.policy = policy
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError(path: path, operation: "open") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw StorageError(path: path, operation: "fstat")
        }
        self.fd = fd
        self.byteCount = Int(info.st_size)
        self.recordCount = existingRecords
        self.lastSync = .now
    }

    deinit {
        if unsynced { fsync(fd) }
        close(fd)
    }

    /// Appends one update as a single write, then fsyncs as the policy says.
    public func append(_ update: [UInt8], now: ContinuousClock.Instant = .now) throws(StorageError) {
        var record = WriteAheadLog.lengthPrefix(update.count)
        record.append(contentsOf: update)
        try FileIO.writeAll(fd: fd, bytes: record, path: path)
        byteCount += record.count
        recordCount += 1
        unsynced = true
        switch policy {
        case .always:
            try sync(now: now)
        case .batched(let interval):
            if now - lastSync >= interval { try sync(now: now) }
        case .never:
            break
        }
    }

    /// Whether appends are waiting for an fsync.
    public var needsSync: Bool { unsynced && policy != .never }

    /// fsyncs pending appends.
    public func sync(now: ContinuousClock.Instant = .now) throws(StorageError) {
        guard unsynced else { return }
        guard fsync(fd) == 0 else { throw StorageError(path: path, operation: "fsync") }
        unsynced = false
        lastSync = now
    }

    /// Empties the log once its updates are safely in the state file.
    public func truncate() throws(StorageError) {
        guard ftruncate(fd, 0) == 0 else { throw StorageError(path: path, operation: "ftruncate") }
        if policy != .never, fsync(fd) != 0 { throw StorageError(path: path, operation: "fsync") }
        byteCount = 0
        recordCount = 0
        unsynced = false
    }

    /// Reads every complete record of the log at `path`; a torn final record (a crash mid-append) is cut off the file.
    ///
    /// - Parameter limit: the largest log accepted, checked before reading.
    /// - Returns: the records in order (empty when the file does not exist).
    public static func recover(path: String, limit: Int = 1 << 30) throws(StorageError) -> [[UInt8]] {
        guard let bytes = try FileIO.read(path, limit: limit) else { return [] }
        let (records, validLength) = parseRecords(bytes)
        if validLength < bytes.count {
            guard Glibc.truncate(path, off_t(validLength)) == 0 else {
                throw StorageError(path: path, operation: "truncate torn tail")
            }
        }
        return records
    }

    /// Splits `.ylog` bytes into records; returns the records and the length of the complete prefix.
    public static func parseRecords(_ bytes: [UInt8]) -> (records: [[UInt8]], validLength: Int) {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            var length = 0
            var shift = 0
            var cursor = offset
            var complete = false
            while cursor < bytes.count && shift < 53 {
                let byte = bytes[cursor]
                length |= Int(byte & 0x7f) << shift
                cursor += 1
                shift += 7
                if byte & 0x80 == 0 { complete = true; break }
            }
            guard complete, length <= bytes.count - cursor else { break }
            records.append(Array(bytes[cursor..<(cursor + length)]))
            offset = cursor + length
        }
        return (records, offset)
    }

    /// The lib0 varUint encoding of a record length.
    static func lengthPrefix(_ length: Int) -> [UInt8] {
        var out: [UInt8] = []
        var value = length
        while value > 0x7f {
            out.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }
}
