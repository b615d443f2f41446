import Foundation
import YCRDT

/// dmonad/crdt-benchmarks B1–B4 with N = 6000 on our `Document`, one transaction per operation as the harness does.
/// Sizes are v2 bytes (the harness uses `encodeStateAsUpdateV2`); `parseTime` loads the v2 state into a new
/// document and checks its content.
enum CRDTBenchmarks {
    static let n = 6000

    struct Outcome {
        var time: Double
        var updates: [[UInt8]]
        var doc: Document
        var check: (inout Document) -> Bool
    }

    static func v2Size(_ v1: [UInt8]) -> Int { (try? Update(v1: v1).encodeV2().count) ?? v1.count }

    static func measure(_ name: String, _ body: () throws -> Outcome) rethrows -> DocSuite.Result {
        var outcome = try body()
        var state: [UInt8] = []
        let encode = DocSuite.milliseconds { state = outcome.doc.encodeStateAsUpdateV2() }
        var loaded = Document(clientID: 999)
        var ok = false
        let parse = DocSuite.milliseconds {
            _ = try? loaded.applyUpdate(state, format: .v2)
            ok = outcome.check(&loaded)
        }
        let sizes = outcome.updates.map(v2Size)
        let average = sizes.isEmpty ? 0 : Double(sizes.reduce(0, +)) / Double(sizes.count)
        return DocSuite.Result(
            name: name + (ok && outcome.check(&outcome.doc) ? "" : " (CHECK FAILED)"),
            metrics: [
                ("time", outcome.time, "ms"),
                ("avgUpdateSize (v2)", average, "bytes"),
                ("encodeTime", encode, "ms"),
                ("docSize (v2)", Double(state.count), "bytes"),
                ("parseTime", parse, "ms"),
            ])
    }

    /// Local edits on one document, each in its own transaction.
    static func local(_ body: (inout Document, inout [[UInt8]]) -> Void, check: @escaping (inout Document) -> Bool)
        -> Outcome
    {
        var doc = Document(clientID: 1)
        var updates: [[UInt8]] = []
        let time = DocSuite.milliseconds { body(&doc, &updates) }
        return Outcome(time: time, updates: updates, doc: doc, check: check)
    }

    /// Two peers edit the text concurrently (`edit(i, &a, &b)` returns each side's update, for i in 0..<count),
    /// then exchange their updates; the check is that both and a loaded copy agree.
    static func concurrentText(
        count: Int, _ edit: (Int, inout Document, inout Document) -> (a: [UInt8]?, b: [UInt8]?)
    ) throws -> Outcome {
        var a = Document(clientID: 1)
        var b = Document(clientID: 2)
        var updates: [[UInt8]] = []
        let time = try DocSuite.milliseconds {
            var ua: [[UInt8]] = []
            var ub: [[UInt8]] = []
            for i in 0..<count {
                let (fromA, fromB) = edit(i, &a, &b)
                record(&ua, fromA)
                record(&ub, fromB)
            }
            for u in ub { try a.applyUpdate(u) }
            for u in ua { try b.applyUpdate(u) }
            updates = ua + ub
        }
        let expected = a.string(a.text("text"))
        let same = b.string(b.text("text")) == expected
        return Outcome(time: time, updates: updates, doc: a, check: { same && $0.string($0.text("text")) == expected })
    }

    static func record(_ updates: inout [[UInt8]], _ update: [UInt8]?) {
        if let update { updates.append(update) }
    }

    static func run(sharedRoot: URL) throws -> [DocSuite.Result] {
        var rng = BenchRandom(seed: 42)
        let chars = (0..<n).map { _ in String(UnicodeScalar(UInt8(97 + Int(rng.next() % 26)))) }
        let string = chars.joined()
        let positions = (0..<n).map { i in Int(rng.next() % UInt64(i + 1)) }
        let words = (0..<n).map { _ in String(repeating: "w", count: 2 + Int(rng.next() % 8)) }
        // As crdt-benchmarks: numbers are random uint32 below 2^31.
        let numbers = (0..<n).map { _ in YAny.integer(Int64(rng.next() % 0x7FFF_FFFF)) }
        var results: [DocSuite.Result] = []

        results.append(measure("[B1.1] Append N characters") {
            local({ doc, updates in
                let text = doc.text("text")
                for i in 0..<n { record(&updates, doc.transact { $0.insert(into: text, at: i, chars[i]) }) }
            }, check: { $0.string($0.text("text")) == string })
        })
        results.append(measure("[B1.2] Insert string of length N") {
            local({ doc, updates in
                let text = doc.text("text")
                record(&updates, doc.transact { $0.insert(into: text, at: 0, string) })
            }, check: { $0.string($0.text("text")) == string })
        })
        results.append(measure("[B1.3] Prepend N characters") {
            local({ doc, updates in
                let text = doc.text("text")
                for i in 0..<n { record(&updates, doc.transact { $0.insert(into: text, at: 0, chars[i]) }) }
            }, check: { $0.string($0.text("text")) == String(string.reversed()) })
        })
        var model: [Character] = []
        for i in 0..<n { model.insert(Character(chars[i]), at: positions[i]) }
        let randomText = String(model)
        results.append(measure("[B1.4] Insert N characters at random positions") {
            local({ doc, updates in
                let text = doc.text("text")
                for i in 0..<n { record(&updates, doc.transact { $0.insert(into: text, at: positions[i], chars[i]) }) }
            }, check: { $0.string($0.text("text")) == randomText })
        })
        results.append(measure("[B1.5] Insert N words at random positions") {
            local({ doc, updates in
                let text = doc.text("text")
                for i in 0..<n {
                    let at = Int(UInt64(positions[i]) % UInt64(doc.length(text) + 1))
                    record(&updates, doc.transact { $0.insert(into: text, at: at, words[i]) })
                }
            }, check: { $0.length($0.text("text")) == words.reduce(0) { $0 + $1.count } })
        })
        results.append(measure("[B1.6] Insert string, then delete it") {
            local({ doc, updates in
                let text = doc.text("text")
                record(&updates, doc.transact { $0.insert(into: text, at: 0, string) })
                record(&updates, doc.transact { $0.delete(from: text, at: 0, length: n) })
            }, check: { $0.string($0.text("text")).isEmpty })
        })
        var mixed: [(insert: Bool, at: UInt64, count: UInt64, word: Int)] = []
        for i in 0..<n { mixed.append((rng.next() % 2 == 0, rng.next(), rng.next(), i)) }
        results.append(measure("[B1.7] Insert/Delete strings at random positions") {
            local({ doc, updates in
                let text = doc.text("text")
                for op in mixed {
                    let length = doc.length(text)
                    let at = Int(op.at % UInt64(length + 1))
                    if op.insert || length == 0 || at == length {
                        record(&updates, doc.transact { $0.insert(into: text, at: at, words[op.word]) })
                    } else {
                        let count = 1 + Int(op.count % UInt64(min(9, length - at)))
                        record(&updates, doc.transact { $0.delete(from: text, at: at, length: count) })
                    }
                }
            }, check: { _ in true })
        })
        results.append(measure("[B1.8] Append N numbers") {
            local({ doc, updates in
                let array = doc.array("array")
                for i in 0..<n { record(&updates, doc.transact { $0.insert(into: array, at: i, [.value(numbers[i])]) }) }
            }, check: { $0.length($0.array("array")) == n })
        })
        results.append(measure("[B1.9] Insert Array of N numbers") {
            local({ doc, updates in
                let array = doc.array("array")
                record(&updates, doc.transact { $0.insert(into: array, at: 0, numbers.map { .value($0) }) })
            }, check: { $0.length($0.array("array")) == n })
        })
        results.append(measure("[B1.10] Prepend N numbers") {
            local({ doc, updates in
                let array = doc.array("array")
                for i in 0..<n { record(&updates, doc.transact { $0.insert(into: array, at: 0, [.value(numbers[i])]) }) }
            }, check: { $0.length($0.array("array")) == n })
        })
        results.append(measure("[B1.11] Insert N numbers at random positions") {
            local({ doc, updates in
                let array = doc.array("array")
                for i in 0..<n { record(&updates, doc.transact { $0.insert(into: array, at: positions[i], [.value(numbers[i])]) }) }
            }, check: { $0.length($0.array("array")) == n })
        })
        results.append(try measure("[B2.1] Concurrently insert string of length N at index 0") {
            var a = Document(clientID: 1)
            var b = Document(clientID: 2)
            var updates: [[UInt8]] = []
            let time = try DocSuite.milliseconds {
                let ua = a.transact { $0.insert(into: $0.text("text"), at: 0, string) }
                let ub = b.transact { $0.insert(into: $0.text("text"), at: 0, String(string.reversed())) }
                record(&updates, ua)
                record(&updates, ub)
                if let ub { try a.applyUpdate(ub) }
                if let ua { try b.applyUpdate(ua) }
            }
            let expected = a.string(a.text("text"))
            return Outcome(time: time, updates: updates, doc: a, check: { $0.string($0.text("text")) == expected && $0.length($0.text("text")) == 2 * n })
        })
        results.append(try measure("[B2.2] Concurrently insert N characters at random positions") {
            try concurrentText(count: n) { i, a, b in
                (a.transact { $0.insert(into: $0.text("text"), at: positions[i], chars[i]) },
                 b.transact { $0.insert(into: $0.text("text"), at: positions[n - 1 - i] % (i + 1), chars[i]) })
            }
        })
        results.append(try measure("[B2.3] Concurrently insert N words at random positions") {
            try concurrentText(count: n) { i, a, b in
                let ta = a.text("text"), tb = b.text("text")
                return (a.transact { $0.insert(into: ta, at: positions[i] % ($0.length(ta) + 1), words[i]) },
                        b.transact { $0.insert(into: tb, at: positions[n - 1 - i] % ($0.length(tb) + 1), words[i]) })
            }
        })
        results.append(try measure("[B2.4] Concurrently insert & delete") {
            func edit(_ d: inout Document, _ i: Int, _ op: (insert: Bool, at: UInt64, count: UInt64, word: Int), _ pick: UInt64) -> [UInt8]? {
                let text = d.text("text")
                let length = d.length(text)
                let at = Int(pick % UInt64(length + 1))
                if op.insert || length == 0 || at == length {
                    return d.transact { $0.insert(into: text, at: at, words[i]) }
                }
                let count = 1 + Int(op.count % UInt64(min(9, length - at)))
                return d.transact { $0.delete(from: text, at: at, length: count) }
            }
            return try concurrentText(count: mixed.count) { i, a, b in
                (edit(&a, i, mixed[i], mixed[i].at), edit(&b, i, mixed[i], mixed[i].count))
            }
        })
        let clients = Int((20 * Double(n).squareRoot()).rounded())
        results.append(try measure("[B3.1] \(clients) clients concurrently set number in Map") {
            var updates: [[UInt8]] = []
            var doc = Document(clientID: 1)
            let time = try DocSuite.milliseconds {
                for c in 0..<clients {
                    var peer = Document(clientID: UInt64(c + 10))
                    record(&updates, peer.transact { $0.set($0.map("map"), "v", .value(.integer(Int64(c)))) })
                }
                for u in updates { try doc.applyUpdate(u) }
            }
            return Outcome(time: time, updates: updates, doc: doc, check: { $0.get($0.map("map"), "v") != nil })
        })
        let longString = String(repeating: "x", count: n)
        let b3: [(String, (Int) -> ArrayContent)] = [
            ("[B3.2] \(clients) clients concurrently set Object in Map", { c in .value(.object([("name", .string("c\(c)")), ("n", .integer(Int64(c)))])) }),
            ("[B3.3] \(clients) clients concurrently set String in Map", { _ in .value(.string(longString)) }),
        ]
        for (name, value) in b3 {
            results.append(try measure(name) {
                var updates: [[UInt8]] = []
                var doc = Document(clientID: 1)
                let time = try DocSuite.milliseconds {
                    for c in 0..<clients {
                        var peer = Document(clientID: UInt64(c + 10))
                        record(&updates, peer.transact { $0.set($0.map("map"), "v", value(c)) })
                    }
                    for u in updates { try doc.applyUpdate(u) }
                }
                return Outcome(time: time, updates: updates, doc: doc, check: { $0.get($0.map("map"), "v") != nil })
            })
        }
        results.append(try measure("[B3.4] \(clients) clients concurrently insert text in Array") {
            var updates: [[UInt8]] = []
            var doc = Document(clientID: 1)
            let time = try DocSuite.milliseconds {
                for c in 0..<clients {
                    var peer = Document(clientID: UInt64(c + 10))
                    record(&updates, peer.transact { $0.insert(into: $0.array("array"), at: 0, [.value(.string("text\(c)"))]) })
                }
                for u in updates { try doc.applyUpdate(u) }
            }
            return Outcome(time: time, updates: updates, doc: doc, check: { $0.length($0.array("array")) == clients })
        })
        results.append(try measure("[B4] Apply real-world editing dataset (automerge-paper, local edits)") {
            let path = sharedRoot.appendingPathComponent("traces/automerge-paper.json.gz").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["gzip", "-dc", path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            let end = root["endContent"] as? String ?? ""
            var patches: [(Int, Int, String)] = []
            for txn in root["txns"] as? [[String: Any]] ?? [] {
                for p in txn["patches"] as? [[Any]] ?? [] {
                    patches.append(((p[0] as? NSNumber)?.intValue ?? 0, (p[1] as? NSNumber)?.intValue ?? 0, p.count > 2 ? p[2] as? String ?? "" : ""))
                }
            }
            return local({ doc, updates in
                let text = doc.text("text")
                for (at, deleteCount, insert) in patches {
                    if deleteCount > 0 { record(&updates, doc.transact { $0.delete(from: text, at: at, length: deleteCount) }) }
                    if !insert.isEmpty { record(&updates, doc.transact { $0.insert(into: text, at: at, insert) }) }
                }
            }, check: { $0.string($0.text("text")) == end })
        })
        return results
    }
}

/// Reproducible benchmark inputs (the document's own SplitMix64).
typealias BenchRandom = SplitMix64
