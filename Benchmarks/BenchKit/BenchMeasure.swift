import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Timing and statistics helpers shared by the suites.
public enum BenchMeasure {
    /// Milliseconds on the monotonic clock.
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

    /// Runs `body` once and returns its duration in milliseconds and its value.
    public static func time<T>(_ body: () throws -> T) rethrows -> (ms: Double, value: T) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, value)
    }

    /// The best of `repeats` runs of `body`, in milliseconds, with the last value.
    public static func best<T>(_ repeats: Int, _ body: () throws -> T) rethrows -> (ms: Double, value: T) {
        var (best, value) = try time(body)
        for _ in 1..<max(1, repeats) {
            let (ms, next) = try time(body)
            best = min(best, ms)
            value = next
        }
        return (best, value)
    }

    /// The `p` quantile (0…1) of `values` by nearest rank; 0 for no values.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((Double(sorted.count) * p).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }

    /// The median of `values`.
    public static func median(_ values: [Double]) -> Double { percentile(values, 0.5) }
}

/// This process's memory from /proc/self/status (Linux), for peak-memory measurements.
public enum ProcessMemory {
    /// A field of /proc/self/status such as `VmRSS` or `VmHWM`, in bytes.
    public static func status(_ field: String, pid: String = "self") -> UInt64? {
        guard let text = readSmallFile("/proc/\(pid)/status") else { return nil }
        return parseStatus(text, field: field)
    }

    /// Reads a small file with read(2) (procfs files report size 0, which Foundation's readers do not expect).
    public static func readSmallFile(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `Field:   1234 kB` out of a /proc status text, in bytes.
    public static func parseStatus(_ text: String, field: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let number = parts.first.flatMap({ UInt64($0) }) else { return nil }
            return parts.count > 1 && parts[1] == "kB" ? number * 1024 : number
        }
        return nil
    }

    /// Resets the peak-RSS mark (VmHWM) to the current RSS (Linux 4.0+: `echo 5 > /proc/self/clear_refs`).
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }
}

/// Progress of a long suite on stderr: one line per step, or a redrawn bar when stderr is a terminal.
public final class BenchProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let terminal: Bool
    private let enabled: Bool
    private var lastDraw = 0.0

    public init(enabled: Bool = true) {
        self.enabled = enabled
        self.terminal = isatty(2) != 0
    }

    /// Announces a step: `[suite] step…`.
    public func step(_ suite: String, _ message: String) {
        guard self.enabled else { return }
        self.write((self.terminal ? "\r\u{1B}[K" : "") + "[\(suite)] \(message)\n")
    }

    /// Updates a counter (`done` of `total`), at most ten times a second, only on a terminal.
    public func tick(_ suite: String, _ label: String, _ done: Int, _ total: Int) {
        guard self.enabled, self.terminal else { return }
        let now = BenchMeasure.now()
        let redraw: Bool = self.lock.withLock {
            guard done == total || now - self.lastDraw > 100 else { return false }
            self.lastDraw = now
            return true
        }
        guard redraw else { return }
        let width = 30
        let filled = total == 0 ? width : min(width, width * done / max(1, total))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        self.write("\r\u{1B}[K[\(suite)] \(label) [\(bar)] \(done)/\(total)" + (done == total ? "\n" : ""))
    }

    private func write(_ text: String) {
        self.lock.withLock { FileHandle.standardError.write(Data(text.utf8)) }
    }
}
