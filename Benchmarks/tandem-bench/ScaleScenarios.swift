import BenchKit
import Foundation
import Tandem
import Wire
import YCRDT

/// The measurements of the `scale` suite, each against a fresh `tandem serve --memory` child process.
enum ScaleScenarios {
    struct IdleOutcome {
        var join: ScaleJoin
        var rssBefore: UInt64
        var rssAfter: UInt64
        var idleCPUPercent: Double
        var idleSeconds: Double
    }

    /// `count` y-websocket clients join (`documents` distinct documents, round robin) and stay idle: memory added,
    /// joins per second, and the server's CPU while they idle for `idleSeconds`.
    static func idle(tandem: String, count: Int, documents: Int, idleSeconds: Double) throws -> IdleOutcome {
        let server = try ScaleServer(tandem: tandem)
        defer { server.stop() }
        let generator = try LoadGenerator(port: server.port)
        // Warm up the allocator and the code paths with a few clients first, so the baseline is not a cold process.
        let warm = ScaleJoin.run(generator, .yWebSocket, count: 10, inFlight: 10, timeout: 30) { "warm-\($0)" }
        generator.pump(seconds: 0.5)
        let before = server.rss
        let join = ScaleJoin.run(generator, .yWebSocket, count: count, inFlight: 512, timeout: 120) {
            documents == 1 ? "one" : "idle-\($0 % documents)"
        }
        generator.pump(seconds: 1)
        let after = server.rss
        let cpu = server.cpuPercent { generator.pump(seconds: idleSeconds) }
        _ = warm
        generator.closeAll()
        return IdleOutcome(join: join, rssBefore: before, rssAfter: after, idleCPUPercent: cpu.percent,
                           idleSeconds: cpu.seconds)
    }

    struct StormOutcome {
        var join: ScaleJoin
        var stateBytes: Int
        var rssBefore: UInt64
        var peak: UInt64
    }

    /// A document of about `megabytes` MB is seeded by one client, then `clients` clients join it at the same moment;
    /// each is timed from the common start to its complete state. Peak RSS is the server's VmHWM, reset just before.
    static func storm(tandem: String, proto: ScaleProtocol, clients: Int, megabytes: Int) throws -> StormOutcome {
        let server = try ScaleServer(tandem: tandem)
        defer { server.stop() }
        let generator = try LoadGenerator(port: server.port)
        let stateBytes = try self.seed(generator, document: "storm", megabytes: megabytes)
        let before = server.rss
        server.resetPeak()
        let join = ScaleJoin.run(generator, proto, count: clients, inFlight: clients, timeout: 300) { _ in "storm" }
        let peak = server.peakRSS
        generator.closeAll()
        return StormOutcome(join: join, stateBytes: stateBytes, rssBefore: before, peak: peak)
    }

    /// Seeds `document` with ``largeDocumentUpdates(megabytes:)`` through one y-websocket client of the generator's
    /// server, which stays connected (an in-memory document unloads when its last member leaves); its own sync step 2
    /// after the updates proves they are all applied. Returns the size of that step 2 frame's payload.
    static func seed(_ generator: LoadGenerator, document: String, megabytes: Int) throws -> Int {
        let updates = self.largeDocumentUpdates(megabytes: megabytes)
        let seed = ScaleJoin.run(generator, .yWebSocket, count: 1, inFlight: 1, timeout: 30) { _ in document }
        guard let seeder = seed.connections.first, seed.synced == 1 else {
            throw BenchError("seeder failed: \(seed.firstFailure ?? "?")")
        }
        for update in updates { generator.send(seeder, opcode: .binary, ProtocolMessage.sync(.update(update)).encoded()) }
        generator.send(seeder, opcode: .binary, ScaleProtocol.emptyStep1)
        var stateBytes = 0
        let seeded = generator.run(timeout: 120, until: { stateBytes > 0 }) { event in
            if case .message(_, _, let payload, let length) = event, payload.count > 1, payload[0] == 0, payload[1] == 1 {
                stateBytes = length
            }
        }
        guard seeded else { throw BenchError("the \(megabytes) MB document was not seeded within 120 s") }
        generator.pump(seconds: 0.5)
        return stateBytes
    }

    /// 1,000 text inserts at seeded positions adding up to about `megabytes` MB (many structs, like a real note).
    static func largeDocumentUpdates(megabytes: Int) -> [[UInt8]] {
        var doc = Document(clientID: 4242)
        let text = doc.text("text")
        var random = BenchRandom(seed: 7)
        let chunk = megabytes * 1_000
        let line = String(String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", count: chunk / 58 + 1)
            .prefix(chunk))
        var length = 0
        var updates: [[UInt8]] = []
        for _ in 0..<1_000 {
            let at = length == 0 ? 0 : Int(random.next() % UInt64(length + 1))
            if let update = doc.transact({ $0.insert(into: text, at: at, line) }) { updates.append(update) }
            length += line.count
        }
        return updates
    }

    /// `count` small, distinct, valid updates from one client (one character each).
    static func smallUpdates(_ count: Int, client: UInt64 = 9_001) -> [[UInt8]] {
        var doc = Document(clientID: client)
        let text = doc.text("text")
        var updates: [[UInt8]] = []
        for index in 0..<count {
            if let update = doc.transact({ $0.insert(into: text, at: index, "x") }) { updates.append(update) }
        }
        return updates
    }

    struct RelayOutcome {
        var join: ScaleJoin
        var latencies: [Double]
        var deliveries: Int
        var expected: Int
        var seconds: Double
    }

    /// One sender and `receivers` observers of one document. With `window` 1 each update is sent alone and
    /// awaited by every observer (fan-out latency); with a larger window that many are kept in flight (relay).
    static func relay(tandem: String, proto: ScaleProtocol, receivers: Int, messages: Int, window: Int) throws
        -> RelayOutcome
    {
        let server = try ScaleServer(tandem: tandem)
        defer { server.stop() }
        let generator = try LoadGenerator(port: server.port)
        let document = "relay"
        let join = ScaleJoin.run(generator, proto, count: receivers, inFlight: 512, timeout: 120) { _ in document }
        let sending = ScaleJoin.run(generator, proto, count: 1, inFlight: 1, timeout: 30) { _ in document }
        guard let sender = sending.connections.first, sending.synced == 1 else {
            throw BenchError("sender failed to join: \(sending.firstFailure ?? "?")")
        }
        for connection in join.connections { connection.counter = 0 }
        let updates = self.smallUpdates(messages)
        var sentAt = [UInt64](repeating: 0, count: messages)
        var completions = [Int](repeating: 0, count: messages)
        var completed = 0
        var sent = 0
        var latencies: [Double] = []
        latencies.reserveCapacity(messages * receivers)
        let live = join.connections.filter { $0.phase == ScaleProtocol.synced }.count
        var lastReceipt: UInt64 = 0
        func sendMore() {
            while sent < messages, sent - completed < window {
                let (opcode, bytes) = proto.updateMessage(updates[sent], document: document)
                sentAt[sent] = DispatchTime.now().uptimeNanoseconds
                generator.send(sender, opcode: opcode, bytes)
                sent += 1
            }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        sendMore()
        generator.run(timeout: 60, until: { completed >= messages }) { event in
            guard case .message(let connection, _, let payload, _) = event, connection !== sender,
                proto.isUpdate(payload), connection.counter < messages
            else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            let index = connection.counter
            connection.counter += 1
            latencies.append(Double(now - sentAt[index]) / 1e6)
            lastReceipt = now
            completions[index] += 1
            while completed < messages, completions[completed] >= live { completed += 1 }
            sendMore()
        }
        generator.closeAll()
        return RelayOutcome(join: join, latencies: latencies, deliveries: latencies.count, expected: messages * live,
                            seconds: Double(lastReceipt &- start) / 1e9)
    }

    /// `clients` y-websocket clients of one document each send an awareness update once a second (spread evenly
    /// over the second) for `seconds`; the server's CPU over that window, in % of one core.
    static func presence(tandem: String, clients: Int, seconds: Double) throws -> (percent: Double, join: ScaleJoin, sent: Int) {
        let server = try ScaleServer(tandem: tandem)
        defer { server.stop() }
        let generator = try LoadGenerator(port: server.port)
        let join = ScaleJoin.run(generator, .yWebSocket, count: clients, inFlight: 512, timeout: 120) { _ in "presence" }
        generator.pump(seconds: 0.5)
        let connections = join.connections.filter { $0.phase == ScaleProtocol.synced }
        var sent = 0
        var clock: UInt64 = 0
        let cpu = server.cpuPercent {
            let start = DispatchTime.now().uptimeNanoseconds
            let total = Int(seconds * Double(connections.count))
            let gap = 1e9 / Double(max(1, connections.count))
            while sent < total {
                let due = start + UInt64(Double(sent) * gap)
                while case let now = DispatchTime.now().uptimeNanoseconds, due > now {
                    generator.pump(seconds: min(0.002, Double(due - now) / 1e9))
                }
                let connection = connections[sent % connections.count]
                if sent % connections.count == 0 { clock += 1 }
                let state = #"{"user":{"name":"user \#(connection.id)","color":"teal"},"cursor":{"anchor":\#(sent),"head":\#(sent)}}"#
                let update = AwarenessUpdate(entries: [.init(client: UInt64(10_000 + connection.id), clock: clock, state: state)])
                generator.send(connection, opcode: .binary, ProtocolMessage.awareness(update.encoded()).encoded())
                sent += 1
            }
            generator.pump(seconds: 0.2)
        }
        generator.closeAll()
        return (cpu.percent, join, sent)
    }
}
