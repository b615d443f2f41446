import BenchKit
import Foundation

/// A benchmark suite: one file per suite, registered in ``BenchRegistry/suites``.
protocol BenchSuite {
    /// The name used with `--suite`.
    static var name: String { get }
    /// What the suite measures, in one line (table and chart titles).
    static var title: String { get }
    /// Runs the suite. Rows measured before a failure should be returned in the report with `error` set.
    static func run(_ context: BenchContext) async throws -> SuiteReport
}

/// What every suite gets: the options, progress output, and where the shared fixtures and references are.
struct BenchContext: Sendable {
    var options: BenchOptions
    var progress: BenchProgress

    var repeats: Int { self.options.repeats }

    /// The shared fixtures folder: $TANDEM_SHARED, else ../shared beside the working directory, else /work/shared.
    var sharedRoot: URL { DocSuite.sharedRoot() }

    /// The update log to use: `--log PATH`, a positional `.ylog`, else the shared automerge-paper.ylog.
    var logPath: String {
        self.options.suiteValue("--log") ?? self.options.files.first { $0.hasSuffix(".ylog") }
            ?? self.sharedRoot.appendingPathComponent("fixtures/yjs/automerge-paper.ylog").path
    }

    func step(_ suite: String, _ message: String) { self.progress.step(suite, message) }
}

/// The suites in `--suite all` order.
enum BenchRegistry {
    static var suites: [any BenchSuite.Type] {[
        CodecSuite.self, JSONBench.self, DocSuite.self, TracesSuite.self, WebSocketBench.self, SocketIOSuite.self, YSyncSuite.self,
        RoomsBench.self, HistorySuite.self, ClusterBench.self, ToolsSuite.self, ScaleSuite.self,
    ]}

    static func suite(named name: String) -> (any BenchSuite.Type)? { suites.first { $0.name == name } }
}

/// Runs reference implementations (Python scripts under Benchmarks/) with the project's venv.
enum PythonReference {
    /// The venv python: $TANDEM_VENV/bin/python, .venv/bin/python, /work/venv/bin/python; nil if none exists.
    static func venvPython() -> String? {
        var candidates: [String] = []
        if let venv = ProcessInfo.processInfo.environment["TANDEM_VENV"] { candidates.append(venv + "/bin/python") }
        candidates += [".venv/bin/python", "/work/venv/bin/python"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A committed script under Benchmarks/ (found from this source file, so it works from any directory).
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(name).path
    }

    /// Runs `executable` with `arguments` and returns its stdout; a non-zero exit is an error.
    static func output(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("\(arguments.first ?? executable) exited with status \(process.terminationStatus)")
        }
        return data
    }

    /// Runs `script` with the venv python and parses the JSON object it prints on stdout.
    static func runJSON(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        guard let python = venvPython() else { throw BenchError("no venv python (set TANDEM_VENV)") }
        guard let object = try JSONSerialization.jsonObject(with: try output(python, [script] + arguments)) as? [String: Any] else {
            throw BenchError("\(script) printed no JSON object")
        }
        return object
    }

    /// The `results` of a pycrdt_reference.py run, with the pycrdt version as the reference name.
    static func pycrdt(_ arguments: [String]) throws -> (name: String, results: [String: Double]) {
        guard let python = venvPython() else { throw BenchError("no venv python (set TANDEM_VENV)") }
        let output = try ReferenceOutput.parse(try self.output(python, [script("pycrdt_reference.py")] + arguments),
                                               label: "pycrdt", versionKey: "pycrdt")
        return (output.name, output.results)
    }
}

/// The optional Yjs reference: Benchmarks/yjs_reference.mjs run with node against the checkout in `TANDEM_YJS`.
enum YjsReference {
    /// The `results` of a yjs_reference.mjs run, or the note to print instead (not set up, or the run failed).
    static func run(_ arguments: [String]) -> Result<ReferenceOutput, BenchError> {
        let environment = ProcessInfo.processInfo.environment
        switch YjsReferenceSetup.resolve(environment: environment, isFile: { FileManager.default.fileExists(atPath: $0) }) {
        case .missing(let note):
            return .failure(BenchError(note))
        case .ready(let node, let checkout):
            var childEnvironment = environment
            childEnvironment["TANDEM_YJS"] = checkout
            do {
                let data = try PythonReference.output(
                    node, [PythonReference.script("yjs_reference.mjs")] + arguments, environment: childEnvironment)
                return .success(try ReferenceOutput.parse(data, label: "Yjs", versionKey: "yjs"))
            } catch {
                return .failure(BenchError("Yjs reference skipped: \(error)"))
            }
        }
    }
}
