import Foundation
import Glibc

/// A private `redis-server` on a free loopback port, for the Redis tests.
///
/// CI installs Debian's `redis-server` (.ci/setup). When it is missing the tests fail with this message rather than
/// pass silently. Persistence is off (`--save '' --appendonly no`), and the server runs in a temporary directory.
final class RedisServerProcess: @unchecked Sendable {
    struct Missing: Error, CustomStringConvertible {
        let description = "redis-server not found at /usr/bin/redis-server (or REDIS_SERVER): install it with "
            + "`apt-get install -y redis-server` (.ci/setup does this)"
    }

    struct StartFailed: Error, CustomStringConvertible {
        let description: String
    }

    static var binary: String { ProcessInfo.processInfo.environment["REDIS_SERVER"] ?? "/usr/bin/redis-server" }

    let port: Int
    let extraArguments: [String]
    private let directory: URL
    private var process: Process?

    /// Starts a server; `extraArguments` are more `--option value` pairs (e.g. `--requirepass secret`).
    init(extraArguments: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else { throw Missing() }
        self.port = try Self.freePort()
        self.extraArguments = extraArguments
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        try self.start()
    }

    deinit {
        self.stop()
        try? FileManager.default.removeItem(at: self.directory)
    }

    var url: String { "redis://127.0.0.1:\(self.port)" }

    /// (Re)starts the server on the same port and waits until it accepts connections.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--port", String(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", self.directory.path] + self.extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<200 {
            if Self.canConnect(port: self.port) { return }
            guard process.isRunning else { throw StartFailed(description: "redis-server exited with \(process.terminationStatus)") }
            usleep(25_000)
        }
        throw StartFailed(description: "redis-server did not accept connections on port \(self.port)")
    }

    /// Kills the server (SIGKILL, like a crash) and waits for it to exit.
    func stop() {
        guard let process = self.process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw StartFailed(description: "bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
