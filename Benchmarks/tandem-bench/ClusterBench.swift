import BenchKit
import Foundation
import Glibc
import Tandem
import Wire
import YCRDT

/// `--suite cluster`: one y-websocket writer on node A and 100 readers on node B of a two-node cluster (a private
/// `redis-server`, two `tandem serve --redis URL --cluster` processes), beside the same load on one `tandem serve`
/// (files, no Redis), in the same run. Reports deliveries/s and send → receipt latency p50/p99 (issue 14).
///
/// Then the join storm of `--storm-clients` (150) y-websocket clients on one document of `--storm-mb` (4) MB, on the
/// single node and spread round-robin over three cluster nodes (``ClusterStorm``).
///
/// Suite options: `--readers N` (default 100), `--updates N` (default 2,000, the first updates of the automerge-paper
/// log), `--redis-aof always|everysec|no` (default everysec: Redis's `appendfsync`, or AOF off), `--storm-clients N`,
/// `--storm-mb N`.
enum ClusterBench: BenchSuite {
    static let name = "cluster"
    static let title = "Cluster: 1 writer on node A → 100 y-websocket readers on node B through Redis, beside one node; a join storm over three nodes"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        let options = context.options
        let readers = max(1, options.suiteInt("--readers", 100))
        let updates = Array(try RoomsSuite.loadLog(["--log", context.logPath]).prefix(max(1, options.suiteInt("--updates", 2_000))))
        let aof = options.suiteValue("--redis-aof") ?? "everysec"
        let stormClients = max(1, options.suiteInt("--storm-clients", 150))
        let stormMB = max(1, options.suiteInt("--storm-mb", 4))
        let tandem = WebSocketSuite.siblingTandem()
        guard FileManager.default.isExecutableFile(atPath: tandem) else {
            throw BenchError("\(tandem) not found: build it too (swift build -c release)")
        }
        let progress = context.progress
        return try await RoomsSuite.offPool {
            var report = SuiteReport(suite: name, title: title)
            _ = Server.raiseOpenFileLimit()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-cluster-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let redis = try BenchRedis(directory: directory.appendingPathComponent("redis"), appendfsync: aof)
            defer { redis.stop() }
            func serve(_ label: String, _ extra: [String]) throws -> ServerProcess {
                let data = directory.appendingPathComponent(label)
                try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
                return try ServerProcess(path: tandem, arguments: [
                    "serve", "--host", "127.0.0.1", "--port", "0", "--data", data.path, "--jwt-secret", ScaleServer.secret,
                    "--log-level", "warn", "--ping-interval", "0",
                ] + extra)
            }
            let single = try serve("single", [])
            defer { single.stop() }
            let clusterFlags = ["--redis", redis.url, "--cluster", "--redis-key-prefix", "bench"]
            let nodeA = try serve("node-a", clusterFlags)
            defer { nodeA.stop() }
            let nodeB = try serve("node-b", clusterFlags)
            defer { nodeB.stop() }
            let nodeC = try serve("node-c", clusterFlags)
            defer { nodeC.stop() }
            let runs = [
                ("one node (files)", single.port, single.port),
                ("two nodes, Redis AOF \(aof): writer on A, readers on B", nodeA.port, nodeB.port),
            ]
            for (label, writerPort, readerPort) in runs {
                progress.step(name, "\(label): 1 writer, \(readers) readers, \(updates.count) updates")
                let r = try ClusterLoad.relay(writerPort: writerPort, readerPort: readerPort, readers: readers,
                                              updates: updates)
                let note = "\(r.delivered) of \(r.expected) deliveries"
                report.rows += [
                    BenchRow(group: label, name: "relay 1 → \(readers) readers", value: r.rate, unit: "deliveries/s",
                             note: note),
                    BenchRow(group: label, name: "send → receipt p50", value: r.p50, unit: "ms"),
                    BenchRow(group: label, name: "send → receipt p99", value: r.p99, unit: "ms"),
                ]
                if r.delivered < r.expected { report.notes.append("\(label): \(note)") }
            }
            let storms = [
                ("join storm, one node (files)", [single]),
                ("join storm over three nodes (round-robin), Redis AOF \(aof)", [nodeA, nodeB, nodeC]),
            ]
            for (label, servers) in storms {
                progress.step(name, "\(label): \(stormClients) clients, \(stormMB) MB")
                let storm = try ClusterStorm.run(ports: servers.map(\.port), pids: servers.map(\.pid),
                                                 clients: stormClients, megabytes: stormMB)
                let join = storm.join
                let peaks = storm.peaks.map { String(format: "%.0f", Double($0) / 1_048_576) }.joined(separator: " + ")
                let note = String(format: "%d of %d synced, state %.1f MB", join.synced, stormClients,
                                  Double(storm.stateBytes) / 1e6)
                report.rows += [
                    BenchRow(group: label, name: "\(stormClients) clients join one document: wall time to the last synced",
                             value: join.wallMs, unit: "ms", note: note),
                    BenchRow(group: label, name: "time to synced p50", value: RoomsSuite.percentile(join.syncTimes, 0.5),
                             unit: "ms"),
                    BenchRow(group: label, name: "time to synced p99", value: RoomsSuite.percentile(join.syncTimes, 0.99),
                             unit: "ms"),
                    BenchRow(group: label, name: "peak RSS of the node(s) during the storm",
                             value: Double(storm.peaks.reduce(0, +)) / 1_048_576, unit: "MiB", note: "\(peaks) MiB"),
                ]
                if join.synced < stormClients {
                    report.notes.append("\(label): \(join.failures) failed: \(join.firstFailure ?? "?")")
                }
            }
            report.notes.append("every process on this machine: redis-server, the tandem nodes and the clients")
            return report
        }
    }
}

/// One y-websocket writer and many readers of one document, possibly on different nodes.
enum ClusterLoad {
    struct Outcome {
        var rate: Double
        var p50: Double
        var p99: Double
        var delivered: Int
        var expected: Int
    }

    /// Connects the readers and the writer, waits until every one is synced (a member of the room on its node), then
    /// sends `updates` as fast as the writer's socket takes them; each reader times every update it receives.
    static func relay(writerPort: Int, readerPort: Int, readers: Int, updates: [[UInt8]]) throws -> Outcome {
        let path = "/yjs/cluster-bench-\(UUID().uuidString)?token=\(ScaleServer.token("cluster-bench"))"
        let sentAt = RoomsSuite.SentTimes()
        let receipts = Receipts()
        let ready = DispatchGroup()
        let done = DispatchGroup()
        let clients = try (0..<readers).map { _ in
            try WebSocketClient.connect(port: readerPort, path: path, timeout: .seconds(10))
        }
        let writer = try WebSocketClient.connect(port: writerPort, path: path, timeout: .seconds(10))
        try synced(writer)
        for client in clients {
            ready.enter()
            done.enter()
            Thread.detachNewThread {
                var latencies: [Double] = []
                var last = 0.0
                defer {
                    receipts.add(latencies, last: last)
                    done.leave()
                }
                let joined = (try? synced(client)) != nil
                ready.leave()
                guard joined else { return }
                while latencies.count < updates.count {
                    guard case .message(.binary(let bytes))? = try? client.receive() else { break }  // 10 s silence
                    guard case .sync(.update(let update))? = try? ProtocolMessage(bytes: bytes),
                        let sent = sentAt.time(of: update)
                    else { continue }
                    last = RoomsSuite.now()
                    latencies.append(last - sent)
                }
            }
        }
        ready.wait()
        let start = RoomsSuite.now()
        for update in updates {
            sentAt.record(update, at: RoomsSuite.now())
            try writer.send(.binary(ProtocolMessage.sync(.update(update)).encoded()))
        }
        done.wait()
        for client in clients { client.disconnect() }
        writer.disconnect()
        let (all, last) = receipts.snapshot
        return Outcome(rate: Double(all.count) / (max(last - start, 0.001) / 1000), p50: RoomsSuite.percentile(all, 0.5),
                       p99: RoomsSuite.percentile(all, 0.99), delivered: all.count, expected: readers * updates.count)
    }

    /// Sends sync step 1 and waits for the node's step 2: from then on the client is a member of the room.
    static func synced(_ client: WebSocketClient) throws {
        try client.send(.binary(ProtocolMessage.sync(.step1(stateVector: [0])).encoded()))
        while true {
            guard case .message(.binary(let bytes)) = try client.receive() else { throw BenchError("closed before sync") }
            if case .sync(.step2) = try ProtocolMessage(bytes: bytes) { return }
        }
    }

    /// Latencies and the time of the last receipt, gathered from the reader threads.
    final class Receipts: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Double] = []
        private var last = 0.0
        func add(_ more: [Double], last: Double) {
            lock.withLock {
                values += more
                self.last = max(self.last, last)
            }
        }
        var snapshot: ([Double], Double) { lock.withLock { (values, last) } }
    }
}

/// A private `redis-server` ($REDIS_SERVER or /usr/bin/redis-server) on a free loopback port, in `directory`.
final class BenchRedis {
    let port: Int
    private let process = Process()
    var url: String { "redis://127.0.0.1:\(self.port)/0" }

    init(directory: URL, appendfsync: String) throws {
        let binary = ProcessInfo.processInfo.environment["REDIS_SERVER"] ?? "/usr/bin/redis-server"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("redis-server not found at \(binary): apt-get install -y redis-server")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.port = try Self.freePort()
        let persistence = appendfsync == "no" ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", appendfsync]
        self.process.executableURL = URL(fileURLWithPath: binary)
        self.process.arguments = ["--port", String(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", directory.path]
            + persistence
        self.process.standardOutput = FileHandle.nullDevice
        self.process.standardError = FileHandle.nullDevice
        try self.process.run()
        for _ in 0..<200 {
            if (try? WebSocketClient.openSocket(host: "127.0.0.1", port: self.port, timeout: .seconds(1))).map({ close($0) }) != nil {
                return
            }
            guard self.process.isRunning else { throw BenchError("redis-server exited") }
            usleep(25_000)
        }
        throw BenchError("redis-server did not accept connections on port \(self.port)")
    }

    func stop() {
        guard self.process.isRunning else { return }
        kill(self.process.processIdentifier, SIGKILL)  // nothing to keep: the run's data is deleted
        self.process.waitUntilExit()
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BenchError("bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
