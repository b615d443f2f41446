import Foundation
import Testing
@testable import YCRDT

/// automerge-paper.ylog (259,778 Yjs updates) against Yjs's own encoding of the result
/// (Tests/Fixtures/document/automerge-paper.state.json, made by generate.mjs beside it).
struct AutomergePaperTests {
    static func fnv1a64(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    @Test("Replaying automerge-paper.ylog gives the trace's text and Yjs's exact state bytes")
    func replay() throws {
        let reference = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Fixtures/document/automerge-paper.state.json")))
            as? [String: Any]
        let v1 = try #require(reference?["stateV1"] as? [String: Any])
        let v2 = try #require(reference?["stateV2"] as? [String: Any])
        var doc = Document(clientID: 99)
        for update in try SharedFixtures.log("fixtures/yjs/automerge-paper.ylog") { try doc.applyUpdate(update) }
        let trace = try EditingTrace.load("automerge-paper.json.gz")
        #expect(doc.string(doc.text("text")) == trace.endContent)
        let state = doc.encodeStateAsUpdate()
        #expect(state.count == 223_414)
        #expect(state.count == v1["bytes"] as? Int)
        #expect(Self.fnv1a64(state) == v1["fnv1a64"] as? String)
        let stateV2 = doc.encodeStateAsUpdateV2()
        #expect(stateV2.count == v2["bytes"] as? Int)
        #expect(Self.fnv1a64(stateV2) == v2["fnv1a64"] as? String)
        var loaded = Document(clientID: 5)
        try loaded.applyUpdate(state)
        #expect(loaded.encodeStateAsUpdate() == state)
        #expect(loaded.string(loaded.text("text")) == trace.endContent)
    }
}
