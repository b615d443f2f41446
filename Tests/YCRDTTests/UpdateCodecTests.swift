import Testing
@testable import YCRDT

@Suite("Update v1 codec")
struct UpdateCodecTests {
    @Test("The empty update is 00 00 and round-trips")
    func emptyUpdate() throws {
        let u = try Update(v1: Update.emptyV1)
        #expect(u.isEmpty)
        #expect(u.encodeV1() == [0, 0])
    }

    @Test("The map_set vector from yrs decodes to two Any items under root \"test\"")
    func mapSetVector() throws {
        let bytes: [UInt8] = [
            1, 2, 0xF1, 0xCC, 0xF1, 0xD1, 0x01, 0, 0x28, 1, 4, 0x74, 0x65, 0x73, 0x74, 2, 0x6B, 0x31, 1, 0x77, 2, 0x76, 0x31,
            0x28, 1, 4, 0x74, 0x65, 0x73, 0x74, 2, 0x6B, 0x32, 1, 0x77, 2, 0x76, 0x32, 0,
        ]
        let u = try Update(v1: bytes)
        #expect(u.sections.count == 1)
        #expect(u.sections[0].client == 440_166_001)
        guard case .item(let item) = u.sections[0].blocks[1] else { Issue.record("not an item"); return }
        #expect(item.id == ID(client: 440_166_001, clock: 1))
        #expect(item.parent == .root("test"))
        #expect(item.parentSub == "k2")
        #expect(item.content == .any([.string("v2")]))
        #expect(u.encodeV1() == bytes)
    }

    @Test("Every update of every Yjs session log round-trips byte-identically", arguments: Fixtures.sessions)
    func sessionLogRoundTrips(_ session: String) throws {
        let dir = Fixtures.conformance.appendingPathComponent(session)
        let log = Fixtures.log(dir.appendingPathComponent("updates.ylog"))
        #expect(!log.isEmpty)
        for bytes in log {
            #expect(try Update(v1: bytes).encodeV1() == bytes)
        }
        for file in ["merged.bin", "state.bin", "diff.bin"] {
            let bytes = Fixtures.bytes(dir.appendingPathComponent(file))
            #expect(try Update(v1: bytes).encodeV1() == bytes, "\(session)/\(file)")
        }
    }

    @Test("Edge fixtures round-trip byte-identically", arguments: ["empty.bin", "gap-1.bin", "gap-2.bin", "gap-3.bin", "gap-merged.bin", "kinds.bin"])
    func edgeRoundTrips(_ name: String) throws {
        let bytes = Fixtures.bytes(Fixtures.conformance.appendingPathComponent("edge/\(name)"))
        #expect(!bytes.isEmpty)
        #expect(try Update(v1: bytes).encodeV1() == bytes)
    }

    @Test("All 259,778 automerge-paper updates round-trip byte-identically")
    func automergePaperRoundTrips() throws {
        let all = Fixtures.bytes(Fixtures.yjs.appendingPathComponent("automerge-paper.ylog"))
        let records = try YLog.records(all)
        #expect(records.count == 259_778)
        var mismatches = 0
        for r in records where try Update(v1: r).encodeV1()[...] != r { mismatches += 1 }
        #expect(mismatches == 0)
    }
}
