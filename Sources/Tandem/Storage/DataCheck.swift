import Foundation
import Wire
import YCRDT

/// `tandem check DATA_DIR [--repair]`: verifies every file the server stores and reports sizes and problems; with
/// `repair`, fixes what can be fixed without losing anything that was intact, keeping a copy of every original.
///
/// Checked: each document's `id`, `state.bin` (decodes as a v1 update) and `wal.ylog` (parsed with ``WALFormat``
/// without rewriting it, unlike ``WriteAheadLog/recoverReport(path:limit:)``; every record decodes as an update);
/// each note file (JSON, a note, its id matches its name); each channel's `channel.json` and `messages.ylog` (every
/// record JSON); `chats/last_read.json`; and stray `*.tmp-<pid>` files left by a crash during an atomic write.
///
/// Repairs: a log with torn or corrupt bytes or undecodable records is rewritten with its intact records; a stray
/// temporary file or an unreadable `last_read.json` is moved out; a missing `id` file is written when the folder
/// name says the id. Originals go to `<data>/repair-<UTC time>/` under their own relative path first. A damaged
/// state, note or channel file is reported but not touched: only a backup can restore it. Run it with the server
/// stopped: the server holds the logs open.
public struct DataCheck {
    public let dataDirectory: String
    public let repair: Bool
    /// Largest file read (default 256 MiB, the server's `maxStoredBytes`); a larger one is reported.
    public var maxFileBytes: Int
    /// The time that names the backup folder.
    public let now: Date

    var report: DataCheckReport
    var backup: String?

    public init(dataDirectory: String, repair: Bool, maxFileBytes: Int = DocumentConfiguration().maxStoredBytes, now: Date) {
        self.dataDirectory = dataDirectory
        self.repair = repair
        self.maxFileBytes = maxFileBytes
        self.now = now
        self.report = DataCheckReport(dataDirectory: dataDirectory, repairing: repair)
    }

    /// Checks (and with `repair`, repairs) the data directory.
    /// - Throws: ``StorageError`` when the directory does not exist or is not a directory.
    public static func run(dataDirectory: String, repair: Bool, now: Date = Date()) throws(StorageError) -> DataCheckReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StorageError(path: dataDirectory, operation: "not a data directory", code: 0)
        }
        var check = DataCheck(dataDirectory: dataDirectory, repair: repair, now: now)
        check.checkDocuments()
        check.checkNotes()
        check.checkChannels()
        check.checkChatReads()
        check.report.backupDirectory = check.backup
        return check.report
    }

    // MARK: Documents

    mutating func checkDocuments() {
        for name in FileIO.list(dataDirectory + "/documents") {
            let relative = "documents/" + name
            guard isDirectory(relative) else { continue }
            var bytes = 0
            var detail: [String] = []
            let id = checkID(relative, folderName: name)
            if let state = readFile(relative + "/state.bin") {
                bytes += state.count
                detail.append("state \(DataCheckReport.size(state.count))")
                do {
                    _ = try Update(v1: state)
                } catch {
                    problem(relative + "/state.bin", "does not decode as a Yjs update (\(error.description)); the server refuses to load this document")
                }
            }
            if let log = readFile(relative + "/wal.ylog") {
                bytes += log.count
                let records = checkLog(relative + "/wal.ylog", log, recordKind: "Yjs updates") { (try? Update(v1: $0)) != nil }
                detail.append("log \(records) records")
            }
            for file in FileIO.list(dataDirectory + "/" + relative) {
                let path = relative + "/" + file
                if Self.isTemporary(file) {
                    strayTemporary(path)
                } else if file.hasPrefix("wal.ylog.corrupt-") {
                    let size = fileSize(path)
                    bytes += size
                    remark(path, "copy of \(DataCheckReport.size(size)) set aside from the log earlier; delete it once inspected")
                }
            }
            report.items.append(.init(kind: .document, path: relative, name: id ?? "", bytes: bytes, detail: detail.joined(separator: ", ")))
        }
    }

    /// Reads and verifies a folder's `id` file; writes it on repair when missing and the folder name says it.
    mutating func checkID(_ relative: String, folderName: String) -> String? {
        guard let bytes = readFile(relative + "/id") else {
            let decoded = SafeFileName.decode(folderName)
            guard let decoded else {
                problem(relative + "/id", "missing, and the folder name is hashed so the id cannot be recovered (the document still loads by its id)")
                return nil
            }
            problem(relative + "/id", "missing", repair: "write it (\(decoded)) from the folder name") { check throws(StorageError) in
                try FileIO.writeAtomically(Array(decoded.utf8), to: check.dataDirectory + "/" + relative + "/id")
            }
            return decoded
        }
        let id = String(decoding: bytes, as: UTF8.self)
        if SafeFileName.encode(id) != folderName {
            problem(relative + "/id", "names \(id), whose folder would be \(SafeFileName.encode(id)): the server never opens this folder")
        }
        return id
    }

    /// Parses a checksummed log without rewriting it; reports torn or corrupt bytes and records `isValid` rejects,
    /// and on repair rewrites it with the intact, valid records. Returns the number of records.
    mutating func checkLog(_ path: String, _ bytes: [UInt8], recordKind: String, isValid: ([UInt8]) -> Bool) -> Int {
        let parsed = WALFormat.parse(bytes)
        let valid = parsed.records.filter(isValid)
        let invalid = parsed.records.count - valid.count
        var wrong: [String] = []
        if parsed.setAsideBytes > 0 { wrong.append("\(parsed.setAsideBytes) torn or corrupt bytes") }
        if invalid > 0 { wrong.append("\(invalid) intact records that are not \(recordKind)") }
        if !wrong.isEmpty {
            problem(path, wrong.joined(separator: " and "), repair: "rewrite it with its \(valid.count) good records") {
                check throws(StorageError) in
                try check.keepCopy(path)
                try FileIO.writeAtomically(WALFormat.encode(valid), to: check.dataDirectory + "/" + path)
            }
        } else if parsed.isLegacy && !bytes.isEmpty {
            remark(path, "in the earlier plain format; the server rewrites it with checksums when it next opens it")
        }
        return valid.count
    }

    // MARK: Notes, channels, chat reads

    mutating func checkNotes() {
        for name in FileIO.list(dataDirectory + "/notes") {
            let path = "notes/" + name
            if Self.isTemporary(name) {
                strayTemporary(path)
                continue
            }
            guard name.hasSuffix(".json"), let bytes = readFile(path) else { continue }
            var title = String(name.dropLast(5))
            if let value = try? JSONValue(parsing: bytes), let note = Note(json: value) {
                title = note.id
                if SafeFileName.encode(note.id) + ".json" != name {
                    problem(path, "holds note \(note.id), whose file would be \(SafeFileName.encode(note.id)).json: the server does not load it")
                }
            } else {
                problem(path, "is not a note (invalid JSON, or no id, user_id or timestamps): the server does not load it")
            }
            report.items.append(.init(kind: .note, path: path, name: title, bytes: bytes.count, detail: ""))
        }
    }

    mutating func checkChannels() {
        for name in FileIO.list(dataDirectory + "/channels") {
            let relative = "channels/" + name
            guard isDirectory(relative) else { continue }
            var bytes = 0
            var title = ""
            var detail = ""
            if let stored = readFile(relative + "/channel.json") {
                bytes += stored.count
                if let value = try? JSONValue(parsing: stored), let channel = Channel(stored: value) {
                    title = channel.name
                    if SafeFileName.encode(channel.id) != name {
                        problem(relative + "/channel.json", "holds channel \(channel.id), whose folder would be \(SafeFileName.encode(channel.id)): the server refuses to start")
                    }
                } else {
                    problem(relative + "/channel.json", "is not a channel: the server refuses to start")
                }
            } else if !FileIO.exists(dataDirectory + "/" + relative + "/channel.json") {
                remark(relative, "has no channel.json; the server ignores this folder")
            }
            if let log = readFile(relative + "/messages.ylog") {
                bytes += log.count
                let records = checkLog(relative + "/messages.ylog", log, recordKind: "JSON entries") { (try? JSONValue(parsing: $0)) != nil }
                detail = "log \(records) records"
            }
            for file in FileIO.list(dataDirectory + "/" + relative) where Self.isTemporary(file) {
                strayTemporary(relative + "/" + file)
            }
            report.items.append(.init(kind: .channel, path: relative, name: title, bytes: bytes, detail: detail))
        }
    }

    mutating func checkChatReads() {
        for name in FileIO.list(dataDirectory + "/chats") where Self.isTemporary(name) { strayTemporary("chats/" + name) }
        let path = "chats/last_read.json"
        guard let bytes = readFile(path) else { return }
        if (try? JSONValue(parsing: bytes))?.objectValue == nil {
            problem(path, "is not a JSON object (the server starts with no read markers and overwrites it)", repair: "move it out") {
                check throws(StorageError) in try check.moveOut(path)
            }
        }
        report.items.append(.init(kind: .chatReads, path: path, name: "", bytes: bytes.count, detail: ""))
    }

    /// Whether `name` is a temporary file of ``FileIO/writeAtomically(_:to:)`` (`<file>.tmp-<pid>`).
    static func isTemporary(_ name: String) -> Bool {
        guard let range = name.range(of: ".tmp-", options: .backwards) else { return false }
        let pid = name[range.upperBound...]
        return !pid.isEmpty && pid.allSatisfy(\.isNumber)
    }
}
