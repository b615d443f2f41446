import Foundation
import Testing
@testable import YCRDT

struct TraceReplayTests {
    @Test("A sequential editing trace replays through the local text API to its end content",
          arguments: ["friendsforever_flat.json.gz", "clownschool_flat.json.gz", "sveltecomponent.json.gz"])
    func sequential(_ name: String) throws {
        let trace = try EditingTrace.load(name)
        var doc = Document(clientID: 1)
        let text = doc.text("text")
        var updates: [[UInt8]] = []
        for txn in trace.txns {
            let update = doc.transact { d in
                for p in txn.patches {
                    if p.deleteCount > 0 { d.delete(from: text, at: p.position, length: p.deleteCount) }
                    if !p.insert.isEmpty { d.insert(into: text, at: p.position, p.insert) }
                }
            }
            if let update { updates.append(update) }
        }
        #expect(doc.string(text) == trace.endContent)
        // The updates rebuild the same document elsewhere.
        var other = Document(clientID: 2)
        for u in updates { try other.applyUpdate(u) }
        #expect(other.string(other.text("text")) == trace.endContent)
        #expect(other.encodeStateAsUpdate() == doc.encodeStateAsUpdate())
    }
}

