import Foundation
import Testing
@testable import YCRDT

struct TraceReplayTests {
    @Test("A sequential editing trace replays through the local text API to its end content",
          arguments: ["friendsforever_flat.json.gz", "clownschool_flat.json.gz", "sveltecomponent.json.gz",
                      "seph-blog1.json.gz", "automerge-paper.json.gz"])
    func sequential(_ name: String) throws {
        let trace = try EditingTrace.load(name)
        #expect(!trace.concurrent)
        let replay = try trace.replay()
        var doc = replay.document
        let text = doc.text("text")
        let updates = replay.updates.compactMap { $0 }
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
        let replay = try trace.replay()
        var merged = replay.document
        #expect(merged.string(merged.text("text")) == trace.endContent)
        #expect(merged.pending.isEmpty)
    }
}
