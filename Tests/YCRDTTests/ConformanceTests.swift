import Foundation
import Testing
@testable import YCRDT

/// The document against bytes and content produced by Yjs 13.6.31 (shared/fixtures/yjs).
struct ConformanceTests {
    static let sessions = (1...8).map { String(format: "session-%02d", $0) }

    static func replay(_ session: String) throws -> Document {
        var doc = Document(clientID: 424_242)
        for update in try SharedFixtures.log("fixtures/yjs/conformance/\(session)/updates.ylog") {
            try doc.applyUpdate(update)
        }
        return doc
    }

    @Test("Applying a session log gives Yjs's encodeStateAsUpdate and state vector, byte for byte", arguments: sessions)
    func stateBytes(_ session: String) throws {
        let doc = try Self.replay(session)
        let dir = "fixtures/yjs/conformance/\(session)"
        #expect(doc.encodeStateAsUpdate() == (try SharedFixtures.data("\(dir)/state.bin")))
        #expect(doc.encodeStateAsUpdateV2() == (try SharedFixtures.data("\(dir)/state-v2.bin")))
        #expect(doc.encodeStateVector() == (try SharedFixtures.data("\(dir)/sv.bin")))
        #expect(doc.pending.isEmpty)
    }

    @Test("Applying the v2 log gives the same state as the v1 log", arguments: sessions)
    func v2Log(_ session: String) throws {
        var doc = Document(clientID: 424_242)
        for update in try SharedFixtures.log("fixtures/yjs/conformance/\(session)/updates-v2.ylog") {
            try doc.applyUpdate(update, format: .v2)
        }
        #expect(doc.encodeStateAsUpdate() == (try SharedFixtures.data("fixtures/yjs/conformance/\(session)/state.bin")))
    }

    @Test("Loading Yjs's state, or its merged updates, re-encodes to the same bytes", arguments: sessions)
    func loadState(_ session: String) throws {
        let dir = "fixtures/yjs/conformance/\(session)"
        let state = try SharedFixtures.data("\(dir)/state.bin")
        var loaded = Document(clientID: 1)
        try loaded.applyUpdate(state)
        #expect(loaded.encodeStateAsUpdate() == state)
        var merged = Document(clientID: 1)
        try merged.applyUpdate(try SharedFixtures.data("\(dir)/merged.bin"))
        #expect(merged.encodeStateAsUpdate() == state)
        var v2 = Document(clientID: 1)
        try v2.applyUpdate(try SharedFixtures.data("\(dir)/state-v2.bin"), format: .v2)
        #expect(v2.encodeStateAsUpdate() == state)
    }

    @Test("Content matches Yjs's toString, toDelta and toJSON", arguments: sessions)
    func content(_ session: String) throws {
        var doc = try Self.replay(session)
        let data = Data(try SharedFixtures.data("fixtures/yjs/conformance/\(session)/expected.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let text = doc.text("text")
        #expect(doc.string(text) == expected["text"] as? String)
        #expect(JSONCompare.equal(JSONCompare.delta(doc.delta(text), doc), JSONCompare.normalized(expected["delta"] ?? [])))
        #expect(JSONCompare.equal(JSONCompare.foundation(doc.toJSON(doc.map("map"))), JSONCompare.normalized(expected["map"] ?? [:])))
        #expect(JSONCompare.equal(JSONCompare.foundation(doc.toJSON(doc.array("array"))), JSONCompare.normalized(expected["array"] ?? [])))
        #expect(doc.xmlString(doc.xmlFragment("prosemirror")) == expected["prosemirror"] as? String)
    }

    @Test("A merged update with a gap stays pending until the missing update arrives")
    func pendingGap() throws {
        var doc = Document(clientID: 1)
        try doc.applyUpdate(try SharedFixtures.data("fixtures/yjs/conformance/edge/gap-merged.bin"))
        #expect(doc.string(doc.text("text")) == "a")
        #expect(doc.pending.missing == [7: 1])
        #expect(doc.pending.structCount == 1)
        // The pending struct is kept in the encoded state, as Yjs does.
        var copy = Document(clientID: 2)
        try copy.applyUpdate(doc.encodeStateAsUpdate())
        #expect(copy.pending.structCount == 1)
        try doc.applyUpdate(try SharedFixtures.data("fixtures/yjs/conformance/edge/gap-2.bin"))
        #expect(doc.string(doc.text("text")) == "abc")
        #expect(doc.pending.isEmpty)
        try copy.applyUpdate(try SharedFixtures.data("fixtures/yjs/conformance/edge/gap-2.bin"))
        #expect(copy.encodeStateAsUpdate() == doc.encodeStateAsUpdate())
    }

    @Test("Updates applied in reverse order converge once all have arrived")
    func outOfOrder() throws {
        var doc = Document(clientID: 1)
        for name in ["gap-3", "gap-2", "gap-1"] {
            try doc.applyUpdate(try SharedFixtures.data("fixtures/yjs/conformance/edge/\(name).bin"))
        }
        #expect(doc.string(doc.text("text")) == "abc")
        #expect(doc.pending.isEmpty)
    }

    @Test("Every Any kind, binary, subdocument and hook survive a load and re-encode byte for byte")
    func kinds() throws {
        let bytes = try SharedFixtures.data("fixtures/yjs/conformance/edge/kinds.bin")
        var doc = Document(clientID: 1)
        try doc.applyUpdate(bytes)
        #expect(doc.encodeStateAsUpdate() == bytes)
        #expect(Array(doc.string(doc.text("text")).utf16) == [97, 0xFFFD, 98])
        var v2 = Document(clientID: 1)
        try v2.applyUpdate(try SharedFixtures.data("fixtures/yjs/conformance/edge/kinds-v2.bin"), format: .v2)
        #expect(v2.encodeStateAsUpdate() == bytes)
    }

    @Test("An empty document encodes as Yjs's empty update")
    func empty() throws {
        #expect(Document(clientID: 1).encodeStateAsUpdate() == (try SharedFixtures.data("fixtures/yjs/conformance/edge/empty.bin")))
    }
}
