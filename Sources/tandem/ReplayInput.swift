import Foundation
import Tandem
import YCRDT

/// The inputs `tandem replay` accepts, read into one ordered list of updates.
///
/// - a file: what `tandem update` reads (``UpdateInputReader``): `.ylog`, JSON, or one raw update; a file named
///   `wal.ylog` is read as the server reads it, with a torn last record (a crash mid-append) ignored;
/// - a document folder of the server's data directory, `<data>/documents/<id>/` (Docs/persistence.md): `state.bin`
///   (the merged state) and then the records of `wal.ylog`, as the server loads it;
/// - a data directory with `--document ID`: that document's folder (ids map to folder names as the server does).
///
/// With `--version V` a document folder gives the stored state of version `V` of its history (`history/v-V.bin`,
/// Docs/history.md) instead of its current state.
enum ReplayInput {
    /// Largest stored version read by `--version` (1 GiB, far above the server's `--max-document-size` default).
    static let maxVersionBytes = 1 << 30

    static func read(_ paths: [String], document: String?, version: String? = nil) throws -> [UpdateInput] {
        var inputs: [UpdateInput] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CommandError("\(path): no such file or directory")
            }
            if isDirectory.boolValue {
                inputs += try self.folder(path, document: document, version: version)
            } else if URL(fileURLWithPath: path).lastPathComponent == "wal.ylog" {
                inputs += try self.wal(path)
            } else {
                inputs += try UpdateInputReader.read(path)
            }
        }
        return inputs
    }

    /// A document folder (state.bin, wal.ylog), or a data directory holding `documents/<id>/`.
    static func folder(_ path: String, document: String?, version: String? = nil) throws -> [UpdateInput] {
        let manager = FileManager.default
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        if let document, manager.fileExists(atPath: trimmed + "/documents") {
            let folder = DocumentFiles.folder(for: document, dataDirectory: trimmed)
            guard manager.fileExists(atPath: folder) else { throw CommandError("\(path): no document \(document)") }
            return try self.folder(folder, document: nil, version: version)
        }
        if let version { return try self.version(version, folder: trimmed) }
        let statePath = trimmed + "/state.bin"
        let walPath = trimmed + "/wal.ylog"
        guard manager.fileExists(atPath: statePath) || manager.fileExists(atPath: walPath) else {
            if manager.fileExists(atPath: trimmed + "/documents") {
                let ids = self.documentIDs(dataDirectory: trimmed)
                throw CommandError("\(path) is a data directory: choose a document with --document ID"
                    + (ids.isEmpty ? "" : " (documents: \(ids.prefix(20).joined(separator: ", ")))"))
            }
            throw CommandError("\(path): no state.bin or wal.ylog (expected a document folder <data>/documents/<id>/)")
        }
        var inputs: [UpdateInput] = []
        if let data = manager.contents(atPath: statePath) {
            inputs.append(UpdateInput(bytes: Array(data)[...], path: statePath, fileOffset: 0))
        }
        if manager.fileExists(atPath: walPath) { inputs += try self.wal(walPath) }
        return inputs
    }

    /// The stored state of version `id` of a document folder's history.
    static func version(_ id: String, folder: String) throws -> [UpdateInput] {
        let history = folder + "/history"
        let store: HistoryStore
        do { store = try HistoryStore(folder: history) } catch { throw CommandError("\(history): \(error)") }
        let state: [UInt8]?
        do { state = try store.state(of: id, limit: maxVersionBytes) } catch { throw CommandError("\(history): \(error)") }
        guard let state else {
            let ids = store.versions.map(\.id)
            throw CommandError("\(folder): no version \(id) (versions: \(ids.isEmpty ? "none" : ids.joined(separator: ", ")))")
        }
        return [UpdateInput(bytes: state[...], path: history + "/v-\(id).bin", place: nil, fileOffset: 0)]
    }

    /// The intact records of a write-ahead log, as the server reads it (checksummed records, or the earlier plain
    /// `.ylog` format); what the server would set aside is reported on stderr and skipped.
    static func wal(_ path: String) throws -> [UpdateInput] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("\(path): cannot read") }
        let bytes = Array(data)
        let (records, setAside) = WriteAheadLog.readRecords(bytes)
        if setAside > 0 {
            FileHandle.standardError.write(Data("\(path): ignoring \(setAside) torn or damaged bytes\n".utf8))
        }
        var inputs: [UpdateInput] = []
        // Checksummed logs: an 8-byte header, then marker (2) · length · payload · CRC (4) per record.
        let checksummed = bytes.first == 0
        var offset = checksummed ? 8 : 0
        for (index, record) in records.enumerated() {
            var header = checksummed ? 3 : 1
            var length = record.count
            while length >= 0x80 {
                header += 1
                length >>= 7
            }
            offset += header
            inputs.append(UpdateInput(bytes: record[...], path: path, place: .record(index), fileOffset: offset))
            offset += record.count + (checksummed ? 4 : 0)
        }
        return inputs
    }

    /// Document ids of a data directory (from each folder's `id` file).
    static func documentIDs(dataDirectory: String) -> [String] {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory + "/documents")) ?? []
        return folders.sorted().compactMap { folder in
            (try? String(contentsOfFile: dataDirectory + "/documents/" + folder + "/id", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

/// The `--stats` summary of a replay.
struct ReplaySummary {
    var updates: Int
    var inputBytes: Int
    var milliseconds: Double
    var stats: DocumentStats

    var text: String {
        let ratio = String(format: "%.1f %%", self.stats.deletedRatio * 100)
        return [
            "updates        \(self.updates)",
            "input bytes    \(self.inputBytes)",
            "clients        \(self.stats.clients)",
            "structs        \(self.stats.structs)",
            "state bytes    \(self.stats.stateBytes) (v1)",
            "content        \(self.stats.totalLength) (clock units inserted)",
            "deleted        \(self.stats.deletedLength) (\(ratio))",
            "pending        \(self.stats.pendingStructs) structs",
            String(format: "time           %.1f ms", self.milliseconds),
        ].joined(separator: "\n")
    }

    var json: YAny {
        .object([
            ("updates", .integer(Int64(self.updates))),
            ("inputBytes", .integer(Int64(self.inputBytes))),
            ("clients", .integer(Int64(self.stats.clients))),
            ("structs", .integer(Int64(self.stats.structs))),
            ("stateBytes", .integer(Int64(self.stats.stateBytes))),
            ("totalLength", .integer(Int64(self.stats.totalLength))),
            ("deletedLength", .integer(Int64(self.stats.deletedLength))),
            ("deletedRatio", .float64((self.stats.deletedRatio * 10000).rounded() / 10000)),
            ("pendingStructs", .integer(Int64(self.stats.pendingStructs))),
        ])
    }
}
