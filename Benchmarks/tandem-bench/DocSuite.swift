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

    /// Runs the suite; `arguments` may hold `--log PATH`, `--runs N`, `--skip-b`.
    static func run(_ arguments: [String]) throws {
        var logPath = sharedRoot().appendingPathComponent("fixtures/yjs/automerge-paper.ylog").path
        var runs = 3
        var crdtBenchmarks = true
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--log" where i + 1 < arguments.count: logPath = arguments[i + 1]; i += 1
            case "--runs" where i + 1 < arguments.count: runs = max(1, Int(arguments[i + 1]) ?? 3); i += 1
            case "--skip-b": crdtBenchmarks = false
            default: break
            }
            i += 1
        }
        var results: [Result] = []
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: logPath)))
        let updates = try YLog.records(bytes).map { Array($0) }
        var applyTimes: [Double] = []
        var doc = Document(clientID: 1)
        for _ in 0..<runs {
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
        if crdtBenchmarks { results += try CRDTBenchmarks.run(sharedRoot: sharedRoot()) }
        print(table(results))
        print(json(results))
    }

    static func table(_ results: [Result]) -> String {
        var out = ""
        for r in results {
            out += "\(r.name)\n"
            for (name, value, unit) in r.metrics {
                let v = unit == "ms" ? String(format: "%10.2f", value) : String(format: "%10.0f", value)
                out += "  \(name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(v) \(unit)\n"
            }
        }
        return out
    }

    static func json(_ results: [Result]) -> String {
        let objects = results.map { r -> String in
            let metrics = r.metrics.map { "\"\($0.0)\": {\"value\": \(($0.1 * 1000).rounded() / 1000), \"unit\": \"\($0.2)\"}" }
            return "{\"suite\": \"\(r.name)\", \"metrics\": {\(metrics.joined(separator: ", "))}}"
        }
        return "[\n  " + objects.joined(separator: ",\n  ") + "\n]"
    }
}
