import Testing
@testable import YCRDT

@Suite("Doc-less merge, diff and state vectors against Yjs fixtures")
struct MergeAndDiffTests {
    @Test("merge of every session log equals Yjs mergeUpdates (v1) byte for byte", arguments: Fixtures.sessions)
    func mergeMatchesYjs(_ session: String) throws {
        let dir = Fixtures.conformance.appendingPathComponent(session)
        let log = Fixtures.log(dir.appendingPathComponent("updates.ylog"))
        let merged = try Update.merge(log.map { $0[...] }, format: .v1)
        #expect(merged == Fixtures.bytes(dir.appendingPathComponent("merged.bin")))
    }

    @Test("merge of every v2 session log equals Yjs mergeUpdatesV2 byte for byte", arguments: Fixtures.sessions)
    func mergeV2MatchesYjs(_ session: String) throws {
        let dir = Fixtures.conformance.appendingPathComponent(session)
        let log = Fixtures.log(dir.appendingPathComponent("updates-v2.ylog"))
        let merged = try Update.merge(log.map { $0[...] }, format: .v2)
        #expect(merged == Fixtures.bytes(dir.appendingPathComponent("merged-v2.bin")))
    }

    @Test("merging Update values gives the same bytes as merging encoded updates", arguments: Fixtures.sessions)
    func modelMergeMatchesBytesMerge(_ session: String) throws {
        let dir = Fixtures.conformance.appendingPathComponent(session)
        let log = Fixtures.log(dir.appendingPathComponent("updates.ylog"))
        let models = try log.map { try Update(v1: $0) }
        #expect(Update.merged(models).encodeV1() == Fixtures.bytes(dir.appendingPathComponent("merged.bin")))
    }

    @Test("diff of merged against half-sv equals Yjs diffUpdate", arguments: Fixtures.sessions)
    func diffMatchesYjs(_ session: String) throws {
        let dir = Fixtures.conformance.appendingPathComponent(session)
        let sv = try StateVector(bytes: Fixtures.bytes(dir.appendingPathComponent("half-sv.bin")))
        let merged = Fixtures.bytes(dir.appendingPathComponent("merged.bin"))
        let diff = try Update.diff(merged[...], against: sv, format: .v1)
        #expect(diff == Fixtures.bytes(dir.appendingPathComponent("diff.bin")))
    }

    @Test("state vector of the merged and state updates equals the document's", arguments: Fixtures.sessions)
    func stateVectorMatchesYjs(_ session: String) throws {
        let dir = Fixtures.conformance.appendingPathComponent(session)
        let svBytes = Fixtures.bytes(dir.appendingPathComponent("sv.bin"))
        let sv = try StateVector(bytes: svBytes)
        #expect(sv.encoded() == svBytes)
        let state = Fixtures.bytes(dir.appendingPathComponent("state.bin"))
        #expect(try Update.stateVector(of: state[...], format: .v1).encoded() == svBytes)
        let merged = Fixtures.bytes(dir.appendingPathComponent("merged.bin"))
        #expect(try Update.stateVector(of: merged[...], format: .v1) == sv)
        let stateV2 = Fixtures.bytes(dir.appendingPathComponent("state-v2.bin"))
        #expect(try Update.stateVector(of: stateV2[...], format: .v2).encoded() == svBytes)
    }

    @Test("merging gap-1 and gap-3 gives Yjs's Skip struct (v1 and v2)")
    func gapMerge() throws {
        let edge = Fixtures.conformance.appendingPathComponent("edge")
        let g1 = Fixtures.bytes(edge.appendingPathComponent("gap-1.bin"))
        let g3 = Fixtures.bytes(edge.appendingPathComponent("gap-3.bin"))
        let merged = try Update.merge([g1[...], g3[...]], format: .v1)
        #expect(merged == Fixtures.bytes(edge.appendingPathComponent("gap-merged.bin")))
        let u = try Update(v1: merged)
        #expect(u.sections[0].blocks.contains { $0.isSkip })
        let v2 = try Update.convert(merged[...], from: .v1, to: .v2)
        #expect(v2 == Fixtures.bytes(edge.appendingPathComponent("gap-merged-v2.bin")))
        // The skip stops the state vector at the first struct.
        #expect(u.stateVector[7] == 1)
    }

    @Test("a single update is returned unchanged and an empty list merges to the empty update")
    func trivialMerges() throws {
        let g1 = Fixtures.bytes(Fixtures.conformance.appendingPathComponent("edge/gap-1.bin"))
        #expect(try Update.merge([g1[...]], format: .v1) == g1)
        #expect(try Update.merge([], format: .v1) == [0, 0])
    }
}
