import Foundation
import Tandem
import Wire
import YCRDT

/// `tandem-bench rooms` and `tandem-bench ysync`: the document manager and the y-websocket endpoint.
///
/// - rooms: apply the automerge-paper log through a room; join latency for a document with that history (cold, then
///   warm p50/p99 over many joins); relay throughput to 100 in-process members.
/// - ysync: over loopback sockets, the first sync of a new y-websocket client against the automerge-paper document
///   (connect, step 1, full step 2), and update relay from one sender to 100 y-websocket receivers.
enum RoomsSuite {
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

    static func loadLog(_ arguments: [String]) throws -> [[UInt8]] {
        var path = DocSuite.sharedRoot().appendingPathComponent("fixtures/yjs/automerge-paper.ylog").path
        if let index = arguments.firstIndex(of: "--log"), index + 1 < arguments.count { path = arguments[index + 1] }
        return try YLog.records(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).map { Array($0) }
    }

    /// Counts what a room sends, without sending it.
    final class CountingOutbound: DocumentOutbound, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var deliveries = 0
        func send(_ message: DocumentWireMessage) { lock.withLock { deliveries += 1 } }
        func revoked() {}
        var count: Int { lock.withLock { deliveries } }
    }

    static func memoryConfiguration() -> DocumentConfiguration {
        var configuration = DocumentConfiguration()
        configuration.dataDirectory = nil
        return configuration
    }

    static func runRooms(_ arguments: [String]) async throws -> [(String, Double, String)] {
        let updates = try loadLog(arguments)
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let relay = CountingOutbound()
        let writer = DocumentPeer(id: "writer", kind: .yWebSocket, userID: "w")
        try await manager.join("paper", peer: writer, outbound: relay)
        var start = now()
        for update in updates { try await manager.applyUpdate("paper", update: update, from: writer) }
        let applyMs = now() - start
        start = now()
        try await manager.join("paper", peer: DocumentPeer(id: "cold", kind: .yWebSocket, userID: "c"), outbound: relay)
        let coldJoin = now() - start
        var joins: [Double] = []
        for index in 0..<300 {
            let peer = DocumentPeer(id: "p\(index)", kind: .yWebSocket, userID: "u\(index)")
            start = now()
            try await manager.join("paper", peer: peer, outbound: relay)
            joins.append(now() - start)
            await manager.leave("paper", peer: peer)
        }
        let warm = Array(joins.dropFirst(50))
        // Relay fan-out: 100 members, 10,000 small updates from a second document's log.
        let fanout = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let counter = CountingOutbound()
        for index in 0..<100 {
            try await fanout.join(
                "room", peer: DocumentPeer(id: "m\(index)", kind: .yWebSocket, userID: "m\(index)"), outbound: counter)
        }
        let sender = DocumentPeer(id: "m0", kind: .yWebSocket, userID: "m0")
        let relayed = Array(updates.prefix(10_000))
        let before = counter.count
        start = now()
        for update in relayed { try await fanout.applyUpdate("room", update: update, from: sender) }
        let relayMs = now() - start
        let deliveries = Double(counter.count - before)
        return [
            ("rooms: apply \(updates.count) updates through a room", applyMs, "ms"),
            ("rooms: first join (encodes the state)", coldJoin, "ms"),
            ("rooms: warm join p50", percentile(warm, 0.5), "ms"),
            ("rooms: warm join p99", percentile(warm, 0.99), "ms"),
            ("rooms: relay to 100 members, in process", deliveries / (relayMs / 1000), "deliveries/s"),
        ]
    }

    static func runYSync(_ arguments: [String]) async throws -> [(String, Double, String)] {
        let updates = try loadLog(arguments)
        let (app, server, running) = try await startLoopbackApp()
        defer {
            server.shutdown()
        }
        let port = server.port
        let token = benchToken
        // Seed the document through the manager (a writer that never touches a socket).
        let writer = DocumentPeer(id: "seed", kind: .yWebSocket, userID: "bench")
        try await app.manager.join("paper", peer: writer, outbound: DiscardingOutbound())
        for update in updates { try await app.manager.applyUpdate("paper", update: update, from: writer) }
        _ = await app.manager.state("paper")

        var syncs: [Double] = []
        var stateBytes = 0
        for _ in 0..<20 {
            let (elapsed, size) = try await offPool {
                let start = now()
                let client = try WebSocketClient.connect(port: port, path: "/yjs/paper?token=\(token)")
                defer { client.disconnect() }
                try client.send(.binary(ProtocolMessage.sync(.step1(stateVector: [0])).encoded()))
                while true {
                    guard case .message(.binary(let bytes)) = try client.receive(),
                        case .sync(.step2(let update)) = try ProtocolMessage(bytes: bytes)
                    else { continue }
                    return (now() - start, update.count)
                }
            }
            syncs.append(elapsed)
            stateBytes = size
        }
        let relay = try await relayThroughput(port: port, token: token, updates: Array(updates.prefix(2_000)))
        await app.shutdown()
        server.shutdown()
        await running.value
        return [
            ("ysync: first sync of a new client (\(stateBytes) B step 2), p50", percentile(syncs, 0.5), "ms"),
            ("ysync: first sync p99", percentile(syncs, 0.99), "ms"),
            ("ysync: relay 1 → 100 receivers", relay.rate, "deliveries/s"),
            ("ysync: relay latency at full load, p50", relay.p50, "ms"),
            ("ysync: relay latency at full load, p99", relay.p99, "ms"),
        ]
    }

    /// The JWT the loopback benchmarks authenticate with (secret `bench`).
    static let benchToken = JWTVerifier.sign(["id": "bench"], secret: "bench")

    /// A full in-memory Tandem application (y-websocket, Socket.IO, notes) on a loopback port, running.
    static func startLoopbackApp(backlog: Int32? = nil) async throws -> (ServerApp, Server, Task<Void, Never>) {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        if let backlog { configuration.backlog = max(configuration.backlog, backlog) }
        var appConfiguration = AppConfiguration()
        appConfiguration.documents.dataDirectory = nil
        appConfiguration.jwtSecret = "bench"
        appConfiguration.socketIOTestEvents = true
        let app = try await ServerApp(configuration: appConfiguration)
        var router = Router()
        app.install(on: &router)
        let server = try Server(configuration: configuration, router: router, logger: Logger(level: .error))
        let running = Task { await server.run() }
        return (app, server, running)
    }

    /// One sender, 100 y-websocket receivers: time from send to each receipt.
    static func relayThroughput(port: Int, token: String, updates: [[UInt8]]) async throws
        -> (rate: Double, p50: Double, p99: Double)
    {
        let receivers = 100
        let sentAt = SentTimes()
        let results = LatencyBox()
        let group = DispatchGroup()
        var clients: [WebSocketClient] = []
        for _ in 0..<receivers {
            let client = try WebSocketClient.connect(port: port, path: "/yjs/relay?token=\(token)")
            clients.append(client)
        }
        let sender = try WebSocketClient.connect(port: port, path: "/yjs/relay?token=\(token)")
        for client in clients {
            group.enter()
            Thread.detachNewThread {
                var received = 0
                var latencies: [Double] = []
                while received < updates.count {
                    guard case .message(.binary(let bytes))? = try? client.receive() else { break }
                    guard case .sync(.update(let update))? = try? ProtocolMessage(bytes: bytes) else { continue }
                    if let sent = sentAt.time(of: update) { latencies.append(now() - sent) }
                    received += 1
                }
                results.add(latencies)
                group.leave()
            }
        }
        let start = now()
        for update in updates {
            sentAt.record(update, at: now())
            try sender.send(.binary(ProtocolMessage.sync(.update(update)).encoded()))
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                group.wait()
                continuation.resume()
            }
        }
        let elapsed = now() - start
        for client in clients { client.disconnect() }
        sender.disconnect()
        let all = results.all
        return (Double(all.count) / (elapsed / 1000), percentile(all, 0.5), percentile(all, 0.99))
    }

    final class SentTimes: @unchecked Sendable {
        private let lock = NSLock()
        private var times: [[UInt8]: Double] = [:]
        func record(_ update: [UInt8], at time: Double) { lock.withLock { times[update] = time } }
        func time(of update: [UInt8]) -> Double? { lock.withLock { times[update] } }
    }

    final class LatencyBox: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Double] = []
        func add(_ more: [Double]) { lock.withLock { values += more } }
        var all: [Double] { lock.withLock { values } }
    }

    /// Runs blocking socket code off the concurrency pool (the server's sessions need the pool).
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    static func report(_ title: String, _ rows: [(String, Double, String)]) -> String {
        var lines = ["\(title)", String(repeating: "-", count: 72)]
        for (name, value, unit) in rows {
            let shown = value >= 100 ? String(format: "%.0f", value) : String(format: "%.3f", value)
            lines.append(name.padding(toLength: 56, withPad: " ", startingAt: 0) + " " + shown + " " + unit)
        }
        let json = rows.map { "{\"name\":\"\($0.0)\",\"value\":\($0.1),\"unit\":\"\($0.2)\"}" }.joined(separator: ",")
        lines.append("JSON: [\(json)]")
        return lines.joined(separator: "\n")
    }
}
