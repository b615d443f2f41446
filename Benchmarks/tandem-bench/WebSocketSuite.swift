import Dispatch
import Foundation
import Tandem
import Wire

/// `tandem-bench ws`: idle-connection memory and echo throughput/latency against a real `tandem serve --echo`.
///
/// The server runs as a child process (so its memory is measured alone, from `/proc/<pid>/status` VmRSS) and the
/// load comes from `WebSocketClient`s, one thread per connection, each a closed loop: send, wait for the echo,
/// record the round trip.
enum WebSocketSuite {
    struct Options {
        var serverPath: String?
        var idleConnections = 10_000
        var concurrencies = [1, 10, 100]
        var messageSize = 64
        var seconds = 3.0
    }

    struct EchoResult {
        var connections: Int
        var size: Int
        var rate: Double
        var p50: Double
        var p90: Double
        var p99: Double
        var max: Double
        var failure: String?
        var line: String
    }

    struct IdleResult {
        var opened: Int
        var seconds: Double
        var before: Int
        var after: Int
        var perConnection: Double
        var line: String
    }

    static func run(_ arguments: [String]) throws {
        var options = Options()
        var index = 0
        func value() throws -> String {
            index += 1
            guard index < arguments.count else { throw WebSocketBenchError("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--server": options.serverPath = try value()
            case "--idle": options.idleConnections = Int(try value()) ?? 0
            case "--connections": options.concurrencies = try value().split(separator: ",").compactMap { Int($0) }
            case "--size": options.messageSize = Int(try value()) ?? 64
            case "--seconds": options.seconds = Double(try value()) ?? 3
            default:
                throw WebSocketBenchError("""
                    usage: tandem-bench ws [--server PATH] [--idle N] [--connections 1,10,100] [--size BYTES]
                                           [--seconds S]
                    """)
            }
            index += 1
        }
        let limit = Server.raiseOpenFileLimit()
        let server = try ServerProcess(path: options.serverPath ?? Self.siblingTandem())
        defer { server.stop() }
        print("tandem-bench ws: server pid \(server.pid) on port \(server.port); client fd limit \(limit)")

        for connections in options.concurrencies {
            let result = try Self.echo(port: server.port, connections: connections, size: options.messageSize,
                                       seconds: options.seconds)
            print(result.line)
        }
        if options.idleConnections > 0 {
            print(try Self.idle(server: server, count: min(options.idleConnections, limit - 100)).line)
        }
    }

    /// Opens `count` connections that stay idle and reports the server's resident memory per connection.
    static func idle(server: ServerProcess, count: Int) throws -> IdleResult {
        // Warm up allocator pools with a few connections first, so the baseline is not the empty process.
        var warm: [WebSocketClient] = []
        for _ in 0..<10 { warm.append(try WebSocketClient.connect(port: server.port, path: "/echo")) }
        let before = server.residentBytes()
        let start = ContinuousClock.now
        var clients: [WebSocketClient] = []
        clients.reserveCapacity(count)
        for index in 0..<count {
            do {
                clients.append(try WebSocketClient.connect(port: server.port, path: "/echo", timeout: .seconds(10)))
            } catch {
                print("  stopped at \(index) connections: \(error)")
                break
            }
        }
        let opened = clients.count
        let elapsed = ContinuousClock.now - start
        // Every connection answered one echo: all are fully set up (session task started) before measuring.
        for client in clients.prefix(100) {
            try client.send(.text("x"))
            _ = try client.receive()
        }
        Thread.sleep(forTimeInterval: 1)
        let after = server.residentBytes()
        let perConnection = Double(after - before) / Double(max(opened, 1))
        let result = String(
            format: "idle: %d connections opened in %.1f s; server RSS %.1f MiB -> %.1f MiB; %.1f KiB per connection",
            opened, elapsed.benchSeconds, Double(before) / 1_048_576, Double(after) / 1_048_576, perConnection / 1024)
        clients.removeAll()
        warm.removeAll()
        return IdleResult(opened: opened, seconds: elapsed.benchSeconds, before: before, after: after,
                          perConnection: perConnection, line: result)
    }

    /// Runs `connections` closed-loop echo clients for `seconds` and reports throughput and latency percentiles.
    static func echo(port: Int, connections: Int, size: Int, seconds: Double) throws -> EchoResult {
        let payload = [UInt8](repeating: 0x61, count: size)
        let clients = try (0..<connections).map { _ in try WebSocketClient.connect(port: port, path: "/echo") }
        let samples = SampleStore()
        let group = DispatchGroup()
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        for client in clients {
            group.enter()
            let thread = Thread {
                var latencies: [Duration] = []
                latencies.reserveCapacity(100_000)
                do {
                    while ContinuousClock.now < deadline {
                        let sent = ContinuousClock.now
                        try client.send(.binary(payload))
                        guard case .message = try client.receive() else { break }
                        latencies.append(ContinuousClock.now - sent)
                    }
                } catch {
                    samples.fail("\(error)")
                }
                samples.add(latencies)
                group.leave()
            }
            thread.stackSize = 512 << 10
            thread.start()
        }
        group.wait()
        let elapsed = (ContinuousClock.now - start).benchSeconds
        for client in clients { _ = try? client.close() }
        let latencies = samples.sorted()
        let count = latencies.count
        func percentile(_ p: Double) -> Double {
            guard count > 0 else { return 0 }
            return latencies[min(count - 1, Int(Double(count) * p))].benchMicroseconds
        }
        let rate = Double(count) / elapsed
        var line = String(
            format: "echo %3d conn, %d B: %9.0f msg/s, %7.2f MB/s each way; "
                + "latency us p50 %.0f p90 %.0f p99 %.0f max %.0f",
            connections, size, rate, rate * Double(size) / 1_000_000, percentile(0.5), percentile(0.9),
            percentile(0.99), latencies.last?.benchMicroseconds ?? 0)
        if let failure = samples.firstFailure { line += " (error: \(failure))" }
        return EchoResult(connections: connections, size: size, rate: rate, p50: percentile(0.5), p90: percentile(0.9),
                          p99: percentile(0.99), max: latencies.last?.benchMicroseconds ?? 0,
                          failure: samples.firstFailure, line: line)
    }

    /// `tandem` next to this `tandem-bench` binary (same build configuration).
    static func siblingTandem() -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tandem").path
    }
}

/// A `tandem serve` child process on a free port: `--echo` unless other arguments are given.
final class ServerProcess {
    static let echoArguments = [
        "serve", "--port", "0", "--memory", "--echo", "--ping-interval", "0", "--max-connections", "30000",
        "--log-level", "warn",
    ]

    let process = Process()
    let port: Int
    var pid: Int32 { self.process.processIdentifier }

    /// Starts `path` with `arguments` (which must include `--port 0`) and reads the port from its `listening on` line.
    init(path: String, arguments: [String] = ServerProcess.echoArguments) throws {
        self.process.executableURL = URL(fileURLWithPath: path)
        self.process.arguments = arguments
        let output = Pipe()
        self.process.standardOutput = output
        try self.process.run()
        var text = ""
        while !text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().contains(where: {
            $0.contains("listening on")
        }) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw WebSocketBenchError("server exited: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        // `… listening on HOST:PORT`; more lines (the URL, a token) may follow in the same read.
        let line = text.split(separator: "\n").first { $0.contains("listening on") } ?? ""
        guard let portText = line.split(separator: ":").last?.prefix(while: { $0.isNumber }), let port = Int(portText)
        else {
            throw WebSocketBenchError("cannot read the server port from: \(text)")
        }
        self.port = port
        // Keep reading the output: a full pipe would block the server at its next log line.
        let reader = output.fileHandleForReading
        Thread.detachNewThread { while !reader.availableData.isEmpty {} }
    }

    /// VmRSS of the server process, in bytes.
    func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(self.pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.filter(\.isNumber)
            return (Int(digits) ?? 0) * 1024
        }
        return 0
    }

    func stop() {
        guard self.process.isRunning else { return }
        self.process.terminate()
        self.process.waitUntilExit()
    }
}

/// Latency samples gathered from the client threads.
final class SampleStore: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Duration] = []
    private(set) var firstFailure: String?

    func add(_ batch: [Duration]) {
        self.lock.withLock { self.samples.append(contentsOf: batch) }
    }

    func fail(_ message: String) {
        self.lock.withLock { if self.firstFailure == nil { self.firstFailure = message } }
    }

    func sorted() -> [Duration] {
        self.lock.withLock { self.samples.sorted() }
    }
}

struct WebSocketBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var benchSeconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    var benchMicroseconds: Double { self.benchSeconds * 1e6 }
}
