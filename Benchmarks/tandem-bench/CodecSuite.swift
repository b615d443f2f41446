import BenchKit
import Foundation
import YCRDT

/// `tandem-bench codec [LOG]`: decode, encode and merge every update of an update log (default: the shared
/// automerge-paper.ylog, 259,778 Yjs v1 updates), printed as a table and as JSON.
enum CodecSuite {
    struct Result {
        var name: String
        var milliseconds: Double
        var bytes: Int
        var note: String
        var megabytesPerSecond: Double { Double(self.bytes) / 1_000_000 / (self.milliseconds / 1000) }
    }

    static func defaultLog() -> String {
        if let env = ProcessInfo.processInfo.environment["TANDEM_SHARED"] { return env + "/fixtures/yjs/automerge-paper.ylog" }
        let cwd = FileManager.default.currentDirectoryPath
        let beside = URL(fileURLWithPath: cwd).deletingLastPathComponent().appendingPathComponent("shared").path
        if FileManager.default.fileExists(atPath: beside) { return beside + "/fixtures/yjs/automerge-paper.ylog" }
        return "/work/shared/fixtures/yjs/automerge-paper.ylog"
    }

    /// Best of `runs` timings of `body`, in milliseconds.
    static func time<T>(runs: Int, _ body: () throws -> T) rethrows -> (Double, T) {
        var best = Double.infinity
        var last: T? = nil
        for _ in 0 ..< runs {
            let start = ContinuousClock.now
            let value = try body()
            let d = ContinuousClock.now - start
            let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            best = min(best, ms)
            last = value
        }
        return (best, last!)
    }

    static func run(_ args: [String], path given: String? = nil, runs: Int = 5) throws -> [Result] {
        var positional: [String] = []
        var i = 0
        while i < args.count {
            if args[i].hasPrefix("--") { i += 2; continue }
            positional.append(args[i])
            i += 1
        }
        let path = given ?? positional.first ?? self.defaultLog()
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandLineError("cannot read \(path)") }
        let file = [UInt8](data)
        let records = try YLog.records(file)
        let total = records.reduce(0) { $0 + $1.count }
        var results: [Result] = []

        let (decodeMs, updates) = try self.time(runs: runs) { try records.map { try Update(v1: $0) } }
        results.append(Result(name: "decode v1 (\(records.count) updates)", milliseconds: decodeMs, bytes: total, note: ""))

        let (encodeMs, encoded) = self.time(runs: runs) { updates.map { $0.encodeV1() } }
        let identical = zip(encoded, records).allSatisfy { $0[...] == $1 }
        results.append(Result(name: "encode v1 (\(records.count) updates)", milliseconds: encodeMs, bytes: total, note: identical ? "byte-identical" : "MISMATCH"))

        let (mergeMs, merged) = try self.time(runs: runs) { try Update.merge(records, format: .v1) }
        results.append(Result(name: "merge v1 bytes→bytes (all updates)", milliseconds: mergeMs, bytes: total, note: "\(merged.count) bytes out"))

        for prefix in [1_000, 10_000] where prefix < records.count {
            let (ms, out) = try self.time(runs: runs) { try Update.merge(Array(records.prefix(prefix)), format: .v1) }
            results.append(Result(name: "merge first \(prefix) updates", milliseconds: ms, bytes: records.prefix(prefix).reduce(0) { $0 + $1.count }, note: "\(out.count) bytes out"))
        }

        let (modelMergeMs, _) = self.time(runs: runs) { Update.merged(updates) }
        results.append(Result(name: "merge Update values (decoded)", milliseconds: modelMergeMs, bytes: total, note: ""))

        let mergedUpdate = try Update(v1: merged)
        let (v2Ms, v2) = self.time(runs: runs) { mergedUpdate.converted().encodeV2() }
        results.append(Result(name: "convert merged to v2", milliseconds: v2Ms, bytes: merged.count, note: "\(v2.count) bytes out"))

        let (decodeMergedMs, _) = try self.time(runs: runs) { try Update(v1: merged) }
        results.append(Result(name: "decode merged v1", milliseconds: decodeMergedMs, bytes: merged.count, note: ""))

        let (svMs, sv) = self.time(runs: runs) { mergedUpdate.stateVector }
        results.append(Result(name: "state vector of merged", milliseconds: svMs, bytes: merged.count, note: "clock \(sv.entries.first?.clock ?? 0)"))

        if let out = args.firstIndex(of: "--write-merged").map({ args.index(after: $0) }), out < args.count {
            _ = FileManager.default.createFile(atPath: args[out], contents: Data(merged))
        }
        return results
    }

    static func report(_ results: [Result]) -> String {
        var lines = ["| codec operation | ms (best of 5) | MB/s | note |", "|---|---:|---:|---|"]
        for r in results {
            lines.append("| \(r.name) | \(String(format: "%.1f", r.milliseconds)) | \(String(format: "%.1f", r.megabytesPerSecond)) | \(r.note) |")
        }
        let json = results.map {
            "{\"name\":\"\($0.name)\",\"ms\":\(String(format: "%.3f", $0.milliseconds)),\"MBps\":\(String(format: "%.2f", $0.megabytesPerSecond)),\"bytes\":\($0.bytes),\"note\":\"\($0.note)\"}"
        }
        lines.append("")
        lines.append("{\"suite\":\"codec\",\"results\":[" + json.joined(separator: ",") + "]}")
        return lines.joined(separator: "\n")
    }
}

/// A benchmark setup failure.
struct CommandLineError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension CodecSuite: BenchSuite {
    static let name = "codec"
    static let title = "Yjs update codec on an update log: decode, encode, merge (v1)"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        let path = context.logPath
        let file = URL(fileURLWithPath: path).lastPathComponent
        context.step(name, "decode, encode and merge \(file) (best of \(max(context.repeats, 1)))")
        let results = try self.run([], path: path, runs: max(context.repeats, 1))
        var report = SuiteReport(suite: name, title: title)
        var reference: (name: String, results: [String: Double])?
        if context.options.references {
            context.step(name, "pycrdt merge_updates of the first 1,000 and 10,000 updates")
            do {
                reference = try PythonReference.pycrdt(
                    ["--log", path, "--ops", "codec", "--repeat", "\(max(1, min(context.repeats, 3)))"])
            } catch {
                report.notes.append("pycrdt reference skipped: \(error)")
            }
        }
        var yjs: ReferenceOutput?
        if context.options.references {
            context.step(name, "Yjs mergeUpdates of the first 1,000 and 10,000 updates (when TANDEM_YJS is set)")
            switch YjsReference.run(["--log", path, "--ops", "codec", "--repeat", "\(max(1, min(context.repeats, 3)))"]) {
            case .success(let output): yjs = output
            case .failure(let note): report.notes.append(note.description)
            }
        }
        for result in results {
            var row = BenchRow(group: file, name: result.name, value: result.milliseconds, unit: "ms",
                               note: result.note.isEmpty ? String(format: "%.1f MB/s", result.megabytesPerSecond) : result.note)
            for prefix in [1_000, 10_000] where result.name == "merge first \(prefix) updates" {
                if let value = reference?.results["merge_\(prefix)"] {
                    row.reference = value
                    row.referenceName = reference?.name
                }
                if let value = yjs?.results["merge_\(prefix)"] {
                    row.secondReference = value
                    row.secondReferenceName = yjs?.name
                }
            }
            report.rows.append(row)
        }
        report.notes.append("pycrdt (yrs) merges many small updates in super-linear time (151 s for 100,000 updates of "
            + "this log, see shared/fixtures/yjs/README.md), so the full-log merge is compared on prefixes only; Yjs's mergeUpdates is super-linear too.")
        return report
    }
}
