import BenchKit
import Foundation

extension SocketIOSuite: BenchSuite {
    static let name = "socketio"
    static let title = "Socket.IO relay through a room (1 sender → N receivers), tandem serve vs python-socketio"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        let arguments = context.options.suiteArguments
        // On the main thread, as the suite was written: its child processes are started and awaited there.
        let baseline = context.options.references && PythonReference.venvPython() != nil
        let progress = context.progress
        let (options, results) = try await MainActor.run {
            try self.measure(arguments, baseline: baseline, progress: progress)
        }
        var report = SuiteReport(suite: name, title: title)
        let group = "1 → \(options.receivers), \(options.messages) events, window \(options.window)"
        guard let tandem = results.first(where: { $0.server == "tandem" }) else { return report }
        let reference = results.first { $0.server == "python-socketio" }
        let referenceName = reference.map { _ in "python-socketio \(self.socketIOVersion())" }
        func rate(_ r: Result) -> Double { r.seconds > 0 ? Double(r.deliveries) / r.seconds : 0 }
        report.rows = [
            BenchRow(group: group, name: "relay throughput", value: rate(tandem), unit: "deliveries/s",
                     reference: reference.map(rate), referenceName: referenceName,
                     note: "\(tandem.deliveries)/\(tandem.expected) delivered"
                        + (reference.map { "; reference \($0.deliveries)/\($0.expected)" } ?? "")),
            BenchRow(group: group, name: "latency p50", value: tandem.p50, unit: "ms",
                     reference: reference?.p50, referenceName: referenceName),
            BenchRow(group: group, name: "latency p99", value: tandem.p99, unit: "ms",
                     reference: reference?.p99, referenceName: referenceName),
        ]
        if reference == nil {
            report.notes.append(context.options.references ? "python-socketio skipped: no venv python (set TANDEM_VENV)"
                                                          : "python-socketio skipped (--no-reference)")
        }
        return report
    }

    /// The installed python-socketio version (for the reference column), or `?`.
    static func socketIOVersion() -> String {
        guard let object = try? PythonReference.runJSON(
            "-c", ["import json, importlib.metadata as m; print(json.dumps({'v': m.version('python-socketio')}))"])
        else { return "?" }
        return object["v"] as? String ?? "?"
    }
}
