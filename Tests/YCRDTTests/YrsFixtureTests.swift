import Testing
@testable import YCRDT

/// Fixtures made by yrs (pycrdt 0.14.13) with Tests/Fixtures/yrs/generate.py.
@Suite("yrs (pycrdt) fixtures")
struct YrsFixtureTests {
    @Test("Every yrs update round-trips byte-identically in v1 and survives v1→v2→v1", arguments: Fixtures.yrsSessions)
    func roundTrips(_ session: String) throws {
        let dir = Fixtures.yrs.appendingPathComponent(session)
        let log = Fixtures.log(dir.appendingPathComponent("updates.ylog"))
        #expect(!log.isEmpty)
        var files = log
        for f in ["merged.bin", "state.bin", "diff.bin"] { files.append(Fixtures.bytes(dir.appendingPathComponent(f))) }
        for bytes in files {
            let u = try Update(v1: bytes)
            #expect(u.encodeV1() == bytes)
            let v2 = u.encodeV2()
            let back = try Update(v2: v2)
            #expect(back == u)
            #expect(back.encodeV2() == v2)
            #expect(back.encodeV1() == bytes)
        }
    }

    @Test("Our merge and diff give the state vectors pycrdt reports", arguments: Fixtures.yrsSessions)
    func stateVectors(_ session: String) throws {
        let dir = Fixtures.yrs.appendingPathComponent(session)
        let log = Fixtures.log(dir.appendingPathComponent("updates.ylog"))
        let ours = try Update(v1: try Update.merge(log.map { $0[...] }, format: .v1))
        let theirs = try Update(v1: Fixtures.bytes(dir.appendingPathComponent("merged.bin")))
        #expect(ours.stateVector == theirs.stateVector)
        let sv = try StateVector(bytes: Fixtures.bytes(dir.appendingPathComponent("sv.bin")))
        let state = try Update(v1: Fixtures.bytes(dir.appendingPathComponent("state.bin")))
        #expect(state.stateVector == sv)
        // The delete sets agree once normalised.
        #expect(ours.deleteSet == theirs.deleteSet.normalized())
        // Diffing against the half state vector keeps exactly the structs above it.
        let half = try StateVector(bytes: Fixtures.bytes(dir.appendingPathComponent("half-sv.bin")))
        let diff = ours.diff(against: half)
        for block in diff.blocks where !block.isSkip { #expect(block.endClock > half[block.id.client]) }
    }
}
