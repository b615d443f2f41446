import Foundation
import Testing
@testable import YCRDT

struct TraceReplayTests {
    @Test("A sequential editing trace replays through the local text API to its end content",
          arguments: ["friendsforever_flat.json.gz", "clownschool_flat.json.gz", "sveltecomponent.json.gz",
                      "seph-blog1.json.gz", "automerge-paper.json.gz"])
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


extension TraceReplayTests {
    @Test("A concurrent editing trace replays with one document per agent, forking and merging along `parents`",
          arguments: ["concurrent-friendsforever.json.gz", "concurrent-clownschool.json.gz"])
    func concurrent(_ name: String) throws {
        let trace = try EditingTrace.load(name)
        #expect(trace.concurrent)
        let agents = (trace.txns.map(\.agent).max() ?? 0) + 1
        var docs = (0..<agents).map { Document(clientID: UInt64($0) + 1) }
        var known = Array(repeating: Set<Int>(), count: agents)
        var updates: [[UInt8]?] = Array(repeating: nil, count: trace.txns.count)
        for (index, txn) in trace.txns.enumerated() {
            let a = txn.agent
            // Apply every ancestor this agent has not seen, oldest first.
            var missing: [Int] = []
            var stack = txn.parents.filter { !known[a].contains($0) }
            var seen = Set(stack)
            while let t = stack.popLast() {
                missing.append(t)
                for p in trace.txns[t].parents where !known[a].contains(p) && !seen.contains(p) {
                    seen.insert(p)
                    stack.append(p)
                }
            }
            for t in missing.sorted() {
                if let u = updates[t] { try docs[a].applyUpdate(u) }
                known[a].insert(t)
            }
            let text = docs[a].text("text")
            updates[index] = docs[a].transact { d in
                for p in txn.patches {
                    if p.deleteCount > 0 { d.delete(from: text, at: p.position, length: p.deleteCount) }
                    if !p.insert.isEmpty { d.insert(into: text, at: p.position, p.insert) }
                }
            }
            known[a].insert(index)
        }
        var merged = Document(clientID: 100)
        for u in updates.compactMap({ $0 }) { try merged.applyUpdate(u) }
        #expect(merged.string(merged.text("text")) == trace.endContent)
        #expect(merged.pending.isEmpty)
    }
}
