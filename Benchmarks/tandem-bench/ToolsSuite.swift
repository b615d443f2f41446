import BenchKit
import Foundation
import YCRDT

/// `--suite tools`: the command-line tools against the library on the same input, in the same run (issue 16: the
/// tools within 1.3× of the library). Each tool runs as a process (`tandem` next to the bench binary), timed from
/// launch to exit; the library row does the same work in-process from reading the file on (read, split the
/// records, apply or merge, encode, write), best of `--repeat`.
enum ToolsSuite: BenchSuite {
    static let name = "tools"
    static let title = "Command-line tools (tandem replay, tandem update) as processes vs the library in-process"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        let tandem = WebSocketSuite.siblingTandem()
        guard FileManager.default.isExecutableFile(atPath: tandem) else {
            throw BenchError("\(tandem) not found: build it too (swift build -c release)")
        }
        let log = context.logPath
        let file = URL(fileURLWithPath: log).lastPathComponent
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-tools-\(getpid()).bin").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let repeats = max(1, context.repeats)
        var report = SuiteReport(suite: name, title: title)
        let library = "library (in-process)"

        context.step(name, "tandem replay \(file) --stats vs Document.applyUpdate")
        let replayProcess = try self.best(repeats) { try self.process(tandem, ["replay", log, "--stats"]) }
        let replayLibrary = try BenchMeasure.best(repeats) {
            let records = try YLog.records(Array(try Data(contentsOf: URL(fileURLWithPath: log))))
            var doc = Document(clientID: 0)
            for record in records { doc.apply(try Update(bytes: record, format: .v1)) }
            return doc.stats.structs
        }.ms
        context.step(name, "tandem update merge / convert / state-vector vs Update.merge")
        let mergeProcess = try self.best(repeats) { try self.process(tandem, ["update", "merge", log, "-o", out]) }
        let mergeLibrary = try BenchMeasure.best(repeats) {
            let records = try YLog.records(Array(try Data(contentsOf: URL(fileURLWithPath: log))))
            let merged = try Update.merge(records, format: .v1)
            _ = FileManager.default.createFile(atPath: out, contents: Data(merged))
        }.ms
        let convertProcess = try self.best(repeats) { try self.process(tandem, ["update", "convert", "--to", "v2", log, "-o", out]) }
        let convertLibrary = try BenchMeasure.best(repeats) {
            let records = try YLog.records(Array(try Data(contentsOf: URL(fileURLWithPath: log))))
            let merged = try Update.merge(records, format: .v1)
            let v2 = try Update(bytes: merged[...], format: .v1).converted().encoded(.v2)
            _ = FileManager.default.createFile(atPath: out, contents: Data(v2))
        }.ms
        let vectorProcess = try self.best(repeats) { try self.process(tandem, ["update", "state-vector", log, "-o", out]) }
        let vectorLibrary = try BenchMeasure.best(repeats) {
            let records = try YLog.records(Array(try Data(contentsOf: URL(fileURLWithPath: log))))
            let merged = try Update.merge(records, format: .v1)
            let vector = try Update(bytes: merged[...], format: .v1).stateVector.encoded()
            _ = FileManager.default.createFile(atPath: out, contents: Data(vector))
        }.ms
        for (command, process, inProcess) in [
            ("tandem replay LOG --stats", replayProcess, replayLibrary),
            ("tandem update merge LOG -o OUT", mergeProcess, mergeLibrary),
            ("tandem update convert --to v2 LOG -o OUT", convertProcess, convertLibrary),
            ("tandem update state-vector LOG -o OUT", vectorProcess, vectorLibrary),
        ] {
            report.rows.append(BenchRow(
                group: file, name: command, value: process, unit: "ms", reference: inProcess, referenceName: library,
                note: String(format: "process / library %.2f× (goal ≤ 1.3×)", process / max(inProcess, 1e-9))))
        }
        report.notes.append("The process time includes starting the executable (dynamic loading of the Swift runtime "
            + "and Foundation), which the in-process time does not; `tandem --version` is the floor below.")
        let floor = try self.best(repeats) { try self.process(tandem, ["--version"]) }
        report.rows.append(BenchRow(group: "process start", name: "tandem --version", value: floor, unit: "ms"))
        return report
    }

    /// Runs `tandem ARGS` with stdout discarded; milliseconds from launch to exit. Throws on a non-zero status.
    static func process(_ executable: String, _ arguments: [String]) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = BenchMeasure.now()
        try process.run()
        process.waitUntilExit()
        let elapsed = BenchMeasure.now() - start
        guard process.terminationStatus == 0 else {
            throw BenchError("tandem \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return elapsed
    }

    static func best(_ repeats: Int, _ body: () throws -> Double) throws -> Double {
        var best = Double.infinity
        for _ in 0..<repeats { best = min(best, try body()) }
        return best
    }
}
