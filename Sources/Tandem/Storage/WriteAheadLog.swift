#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Wire

/// How often the write-ahead log calls fsync.
///
/// Every append is written to the kernel before the update is acknowledged or relayed, so a killed process
/// (`kill -9`) never loses an update a client has seen; fsync only decides what survives a power loss or kernel crash.
public enum SyncPolicy: Sendable, Equatable {
    /// fsync after every append: slowest, survives power loss without a window.
    case always
    /// fsync at most once per interval (the room also syncs on its own timer): the default, 50 ms.
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

/// An append-only log of records (Yjs updates, channel operations) that survives torn writes and corruption in the
/// middle of the file.
///
/// Format (``WALFormat``): an 8-byte header, then records of `marker (2 bytes) · varUint length · payload · CRC-32C
/// (4 bytes, little-endian, over length and payload)`. Reading stops trusting a record whose checksum fails and
/// resynchronises at the next marker whose record checks out, so one bad byte costs one record, not the rest of the
/// log. Anything set aside is first copied to `<log>.corrupt-<n>`. Logs written by earlier versions (plain `.ylog`:
/// varUint length · payload) are read and rewritten in the current format on open.
///
/// A failed append (ENOSPC, EIO) is cut back at once, so a half-written record never sits in front of later ones.
/// Owned by one actor; not Sendable.
public final class WriteAheadLog {
    /// The log file's path.
    public let path: String
    /// When appends are fsynced.
    public let policy: SyncPolicy
    /// Bytes in the log, header and record framing included.
    public private(set) var byteCount: Int
    /// Records appended since the log was opened or truncated, plus those recovered at open.
    public private(set) var recordCount: Int

    private var fd: Int32
    private var lastSync: ContinuousClock.Instant
    private var unsynced = false
    /// A failed append whose bytes could not be cut back yet; the next append retries the cut first.
    private var needsCut = false
    /// Writes bytes to the file; replaced in tests to simulate partial writes and full disks.
    var writer: (Int32, [UInt8], String) throws(StorageError) -> Void = { fd, bytes, path throws(StorageError) in
        try FileIO.writeAll(fd: fd, bytes: bytes, path: path)
    }

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

    /// Appends one record as a single write, then fsyncs as the policy says.
    ///
    /// - Throws: ``StorageError`` when the bytes could not be written; the file is cut back to its previous length,
    ///   so the caller may refuse the update and later appends stay readable.
    public func append(_ payload: [UInt8], now: ContinuousClock.Instant = .now) throws(StorageError) {
        if needsCut { try cut() }
        var bytes = byteCount == 0 ? WALFormat.header : []
        bytes += WALFormat.record(payload)
        do {
            try writer(fd, bytes, path)
        } catch {
            needsCut = true
            try? cut()
            throw error
        }
        byteCount += bytes.count
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

    /// Cuts the file back to the last complete record after a failed append.
    private func cut() throws(StorageError) {
        guard ftruncate(fd, off_t(byteCount)) == 0 else { throw StorageError(path: path, operation: "ftruncate") }
        needsCut = false
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

    /// Empties the log once its records are safely elsewhere (the state file, a compacted log).
    public func truncate() throws(StorageError) {
        guard ftruncate(fd, 0) == 0 else { throw StorageError(path: path, operation: "ftruncate") }
        if policy != .never, fsync(fd) != 0 { throw StorageError(path: path, operation: "fsync") }
        byteCount = 0
        recordCount = 0
        unsynced = false
        needsCut = false
    }

    /// Reads every intact record of the log at `path`, setting aside what is torn or corrupt.
    ///
    /// When anything is set aside, or the file is in the earlier plain format, the original is first copied to
    /// `<path>.corrupt-<n>` (only when something was set aside) and the log is rewritten with the intact records.
    /// - Parameter limit: the largest log accepted, checked before reading.
    /// - Returns: the records in order (empty when the file does not exist).
    public static func recover(path: String, limit: Int = 1 << 30) throws(StorageError) -> [[UInt8]] {
        try recoverReport(path: path, limit: limit).records
    }

    /// What ``recoverReport(path:limit:)`` found.
    public struct Recovery: Sendable {
        /// The intact records, in order.
        public var records: [[UInt8]]
        /// Bytes that were not part of an intact record (torn tail, corrupt records).
        public var setAsideBytes: Int
        /// Where the original was copied before it was rewritten; nil when nothing was set aside.
        public var copyPath: String?
    }

    /// Like ``recover(path:limit:)``, with what was set aside and where its copy is.
    public static func recoverReport(path: String, limit: Int = 1 << 30) throws(StorageError) -> Recovery {
        guard let bytes = try FileIO.read(path, limit: limit) else { return Recovery(records: [], setAsideBytes: 0) }
        let parsed = WALFormat.parse(bytes)
        var copyPath: String?
        if parsed.setAsideBytes > 0 {
            var n = 1
            while FileIO.exists("\(path).corrupt-\(n)") { n += 1 }
            copyPath = "\(path).corrupt-\(n)"
            try FileIO.writeAtomically(bytes, to: "\(path).corrupt-\(n)")
        }
        if parsed.setAsideBytes > 0 || (parsed.isLegacy && !bytes.isEmpty) {
            try FileIO.writeAtomically(WALFormat.encode(parsed.records), to: path)
        }
        return Recovery(records: parsed.records, setAsideBytes: parsed.setAsideBytes, copyPath: copyPath)
    }

    /// The intact records of log bytes in either format (checksummed, or the earlier plain `.ylog`), and how many
    /// bytes a load would set aside; reads only (`tandem replay`, `tandem check`).
    public static func readRecords(_ bytes: [UInt8]) -> (records: [[UInt8]], setAsideBytes: Int) {
        let parsed = WALFormat.parse(bytes)
        return (parsed.records, parsed.setAsideBytes)
    }

    /// Splits plain `.ylog` bytes (varUint length · payload, no checksums) into records; returns the records and the
    /// length of the complete prefix. This is the format of `tandem update` and `tandem replay` inputs.
    public static func parseRecords(_ bytes: [UInt8]) -> (records: [[UInt8]], validLength: Int) {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard let (length, cursor) = WALFormat.readLength(bytes, at: offset), length <= bytes.count - cursor else {
                break
            }
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
