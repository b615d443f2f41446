import BenchKit
import Foundation
import Tandem

/// `--suite ws`: echo throughput and latency with 1, 10 and 100 connections, and memory per idle connection, against
/// a child `tandem serve --echo` (see ``WebSocketSuite``). Suite options: `--idle N` (default 10,000),
/// `--connections 1,10,100`, `--size BYTES`, `--seconds S`.
enum WebSocketBench: BenchSuite {
    static let name = "ws"
    static let title = "WebSocket server: echo throughput and latency, memory per idle connection"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        let options = context.options
        let idle = options.suiteInt("--idle", 10_000)
        let connections = options.suiteValue("--connections").map { $0.split(separator: ",").compactMap { Int($0) } }
            ?? [1, 10, 100]
        let size = options.suiteInt("--size", 64)
        let seconds = options.suiteValue("--seconds").flatMap(Double.init) ?? 3
        let tandem = WebSocketSuite.siblingTandem()
        guard FileManager.default.isExecutableFile(atPath: tandem) else {
            throw BenchError("\(tandem) not found: build it too (swift build -c release)")
        }
        let progress = context.progress
        return try await RoomsSuite.offPool {
            var report = SuiteReport(suite: name, title: title)
            let limit = Server.raiseOpenFileLimit()
            let server = try ServerProcess(path: tandem)
            defer { server.stop() }
            for count in connections {
                progress.step(name, "echo, \(count) connections, \(size) B, \(seconds) s")
                let r = try WebSocketSuite.echo(port: server.port, connections: count, size: size, seconds: seconds)
                let group = "echo, \(count) connection\(count == 1 ? "" : "s"), \(size) B messages"
                report.rows += [
                    BenchRow(group: group, name: "messages echoed", value: r.rate, unit: "messages/s",
                             note: String(format: "%.2f MB/s each way", r.rate * Double(size) / 1e6)),
                    BenchRow(group: group, name: "round trip p50", value: r.p50 / 1000, unit: "ms"),
                    BenchRow(group: group, name: "round trip p99", value: r.p99 / 1000, unit: "ms"),
                ]
                if let failure = r.failure { report.notes.append("echo \(count): \(failure)") }
            }
            if idle > 0 {
                progress.step(name, "\(idle) idle connections")
                let r = try WebSocketSuite.idle(server: server, count: min(idle, limit - 100))
                report.rows.append(BenchRow(
                    group: "idle connections", name: "server memory per idle connection", value: r.perConnection / 1024,
                    unit: "KiB", note: String(format: "%d open; RSS %.1f → %.1f MiB", r.opened,
                                              Double(r.before) / 1_048_576, Double(r.after) / 1_048_576)))
            }
            return report
        }
    }
}

/// `--suite json`: Wire's JSON on a 1 MB Yjs update sent as an int array, and a small chat event (``JSONSuite``).
enum JSONBench: BenchSuite {
    static let name = "json"
    static let title = "Wire JSON: a 1 MB update as an int array, small events"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        context.step(name, "parse and serialize")
        // JSONSuite prints its own Markdown table; keep stdout for the runner's table.
        let saved = dup(1)
        let null = open("/dev/null", O_WRONLY)
        fflush(nil)
        dup2(null, 1)
        JSONSuite.run([])
        fflush(nil)
        dup2(saved, 1)
        close(null)
        close(saved)
        var report = SuiteReport(suite: name, title: title)
        for (operation, milliseconds, megabytes) in JSONSuite.measured {
            report.rows.append(BenchRow(group: "Wire JSON", name: operation, value: milliseconds, unit: "ms",
                                        note: String(format: "%.1f MB/s", megabytes)))
        }
        return report
    }
}
