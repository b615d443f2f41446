import BenchKit
import Foundation
import Tandem
import Wire
import YCRDT

/// `--suite rooms`: the document manager (apply through a room, join latency, in-process fan-out; see
/// ``RoomsSuite/runRooms(_:)``) and a join storm: 150 y-websocket clients joining a ~4 MB document at once over
/// loopback, with p50/p99 join time and the process's peak RSS (VmHWM, reset before the storm).
enum RoomsBench: BenchSuite {
    static let name = "rooms"
    static let title = "Document rooms: apply, join latency, fan-out; join storm over y-websocket"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        var report = SuiteReport(suite: name, title: title)
        context.step(name, "apply, join latency and in-process fan-out on \(URL(fileURLWithPath: context.logPath).lastPathComponent)")
        for (label, value, unit) in try await RoomsSuite.runRooms(["--log", context.logPath]) {
            report.rows.append(BenchRow(group: "document manager", name: label.replacingOccurrences(of: "rooms: ", with: ""),
                                        value: value, unit: unit))
        }
        let clients = max(1, context.options.suiteInt("--storm-clients", 150))
        let megabytes = max(1, context.options.suiteInt("--storm-mb", 4))
        context.step(name, "join storm: \(clients) clients, \(megabytes) MB document")
        let storm = try await JoinStorm.run(clients: clients, megabytes: megabytes, progress: context.progress)
        let group = "join storm: \(clients) clients at once, \(BenchTable.format(Double(storm.stateBytes))) B state"
        report.rows += [
            BenchRow(group: group, name: "join p50 (connect → full sync step 2)", value: storm.p50, unit: "ms"),
            BenchRow(group: group, name: "join p99", value: storm.p99, unit: "ms"),
            BenchRow(group: group, name: "last join", value: storm.last, unit: "ms"),
            BenchRow(group: group, name: "peak RSS during the storm (VmHWM)", value: Double(storm.peakRSS) / 1_048_576,
                     unit: "MiB", note: String(format: "RSS before: %.1f MiB; server and clients in one process",
                                               Double(storm.rssBefore) / 1_048_576)),
        ]
        if storm.failures > 0 { report.notes.append("\(storm.failures) clients failed to join") }
        return report
    }
}

/// Many y-websocket clients joining one large document at the same moment.
enum JoinStorm {
    struct Outcome {
        var stateBytes: Int
        var p50: Double
        var p99: Double
        var last: Double
        var peakRSS: UInt64
        var rssBefore: UInt64
        var failures: Int
    }

    /// A text document of about `megabytes` MB: 1,000 inserts at seeded positions (many structs, like a real note).
    static func largeState(megabytes: Int) -> [UInt8] {
        var doc = Document(clientID: 4242)
        let text = doc.text("text")
        var random = BenchRandom(seed: 7)
        let chunk = megabytes * 1_000
        let line = String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", count: chunk / 58 + 1)
            .prefix(chunk)
        var length = 0
        for _ in 0..<1_000 {
            let at = length == 0 ? 0 : Int(random.next() % UInt64(length + 1))
            _ = doc.transact { $0.insert(into: text, at: at, String(line)) }
            length += line.count
        }
        return doc.encodeStateAsUpdate()
    }

    static func run(clients: Int, megabytes: Int, progress: BenchProgress) async throws -> Outcome {
        let state = largeState(megabytes: megabytes)
        let (app, server, running) = try await RoomsSuite.startLoopbackApp(backlog: Int32(clients * 2))
        let port = server.port
        let token = RoomsSuite.benchToken
        let seed = DocumentPeer(id: "seed", kind: .yWebSocket, userID: "bench")
        try await app.manager.join("storm", peer: seed, outbound: DiscardingOutbound())
        try await app.manager.applyUpdate("storm", update: state, from: seed)
        // The seed stays a member: with no data directory, the last member leaving unloads the document.
        _ = await app.manager.state("storm")

        let rssBefore = ProcessMemory.status("VmRSS") ?? 0
        ProcessMemory.resetPeak()
        let times = LatencyBoxes()
        let gate = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        let path = "/yjs/storm?token=\(token)"
        let step1 = ProtocolMessage.sync(.step1(stateVector: [0])).encoded()
        for _ in 0..<clients {
            group.enter()
            let thread = Thread {
                gate.wait()
                let start = BenchMeasure.now()
                defer { group.leave() }
                do {
                    let client = try WebSocketClient.connect(port: port, path: path, timeout: .seconds(120))
                    defer { client.disconnect() }
                    try client.send(.binary(step1))
                    while true {
                        guard case .message(.binary(let bytes)) = try client.receive(),
                            case .sync(.step2(let update)) = try ProtocolMessage(bytes: bytes)
                        else { continue }
                        times.add(BenchMeasure.now() - start, bytes: update.count)
                        return
                    }
                } catch {
                    times.fail()
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in 0..<clients { gate.signal() }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                group.wait()
                continuation.resume()
            }
        }
        let peak = ProcessMemory.status("VmHWM") ?? 0
        await app.shutdown()
        server.shutdown()
        await running.value
        let all = times.values
        return Outcome(
            stateBytes: times.bytes, p50: BenchMeasure.percentile(all, 0.5), p99: BenchMeasure.percentile(all, 0.99),
            last: all.max() ?? 0, peakRSS: peak, rssBefore: rssBefore, failures: times.failures)
    }

    final class LatencyBoxes: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Double] = []
        private(set) var failures = 0
        private(set) var bytes = 0
        func add(_ value: Double, bytes: Int) { lock.withLock { values.append(value); self.bytes = bytes } }
        func fail() { lock.withLock { failures += 1 } }
    }
}

/// `--suite ysync`: first y-websocket sync against the automerge-paper document and relay to 100 receivers.
enum YSyncSuite: BenchSuite {
    static let name = "ysync"
    static let title = "y-websocket: first sync of a new client, relay 1 → 100 receivers (loopback)"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        context.step(name, "first sync ×20 and relay of 2,000 updates to 100 receivers")
        var report = SuiteReport(suite: name, title: title)
        for (label, value, unit) in try await RoomsSuite.runYSync(["--log", context.logPath]) {
            let name = label.replacingOccurrences(of: "ysync: ", with: "")
            report.rows.append(BenchRow(group: name.hasPrefix("relay") ? "relay" : "first sync", name: name,
                                        value: value, unit: unit))
        }
        return report
    }
}
