import Foundation
import Testing

@testable import YCRDT

struct DocumentStatsTests {
    @Test("Stats of a small two-client document: clients, clock lengths, deleted ratio, state size")
    func small() throws {
        var a = Document(clientID: 1)
        let text = a.text("text")
        let insert = try #require(a.transact { $0.insert(into: text, at: 0, "hello world") })
        let delete = try #require(a.transact { $0.delete(from: text, at: 0, length: 6) })
        var b = Document(clientID: 2)
        try b.applyUpdate(insert)
        try b.applyUpdate(delete)
        _ = b.transact { $0.insert(into: $0.text("text"), at: 5, "!") }
        #expect(b.string(b.text("text")) == "world!")
        let stats = b.stats
        #expect(stats.clients == 2)
        #expect(stats.totalLength == 12)
        #expect(stats.deletedLength == 6)
        #expect(stats.deletedRatio == 0.5)
        #expect(stats.stateBytes == b.encodeStateAsUpdate().count)
        #expect(stats.structs >= 3)
        #expect(stats.pendingStructs == 0)
    }

    @Test("An empty document has zero everything and a zero ratio")
    func empty() {
        let stats = Document(clientID: 1).stats
        #expect(stats == DocumentStats(clients: 0, structs: 0, totalLength: 0, deletedLength: 0, stateBytes: 2,
                                       pendingStructs: 0))
        #expect(stats.deletedRatio == 0)
    }

    @Test("Stats of each Yjs session log match what Yjs wrote: its state vector, its state's delete set and size",
          arguments: Fixtures.sessions)
    func yjsSessions(_ session: String) throws {
        let folder = Fixtures.conformance.appendingPathComponent(session)
        var doc = Document(clientID: 0)
        for update in Fixtures.log(folder.appendingPathComponent("updates.ylog")) { try doc.applyUpdate(update) }
        let yjsState = try Update(v1: Fixtures.bytes(folder.appendingPathComponent("state.bin")))
        let yjsVector = try StateVector(bytes: Fixtures.bytes(folder.appendingPathComponent("sv.bin")))
        let stats = doc.stats
        #expect(stats.clients == yjsVector.entries.count)
        #expect(stats.totalLength == yjsVector.entries.reduce(0) { $0 + Int($1.clock) })
        #expect(stats.deletedLength == yjsState.deleteSet.entries.reduce(0) { $0 + $1.ranges.reduce(0) { $0 + Int($1.length) } })
        #expect(stats.stateBytes == Fixtures.bytes(folder.appendingPathComponent("state.bin")).count)
        #expect(stats.deletedRatio > 0 && stats.deletedRatio < 1)
    }
}
