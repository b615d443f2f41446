import BenchKit
import Foundation
import YCRDT

/// `tandem-bench doc`: the CRDT document on the automerge-paper update log (apply, encode, load) and the
/// crdt-benchmarks B1–B4 suites. Prints a table, then the same numbers as JSON.
enum DocSuite {
    struct Result {
        var name: String
        var metrics: [(String, Double, String)]
    }

    static func sharedRoot() -> URL {
        if let env = ProcessInfo.processInfo.environment["TANDEM_SHARED"] { return URL(fileURLWithPath: env) }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let beside = cwd.deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: "/work/shared")
    }

    static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// Measures the log (apply, encode, load) and, if `crdtBenchmarks`, the crdt-benchmarks B1–B4 cases.
    static func measure(logPath: String, runs: Int, crdtBenchmarks: Bool, progress: BenchProgress? = nil) throws -> [Result] {
        var results: [Result] = []
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: logPath)))
        let updates = try YLog.records(bytes).map { Array($0) }
        var applyTimes: [Double] = []
        var doc = Document(clientID: 1)
        for run in 0..<runs {
            progress?.step("doc", "apply \(updates.count) updates, run \(run + 1) of \(runs)")
            var d = Document(clientID: 1)
            applyTimes.append(try milliseconds { for u in updates { try d.applyUpdate(u) } })
            doc = d
        }
        var state: [UInt8] = []
        var encodeTimes: [Double] = []
        for _ in 0..<max(runs, 5) { encodeTimes.append(milliseconds { state = doc.encodeStateAsUpdate() }) }
        var stateV2: [UInt8] = []
        let encodeV2 = milliseconds { stateV2 = doc.encodeStateAsUpdateV2() }
        var loadTimes: [Double] = []
        for _ in 0..<max(runs, 5) {
            var loaded = Document(clientID: 2)
            loadTimes.append(try milliseconds { try loaded.applyUpdate(state) })
        }
        results.append(
            Result(
                name: "automerge-paper.ylog (\(updates.count) updates)",
                metrics: [
                    ("apply all updates", applyTimes.min() ?? 0, "ms"),
                    ("encode state v1", encodeTimes.min() ?? 0, "ms"),
                    ("state v1 size", Double(state.count), "bytes"),
                    ("encode state v2", encodeV2, "ms"),
                    ("state v2 size", Double(stateV2.count), "bytes"),
                    ("load state v1", loadTimes.min() ?? 0, "ms"),
                    ("structs", Double(doc.structCount), ""),
                ]))
        if crdtBenchmarks {
            progress?.step("doc", "crdt-benchmarks B1–B4 (N = \(CRDTBenchmarks.n))")
            results += try CRDTBenchmarks.run(sharedRoot: sharedRoot())
        }
        return results
    }
}

extension DocSuite: BenchSuite {
    static let name = "doc"
    static let title = "CRDT document: apply, encode, load an update log; crdt-benchmarks B1–B4 (N = 6000)"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        let results = try self.measure(logPath: context.logPath, runs: max(1, context.repeats),
                                       crdtBenchmarks: context.options.suiteValue("--skip-b") == nil,
                                       progress: context.progress)
        var report = SuiteReport(suite: name, title: title)
        var reference: (name: String, results: [String: Double])?
        if context.options.references {
            context.step(name, "pycrdt: the same log and B1–B4")
            let trace = context.sharedRoot.appendingPathComponent("traces/automerge-paper.json.gz").path
            do {
                reference = try PythonReference.pycrdt(
                    ["--log", context.logPath, "--trace", trace, "--ops", "doc,b",
                     "--repeat", "\(max(1, min(context.repeats, 3)))"])
            } catch {
                report.notes.append("pycrdt reference skipped: \(error)")
            }
        }
        var yjs: ReferenceOutput?
        if context.options.references {
            context.step(name, "Yjs: the same log and B1–B4 (when TANDEM_YJS is set)")
            let trace = context.sharedRoot.appendingPathComponent("traces/automerge-paper.json.gz").path
            switch YjsReference.run(["--log", context.logPath, "--trace", trace, "--ops", "doc,b",
                                     "--repeat", "\(max(1, min(context.repeats, 3)))"]) {
            case .success(let output): yjs = output
            case .failure(let note): report.notes.append(note.description)
            }
        }
        let logKeys = ["apply all updates": "apply", "encode state v1": "encode", "state v1 size": "state_bytes",
                       "load state v1": "load", "encode state v2": "encode_v2", "state v2 size": "state_v2_bytes"]
        for result in results {
            // "[B1.1] Append N characters" → group B1.1, key B1.1.
            let caseKey = result.name.hasPrefix("[") ? String(result.name.dropFirst().prefix { $0 != "]" }) : nil
            for (metric, value, unit) in result.metrics {
                var row = BenchRow(group: caseKey.map { "\($0)" } ?? result.name,
                                   name: caseKey == nil ? metric : "\(result.name.drop { $0 != " " }.dropFirst()): \(metric)",
                                   value: value, unit: unit.isEmpty ? "count" : unit,
                                   chart: caseKey == nil ? unit == "ms" && metric != "encode state v2" : metric == "time")
                let key = caseKey == nil ? logKeys[metric] : (metric == "time" ? caseKey : nil)
                if let key, let value = reference?.results[key] {
                    row.reference = value
                    row.referenceName = reference?.name
                }
                if let key, let value = yjs?.results[key] {
                    row.secondReference = value
                    row.secondReferenceName = yjs?.name
                }
                report.rows.append(row)
            }
        }
        if let check = reference?.results["B4_check"], check != 0 { report.notes.append("pycrdt B4 check failed") }
        if let check = yjs?.results["B4_check"], check != 0 { report.notes.append("Yjs B4 check failed") }
        report.notes.append("pycrdt and Yjs B-case inputs are generated with the same shape (seeded), not the same bytes.")
        return report
    }
}
