import Dispatch
import Wire

/// `tandem-bench json`: Wire's JSON on the payload that dominates Open WebUI's socket traffic, a Yjs update sent as
/// a JSON int array (`ydoc:document:update {document_id, update:[…]}`), plus a small chat-style event.
enum JSONSuite {
    /// Measured rows: (operation, best milliseconds, MB/s).
    nonisolated(unsafe) static var measured: [(String, Double, Double)] = []

    static func run(_ arguments: [String]) {
        self.measured = []
        let size = arguments.first.flatMap { Int($0) } ?? 1_000_000
        var generator = SystemRandomNumberGenerator()
        let update = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let event: JSONValue = ["ydoc:document:update", ["document_id": "note:1", "update": .byteArray(update)]]
        let text = event.serializedBytes()
        let small = try? JSONValue(parsing: #"["events:channel",{"channel_id":"c1","message_id":null,"data":{"type":"typing","data":{"typing":true}}}]"#)
        let smallText = small?.serializedBytes() ?? []
        print("json: \(size)-byte update = \(text.count) bytes of JSON")
        print("| operation | time | throughput |")
        print("|---|---:|---:|")
        self.measure("parse update event", bytes: text.count, iterations: 5) {
            _ = try? JSONValue(parsing: text)
        }
        let parsed = (try? JSONValue(parsing: text)) ?? .null
        self.measure("update → [UInt8]", bytes: text.count, iterations: 5) {
            _ = try? parsed[1]?["update"]?.bytes()
        }
        self.measure("serialize update event", bytes: text.count, iterations: 5) {
            _ = event.serializedBytes()
        }
        self.measure("writeByteArray (no JSONValue)", bytes: text.count, iterations: 5) {
            var serializer = JSONSerializer(reservingCapacity: update.count * 4)
            serializer.writeByteArray(update)
        }
        self.measure("parse small event ×10k", bytes: smallText.count * 10_000, iterations: 3) {
            for _ in 0..<10_000 { _ = try? JSONValue(parsing: smallText) }
        }
    }

    private static func measure(_ name: String, bytes: Int, iterations: Int, _ body: () -> Void) {
        body()  // warm-up
        var best = UInt64.max
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, DispatchTime.now().uptimeNanoseconds - start)
        }
        let milliseconds = Double(best) / 1e6
        let megabytes = Double(bytes) / 1e6 / (Double(best) / 1e9)
        let time = (milliseconds * 100).rounded() / 100
        let rate = (megabytes * 10).rounded() / 10
        print("| \(name) | \(time) ms | \(rate) MB/s |")
        self.measured.append((name, milliseconds, megabytes))
    }
}
