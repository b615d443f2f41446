import Testing
@testable import YCRDT

/// Peer input must never trap: corrupted updates either fail to decode or apply without crashing.
struct HostileUpdateTests {
    @Test("Updates with flipped bytes never crash the document", arguments: Array(UInt64(1)...6))
    func flippedBytes(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let updates = try SharedFixtures.log("fixtures/yjs/conformance/session-0\((seed - 1) % 8 + 1)/updates.ylog")
        var doc = Document(clientID: 1)
        var applied = 0
        for update in updates {
            var bytes = update
            if Bool.random(using: &rng), !bytes.isEmpty {
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            do {
                try doc.applyUpdate(bytes)
                applied += 1
            } catch {}
        }
        #expect(applied > 0)
        // The result still encodes and loads.
        var copy = Document(clientID: 2)
        try copy.applyUpdate(doc.encodeStateAsUpdate())
        _ = copy.rootsJSON()
    }

    @Test("Nesting deeper than maxDepth becomes GC instead of recursing without bound")
    func deepNesting() throws {
        var doc = Document(clientID: 1, options: .init(maxDepth: 8))
        var map = doc.map("map")
        for _ in 0..<20 {
            guard let nested = doc.set(map, "m", .type(.map)) else { break }
            map = MapRef(typeIndex: nested.typeIndex)
        }
        var other = Document(clientID: 2, options: .init(maxDepth: 8))
        try other.applyUpdate(doc.encodeStateAsUpdate())
        #expect(other.encodeStateVector() == doc.encodeStateVector())
        doc.delete(doc.map("map"), key: "m")
        #expect(JavaScriptJSON.stringify(doc.toJSON(doc.map("map"))) == "{}")
    }
}
