import Foundation
import Testing
@testable import YCRDT

/// Local edits, transactions, GC option, client-ID reuse and state diffs.
struct DocumentBehaviourTests {
    @Test("Formatted inserts, format and delete give Yjs's delta")
    func formattedText() throws {
        var doc = Document(clientID: 1)
        let text = doc.text("text")
        doc.insert(into: text, at: 0, "Hello world")
        doc.format(text, at: 0, length: 5, [("bold", .bool(true))])
        doc.insertEmbed(into: text, at: 5, .object([("image", .string("a.png"))]))
        doc.insert(into: text, at: 2, "y")  // inherits bold
        doc.delete(from: text, at: 8, length: 3)
        #expect(doc.string(text) == "Heyllo ld")
        #expect(doc.delta(text) == [
            TextDelta(insert: .string("Heyllo"), attributes: [("bold", .bool(true))]),
            TextDelta(insert: .embed(.object([("image", .string("a.png"))]))),
            TextDelta(insert: .string(" ld")),
        ])
        // Removing the attribute again leaves no formatting.
        doc.format(text, at: 0, length: 6, [("bold", .null)])
        #expect(doc.delta(text).first == TextDelta(insert: .string("Heyllo")))
    }

    @Test("A transaction produces one update that rebuilds the same document elsewhere")
    func transactionUpdate() throws {
        var doc = Document(clientID: 1)
        let map = doc.map("map")
        let array = doc.array("array")
        let update = try #require(doc.transact { d in
            d.set(map, "a", .value(.integer(1)))
            d.set(map, "b", .value(.string("x")))
            d.set(map, "a", .value(.integer(2)))
            d.insert(into: array, at: 0, [.value(.integer(1)), .value(.integer(2)), .binary([1, 2])])
            d.delete(from: array, at: 0, length: 1)
            d.delete(map, key: "b")
        })
        var other = Document(clientID: 2)
        try other.applyUpdate(update)
        #expect(JavaScriptJSON.stringify(other.toJSON(other.map("map"))) == "{\"a\":2}")
        #expect(other.values(other.array("array")) == [.any(.integer(2)), .binary([1, 2])])
        #expect(doc.transact { _ in } == nil)
    }

    @Test("Concurrent map writes: the higher client ID wins on both sides")
    func mapConflict() throws {
        var a = Document(clientID: 1)
        var b = Document(clientID: 2)
        let ua = try #require(a.transact { $0.set($0.map("m"), "k", .value(.string("a"))) })
        let ub = try #require(b.transact { $0.set($0.map("m"), "k", .value(.string("b"))) })
        try a.applyUpdate(ub)
        try b.applyUpdate(ua)
        #expect(a.get(a.map("m"), "k") == .any(.string("b")))
        #expect(b.get(b.map("m"), "k") == .any(.string("b")))
    }

    @Test("A remote update that uses our client ID makes us pick a new one")
    func clientIDReuse() throws {
        var a = Document(clientID: 5)
        var b = Document(clientID: 5)
        let update = try #require(b.transact { $0.insert(into: $0.text("t"), at: 0, "x") })
        try a.applyUpdate(update)
        #expect(a.clientID != 5)
        #expect(a.clientIDChanges == 1)
        // Our next edit does not collide with the other peer's clock range.
        let mine = try #require(a.transact { $0.insert(into: $0.text("t"), at: 1, "y") })
        try b.applyUpdate(mine)
        #expect(b.string(b.text("t")) == "xy")
    }

    @Test("gc: false keeps deleted content in the encoded state; gc: true replaces it")
    func gcOption() throws {
        var kept = Document(clientID: 1, options: .init(gc: false))
        var collected = Document(clientID: 1)
        for i in 0..<2 {
            var doc = i == 0 ? kept : collected
            doc.insert(into: doc.text("t"), at: 0, "secret")
            doc.delete(from: doc.text("t"), at: 0, length: 6)
            if i == 0 { kept = doc } else { collected = doc }
        }
        let keptState = kept.encodeStateAsUpdate()
        let collectedState = collected.encodeStateAsUpdate()
        #expect(keptState.count > collectedState.count)
        #expect(String(decoding: keptState, as: UTF8.self).contains("secret"))
        #expect(!String(decoding: collectedState, as: UTF8.self).contains("secret"))
        var loaded = Document(clientID: 2)
        try loaded.applyUpdate(keptState)
        #expect(loaded.string(loaded.text("t")).isEmpty)
    }

    @Test("The state since a peer's state vector brings that peer up to date")
    func stateSince() throws {
        let updates = try SharedFixtures.log("fixtures/yjs/conformance/session-03/updates.ylog")
        var full = Document(clientID: 1)
        var half = Document(clientID: 2)
        for (i, u) in updates.enumerated() {
            try full.applyUpdate(u)
            if i < updates.count / 2 { try half.applyUpdate(u) }
        }
        let diff = full.encodeStateAsUpdate(since: half.stateVector)
        #expect(diff.count < full.encodeStateAsUpdate().count)
        try half.applyUpdate(diff)
        #expect(half.stateVector == full.stateVector)
        #expect(half.xmlString(half.xmlFragment("prosemirror")) == full.xmlString(full.xmlFragment("prosemirror")))
        #expect(half.string(half.text("text")) == full.string(full.text("text")))
    }
}

extension DocumentBehaviourTests {
    @Test("Concurrent identical formatting is cleaned up after the remote update, unless turned off")
    func formattingCleanupOption() throws {
        var base = Document(clientID: 1)
        let seed = try #require(base.transact { $0.insert(into: $0.text("t"), at: 0, "abc") })
        var a = Document(clientID: 2)
        var b = Document(clientID: 3)
        var quiet = Document(clientID: 2, options: .init(formattingCleanup: false))
        for d in [0, 1, 2] {
            switch d {
            case 0: try a.applyUpdate(seed)
            case 1: try b.applyUpdate(seed)
            default: try quiet.applyUpdate(seed)
            }
        }
        let fa = try #require(a.transact { $0.format($0.text("t"), at: 0, length: 3, [("bold", .bool(true))]) })
        let fb = try #require(b.transact { $0.format($0.text("t"), at: 0, length: 3, [("bold", .bool(true))]) })
        try quiet.applyUpdate(fa)
        let cleanup = try #require(try a.applyUpdate(fb))
        #expect(try quiet.applyUpdate(fb) == nil)
        // The cleanup only deletes a redundant mark: the text reads the same, and peers applying it agree.
        let bold = [TextDelta(insert: .string("abc"), attributes: [("bold", .bool(true))])]
        #expect(a.delta(a.text("t")) == bold)
        #expect(quiet.delta(quiet.text("t")) == bold)
        try b.applyUpdate(fa)
        try b.applyUpdate(cleanup)
        try quiet.applyUpdate(cleanup)
        #expect(b.delta(b.text("t")) == bold)
        #expect(b.encodeStateVector() == a.encodeStateVector())
    }
}
