import BenchKit
import Foundation
import Tandem
import Wire

/// A `tandem serve --memory` child process for the `scale` suite, with its resident memory and CPU time read from
/// `/proc/<pid>/status` and `/proc/<pid>/stat` (the server alone: the load generator is another process).
final class ScaleServer {
    static let secret = "scale-bench"
    let child: ChildServer
    var port: Int { self.child.port }
    var pid: Int32 { self.child.process.processIdentifier }

    /// Starts the sibling `tandem` (release build next to the bench binary) on a free port.
    init(tandem: String, extra: [String] = []) throws {
        self.child = try ChildServer.start(tandem, [
            "serve", "--port", "0", "--memory", "--jwt-secret", Self.secret, "--log-level", "warn",
            "--max-connections", "30000",
        ] + extra)
    }

    func stop() { self.child.stop() }

    /// A token the server accepts for user `id`.
    static func token(_ id: String) -> String { JWTVerifier.sign(["id": .string(id), "name": .string(id)], secret: secret) }

    /// VmRSS in bytes.
    var rss: UInt64 { ProcessMemory.status("VmRSS", pid: "\(self.pid)") ?? 0 }

    /// VmHWM (peak RSS) in bytes.
    var peakRSS: UInt64 { ProcessMemory.status("VmHWM", pid: "\(self.pid)") ?? 0 }

    /// Resets VmHWM to the current RSS (`echo 5 > /proc/<pid>/clear_refs`; our own child, so permitted).
    func resetPeak() { Self.resetPeak(pid: self.pid) }

    /// Resets VmHWM of the process `pid` (one of our children) to its current RSS.
    static func resetPeak(pid: Int32) {
        guard let handle = FileHandle(forWritingAtPath: "/proc/\(pid)/clear_refs") else { return }
        try? handle.write(contentsOf: Data("5".utf8))
        try? handle.close()
    }

    /// User + system CPU time of every thread of the server, in seconds (fields 14 and 15 of /proc/<pid>/stat).
    var cpuSeconds: Double {
        guard let text = ProcessMemory.readSmallFile("/proc/\(self.pid)/stat"),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        // After the command's closing parenthesis: field 3 (state) is the first; utime is field 14, stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Server CPU as a percentage of one core while `body` runs.
    func cpuPercent(during body: () -> Void) -> (percent: Double, seconds: Double) {
        let cpuBefore = self.cpuSeconds
        let start = BenchMeasure.now()
        body()
        let wall = (BenchMeasure.now() - start) / 1000
        return (wall > 0 ? 100 * (self.cpuSeconds - cpuBefore) / wall : 0, wall)
    }
}
