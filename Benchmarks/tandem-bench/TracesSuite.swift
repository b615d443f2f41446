import BenchKit
import Foundation
import YCRDT

/// `--suite traces`: every editing trace in ../shared/traces (or the trace files given) through the local-edit API —
/// one transaction per trace txn, concurrent traces forked and merged along `parents` — then merge the recorded
/// updates (doc-less), encode the state and load it into a new document. Each result is checked against `endContent`.
enum TracesSuite: BenchSuite {
    static let name = "traces"
    static let title = "Editing traces: apply through the local-edit API, merge, encode, load"

    /// A trace file: its name and its transactions (YCRDT's ``EditingTrace``, which also replays it).
    struct Trace {
        var name: String
        var trace: EditingTrace
    }

    /// Reads a `.json` or `.json.gz` trace (gunzip through `gzip -dc`, as Foundation on Linux cannot).
    static func load(_ path: String) throws -> Trace {
        let data: Data
        if path.hasSuffix(".gz") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["gzip", "-dc", path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchError("gzip -dc \(path) failed") }
        } else {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        }
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let end = root["endContent"] as? String, let txns = root["txns"] as? [[String: Any]]
        else { throw BenchError("\(path): not an editing trace (endContent, txns)") }
        var parsed: [EditingTrace.Txn] = []
        parsed.reserveCapacity(txns.count)
        for (i, txn) in txns.enumerated() {
            let patches = (txn["patches"] as? [[Any]] ?? []).map { p in
                EditingTrace.Patch(
                    position: (p.first as? NSNumber)?.intValue ?? 0,
                    deleteCount: (p.count > 1 ? p[1] as? NSNumber : nil)?.intValue ?? 0,
                    insert: p.count > 2 ? (p[2] as? String ?? "") : "")
            }
            let parents = (txn["parents"] as? [NSNumber])?.map(\.intValue) ?? (i == 0 ? [] : [i - 1])
            parsed.append(EditingTrace.Txn(parents: parents, agent: (txn["agent"] as? NSNumber)?.intValue ?? 0, patches: patches))
        }
        let name = URL(fileURLWithPath: path).lastPathComponent.replacingOccurrences(of: ".json.gz", with: "")
            .replacingOccurrences(of: ".json", with: "")
        return Trace(
            name: name,
            trace: EditingTrace(endContent: end, txns: parsed, concurrent: (root["kind"] as? String) == "concurrent"))
    }

    static func tracePaths(_ context: BenchContext) -> [String] {
        let given = context.options.files.filter { $0.hasSuffix(".json") || $0.hasSuffix(".json.gz") }
        if !given.isEmpty { return given }
        let folder = context.sharedRoot.appendingPathComponent("traces")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json.gz") || $0.hasSuffix(".json") }.sorted()
            .map { folder.appendingPathComponent($0).path }
    }

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        var report = SuiteReport(suite: name, title: title)
        let paths = self.tracePaths(context)
        if paths.isEmpty { report.notes.append("no traces found under \(context.sharedRoot.path)/traces") }
        for (number, path) in paths.enumerated() {
            let file = try self.load(path)
            let trace = file.trace
            context.step(name, "\(number + 1)/\(paths.count) \(file.name): \(trace.txns.count) txns")
            let (applyMs, result) = try BenchMeasure.best(context.repeats) { try trace.replay() }
            let (mergeMs, merged) = try BenchMeasure.best(context.repeats) { try Update.merge(result.updates.compactMap { $0?[...] }, format: .v1) }
            var check = Document(clientID: 2000)
            try check.applyUpdate(merged)
            let (encodeMs, state) = BenchMeasure.best(max(context.repeats, 3)) { check.encodeStateAsUpdate() }
            var (loadMs, loaded) = try BenchMeasure.best(max(context.repeats, 3)) { () throws -> Document in
                var doc = Document(clientID: 3000)
                try doc.applyUpdate(state)
                return doc
            }
            let ok = result.text == trace.endContent && check.string(check.text("text")) == trace.endContent
                && loaded.string(loaded.text("text")) == trace.endContent
            let kind = trace.concurrent ? "concurrent, \(trace.agentCount) agents" : "sequential"
            let group = "\(file.name) (\(kind))"
            report.rows += [
                BenchRow(group: group, name: "apply \(trace.txns.count) txns (local edits)", value: applyMs, unit: "ms",
                         note: ok ? "endContent ✓" : "endContent MISMATCH"),
                BenchRow(group: group, name: "merge \(result.updates.compactMap { $0 }.count) updates", value: mergeMs, unit: "ms",
                         note: "\(merged.count) B"),
                BenchRow(group: group, name: "encode state", value: encodeMs, unit: "ms", note: "\(state.count) B"),
                BenchRow(group: group, name: "load state", value: loadMs, unit: "ms"),
            ]
            if !ok { report.error = "\(file.name): final text differs from endContent" }
        }
        return report
    }
}
