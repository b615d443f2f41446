import Dispatch
import BenchKit
import Foundation
import Tandem
import Wire

/// `tandem-bench socketio`: one sender relays events through a room to N receivers (default 100), against
/// `tandem serve --socketio-test-events` and against python-socketio's AsyncServer (Benchmarks/socketio_baseline.py)
/// in the same invocation. Reports deliveries per second and p50/p99 latency (send → receipt, one process clock).
///
/// The load generator speaks Engine.IO v4 / Socket.IO v5 over raw WebSockets (``WebSocketClient``, one thread per
/// client), so neither server is measured through a Python client. The sender keeps `--window` relays in flight
/// (each `test:relay` is acked once the server has queued the event to the room).
enum SocketIOSuite {
    struct Options: Sendable {
        var receivers = 100
        var messages = 1000
        var window = 16
        var baseline = true
        var tandemBinary: String?
        var python: String?
    }

    struct Result {
        var server: String
        var deliveries: Int
        var seconds: Double
        var p50: Double
        var p99: Double
        var expected: Int
    }

    static func measure(_ arguments: [String], baseline: Bool, progress: BenchProgress? = nil) throws
        -> (Options, [Result])
    {
        var options = Options()
        options.baseline = baseline
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--receivers": options.receivers = Int(iterator.next() ?? "") ?? options.receivers
            case "--messages": options.messages = Int(iterator.next() ?? "") ?? options.messages
            case "--window": options.window = Int(iterator.next() ?? "") ?? options.window
            case "--no-baseline": options.baseline = false
            case "--tandem": options.tandemBinary = iterator.next()
            case "--python": options.python = iterator.next()
            default: continue  // another suite's option
            }
        }
        var results: [Result] = []
        let tandem = options.tandemBinary ?? self.sibling("tandem")
        guard FileManager.default.isExecutableFile(atPath: tandem) else {
            throw BenchError("\(tandem) not found: build it too (swift build -c release)")
        }
        progress?.step("socketio", "tandem serve: 1 sender → \(options.receivers) receivers, \(options.messages) events")
        let secret = "bench-secret"
        let server = try ChildServer.start(
            tandem, ["serve", "--port", "0", "--memory", "--socketio-test-events", "--jwt-secret", secret, "--log-level", "warn"])
        results.append(try self.scenario(
            name: "tandem", port: server.port, token: JWTVerifier.sign(["id": "bench", "name": "Bench"], secret: secret),
            options: options))
        server.stop()
        if options.baseline {
            progress?.step("socketio", "python-socketio AsyncServer: the same scenario")
            let python = options.python ?? self.venvPython()
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("socketio_baseline.py").path
            let baseline = try ChildServer.start(python, [script, "--port", "0"])
            results.append(try self.scenario(name: "python-socketio", port: baseline.port, token: "x", options: options))
            baseline.stop()
        }
        return (options, results)
    }

    private static func format(_ milliseconds: Double) -> String {
        String(format: "%.2f ms", milliseconds)
    }

    private static func sibling(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    private static func venvPython() -> String {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let venv = environment["TANDEM_VENV"] { candidates.append(venv + "/bin/python") }
        candidates += [".venv/bin/python", "/work/venv/bin/python"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/python3"
    }

    // MARK: - Scenario

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Connects, sends CONNECT with a token, and joins `room` if given; returns the client.
    private static func client(port: Int, token: String, room: String?) throws -> WebSocketClient {
        let client = try WebSocketClient.connect(
            port: port, path: "/ws/socket.io/?EIO=4&transport=websocket", timeout: .seconds(30))
        _ = try self.nextText(client)  // open packet
        try client.send(.text("40" + JSONValue.object(["token": .string(token)]).serialized()))
        while !(try self.nextText(client)).hasPrefix("40") {}
        if let room {
            try client.send(.text("420" + JSONValue.array(["test:join", ["room": .string(room)]]).serialized()))
            while !(try self.nextText(client)).hasPrefix("430") {}
        }
        return client
    }

    /// The next text message, answering Engine.IO pings on the way.
    private static func nextText(_ client: WebSocketClient) throws -> String {
        while true {
            switch try client.receive() {
            case .message(.text(let text)):
                if text == "2" {
                    try client.send(.text("3"))
                    continue
                }
                return text
            case .message(.binary):
                continue
            case .closed(let code, let reason):
                throw BenchError("closed \(String(describing: code)) \(reason)")
            }
        }
    }

    /// The `t` timestamp of a `42["bench",{"t":…}]` event, read without a full JSON parse.
    private static func timestamp(_ text: String) -> UInt64? {
        guard text.hasPrefix("42[\"bench\"") else { return nil }
        let bytes = Array(text.utf8)
        guard let start = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        var value: UInt64 = 0
        var index = start + 1
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
            value = value &* 10 &+ UInt64(bytes[index] - 48)
            index += 1
        }
        return value
    }

    private static func scenario(name: String, port: Int, token: String, options: Options) throws -> Result {
        let room = "doc_bench"
        var receivers: [WebSocketClient] = []
        for _ in 0..<options.receivers { receivers.append(try self.client(port: port, token: token, room: room)) }
        let sender = try self.client(port: port, token: token, room: nil)
        let collector = LatencyCollector()
        let group = DispatchGroup()
        for receiver in receivers {
            group.enter()
            let thread = Thread {
                var local: [UInt64] = []
                local.reserveCapacity(options.messages)
                var last: UInt64 = 0
                while local.count < options.messages {
                    guard let text = try? self.nextText(receiver) else { break }
                    guard let sent = self.timestamp(text) else { continue }
                    last = self.now()
                    local.append(last - sent)
                }
                collector.add(local, last: last)
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        let start = self.now()
        var outstanding = 0
        var sent = 0
        while sent < options.messages || outstanding > 0 {
            while sent < options.messages, outstanding < options.window {
                let data: JSONValue = [
                    "room": .string(room), "event": "bench", "data": ["t": .int(Int64(self.now()))],
                    "skip_sender": true,
                ]
                try sender.send(.text("42\(sent)" + JSONValue.array(["test:relay", data]).serialized()))
                sent += 1
                outstanding += 1
            }
            if try self.nextText(sender).hasPrefix("43") { outstanding -= 1 }
        }
        group.wait()
        for client in receivers + [sender] { client.disconnect() }
        let (latencies, lastReceipt) = collector.sorted()
        let delivered = latencies.count
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let index = min(latencies.count - 1, Int(Double(latencies.count) * p))
            return Double(latencies[index]) / 1e6
        }
        return Result(
            server: name, deliveries: delivered, seconds: Double(lastReceipt &- start) / 1e9, p50: percentile(0.5),
            p99: percentile(0.99), expected: options.messages * options.receivers)
    }
}

/// A server child process that prints `listening on HOST:PORT`.
struct ChildServer {
    let process: Process
    let port: Int

    /// Starts the child with its stdout in a temporary file and polls that file for the `listening on` line (at most
    /// 60 s): reading a pipe with `availableData` from the runner's threads could block forever.
    static func start(_ executable: String, _ arguments: [String]) throws -> ChildServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let log = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-bench-child-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out").path
        guard FileManager.default.createFile(atPath: log, contents: nil), let output = FileHandle(forWritingAtPath: log)
        else { throw BenchError("cannot create \(log)") }
        defer {
            try? output.close()
            try? FileManager.default.removeItem(atPath: log)
        }
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchTime.now().uptimeNanoseconds + 60_000_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            let text = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.contains("listening on") }),
                let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
            {
                return ChildServer(process: process, port: port)
            }
            guard process.isRunning else { throw BenchError("\(executable) exited: \(text)") }
            usleep(50_000)
        }
        ChildServer(process: process, port: 0).stop()
        throw BenchError("\(executable) did not print `listening on` within 60 s")
    }

    /// SIGTERM, then SIGKILL if the child is still running after 5 s (a child may inherit an ignored SIGTERM).
    func stop() {
        guard self.process.isRunning else { return }
        self.process.terminate()
        let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
        while self.process.isRunning && DispatchTime.now().uptimeNanoseconds < deadline { usleep(20_000) }
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
        while self.process.isRunning { usleep(20_000) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Latencies from the receiver threads; a lock guards the arrays (threads, not tasks, so no actor).
final class LatencyCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [UInt64] = []
    private var lastReceipt: UInt64 = 0

    func add(_ samples: [UInt64], last: UInt64) {
        self.lock.lock()
        self.latencies += samples
        self.lastReceipt = max(self.lastReceipt, last)
        self.lock.unlock()
    }

    func sorted() -> ([UInt64], UInt64) {
        self.lock.lock()
        defer { self.lock.unlock() }
        return (self.latencies.sorted(), self.lastReceipt)
    }
}
