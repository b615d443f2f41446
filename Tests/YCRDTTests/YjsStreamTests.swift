import Foundation
import Testing
@testable import YCRDT

/// Our own update streams (concurrent formatted text, nested maps and arrays, XML — made by ConvergenceTests)
/// replayed by Yjs 13.6.31 (Tests/Fixtures/document/generate-convergence.mjs): applying them in order must give
/// Yjs's state bytes and content. This also exercises Yjs's formatting cleanup after remote updates.
struct YjsStreamTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/document")

    @Test(
        "Applying a convergence stream gives Yjs's state bytes and content (roots declared before or after)",
        arguments: [1, 2, 3, 4], [true, false])
    func stream(_ seed: Int, declared: Bool) throws {
        let log = try YLog.records(Array(try Data(contentsOf: Self.folder.appendingPathComponent("convergence-\(seed).ylog"))))
        let suffix = declared ? "yjs" : "yjs-undeclared"
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("convergence-\(seed).\(suffix).json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var doc = Document(clientID: 123_456_789)
        if declared { _ = (doc.text("text"), doc.map("map"), doc.array("array"), doc.xmlFragment("prosemirror")) }
        for record in log { try doc.applyUpdate(Array(record)) }
        let text = doc.text("text")
        let map = doc.map("map")
        let array = doc.array("array")
        let xml = doc.xmlFragment("prosemirror")
        let state = doc.encodeStateAsUpdate()
        let reference = try #require(expected["state"] as? [String: Any])
        #expect(state.count == reference["bytes"] as? Int)
        #expect(AutomergePaperTests.fnv1a64(state) == reference["fnv1a64"] as? String)
        #expect(doc.string(text) == expected["text"] as? String)
        #expect(JSONCompare.equal(JSONCompare.delta(doc.delta(text), doc), JSONCompare.normalized(expected["delta"] ?? [])))
        #expect(JSONCompare.equal(JSONCompare.foundation(doc.toJSON(map)), JSONCompare.normalized(expected["map"] ?? [:])))
        #expect(JSONCompare.equal(JSONCompare.foundation(doc.toJSON(array)), JSONCompare.normalized(expected["array"] ?? [])))
        #expect(doc.xmlString(xml) == expected["prosemirror"] as? String)
    }
}
