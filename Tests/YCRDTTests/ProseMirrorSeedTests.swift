import Testing
@testable import YCRDT

/// Seeding and replacing the `prosemirror` fragment from ProseMirror JSON: malformed input, limits, live replacement.
struct ProseMirrorSeedTests {
    static let note = #"{"type":"doc","content":[{"type":"heading","attrs":{"level":1},"content":[{"type":"text","text":"Title"}]},"#
        + #"{"type":"paragraph","content":[{"type":"text","marks":[{"type":"bold"}],"text":"bold"},{"type":"text","text":" body"}]}]}"#

    @Test(
        "Malformed JSON is rejected with the path of the bad value and leaves the document untouched",
        arguments: [
            ("not json", ProseMirrorError(.invalidJSON, path: "")),
            ("[]", ProseMirrorError(.wrongType(expected: "an object"), path: "")),
            (#"{"content":[]}"#, ProseMirrorError(.missingKey("type"), path: "")),
            (#"{"type":1}"#, ProseMirrorError(.wrongType(expected: "a string"), path: "type")),
            (#"{"type":"doc","content":{}}"#, ProseMirrorError(.wrongType(expected: "an array"), path: "content")),
            (#"{"type":"doc","content":[1]}"#, ProseMirrorError(.wrongType(expected: "an object"), path: "content[0]")),
            (#"{"type":"doc","content":[{"type":"p","attrs":[]}]}"#, ProseMirrorError(.wrongType(expected: "an object"), path: "content[0].attrs")),
            (#"{"type":"doc","content":[{"type":"text"}]}"#, ProseMirrorError(.missingKey("text"), path: "content[0]")),
            (#"{"type":"doc","content":[{"type":"text","text":5}]}"#, ProseMirrorError(.wrongType(expected: "a string"), path: "content[0].text")),
            (#"{"type":"doc","content":[{"type":"text","text":"a","marks":{}}]}"#, ProseMirrorError(.wrongType(expected: "an array"), path: "content[0].marks")),
            (#"{"type":"doc","content":[{"type":"text","text":"a","marks":["bold"]}]}"#, ProseMirrorError(.wrongType(expected: "an object"), path: "content[0].marks[0]")),
            (#"{"type":"doc","content":[{"type":"text","text":"a","marks":[{"type":null}]}]}"#, ProseMirrorError(.wrongType(expected: "a string"), path: "content[0].marks[0].type")),
            (#"{"type":"doc","content":[{"type":"p","content":[{"type":"p","content":[true]}]}]}"#, ProseMirrorError(.wrongType(expected: "an object"), path: "content[0].content[0].content[0]")),
        ])
    func malformed(_ text: String, _ error: ProseMirrorError) {
        var doc = Document(clientID: 1)
        #expect(throws: error) { try doc.seedProseMirror(withJSONText: text) }
        #expect(throws: error) { try doc.replaceProseMirror(withJSONText: text) }
        #expect(doc.encodeStateAsUpdate() == [0, 0])
        #expect(!error.description.isEmpty)
    }

    @Test("Nesting beyond the limits is rejected, never recursing without bound")
    func deepNesting() throws {
        // 100,000 levels: the JSON parser's own depth limit stops it.
        let deep = String(repeating: #"{"type":"p","content":["#, count: 100_000) + String(repeating: "]}", count: 100_000)
        var doc = Document(clientID: 1)
        #expect(throws: ProseMirrorError(.invalidJSON, path: "")) { try doc.seedProseMirror(withJSONText: deep) }
        // Within the JSON limit but past maxDepth.
        let limits = ProseMirrorLimits(maxDepth: 3)
        let four = #"{"type":"doc","content":[{"type":"a","content":[{"type":"b","content":[{"type":"c","content":[{"type":"d"}]}]}]}]}"#
        #expect(throws: ProseMirrorError(.depthExceeded(limit: 3), path: "content[0].content[0].content[0].content[0]")) {
            try doc.seedProseMirror(withJSONText: four, limits: limits)
        }
        // A value built in memory (no JSON parser in front) is checked as well.
        var value: YAny = .object([("type", .string("leaf"))])
        for _ in 0..<1000 { value = .object([("type", .string("p")), ("content", .array([value]))]) }
        #expect(throws: ProseMirrorError(.depthExceeded(limit: 100), path: String(String(repeating: "content[0].", count: 101).dropLast()))) {
            try doc.seedProseMirror(with: value)
        }
        #expect(doc.encodeStateAsUpdate() == [0, 0])
    }

    @Test("The node count limit stops wide input")
    func tooManyNodes() {
        let wide = #"{"type":"doc","content":["# + Array(repeating: #"{"type":"hr"}"#, count: 50).joined(separator: ",") + "]}"
        var doc = Document(clientID: 1)
        #expect(throws: ProseMirrorError(.tooManyNodes(limit: 10), path: "content[9]")) {
            try doc.seedProseMirror(withJSONText: wide, limits: ProseMirrorLimits(maxNodes: 10))
        }
        #expect(throws: Never.self) { try doc.seedProseMirror(withJSONText: wide) }
    }

    @Test("Seeding needs an empty fragment; an empty document seeds nothing")
    func seedOnlyEmpty() throws {
        var doc = Document(clientID: 1)
        #expect(try doc.seedProseMirror(withJSONText: #"{"type":"doc"}"#) == [0, 0])
        _ = try doc.seedProseMirror(withJSONText: Self.note)
        let state = doc.encodeStateAsUpdate()
        #expect(throws: ProseMirrorError(.fragmentNotEmpty, path: "")) { try doc.seedProseMirror(withJSONText: Self.note) }
        #expect(doc.encodeStateAsUpdate() == state)
        #expect(doc.renderNote().markdown == "# Title\n\n**bold** body")
    }

    @Test("Empty text nodes, null attrs, ychange and marks on non-text nodes are not stored, as y-prosemirror does")
    func normalisation() throws {
        var doc = Document(clientID: 1)
        _ = try doc.seedProseMirror(
            withJSONText: #"{"type":"doc","content":[{"type":"paragraph","attrs":{"textAlign":null,"ychange":{"type":"added"},"id":"x"},"#
                + #""marks":[{"type":"bold"}],"content":[{"type":"text","text":""},{"type":"text","text":"a","marks":[{"type":"ychange"},{"type":"italic"}]}]}]}"#)
        #expect(
            doc.renderNote().jsonText
                == #"{"type":"doc","content":[{"type":"paragraph","attrs":{"id":"x"},"content":[{"type":"text","marks":[{"type":"italic"}],"text":"a"}]}]}"#)
    }

    @Test("Replacing a live note: the other peer applies the update and both render the new JSON")
    func replaceLive() throws {
        var a = Document(clientID: 1)
        var b = Document(clientID: 2)
        try b.applyUpdate(try a.seedProseMirror(withJSONText: Self.note))
        #expect(b.renderNote() == a.renderNote())
        let replacement = #"{"type":"doc","content":[{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"new"}]}]}]}]}"#
        let update = try a.replaceProseMirror(withJSONText: replacement)
        try b.applyUpdate(update)
        #expect(a.renderNote().jsonText == replacement)
        #expect(b.renderNote().jsonText == replacement)
        #expect(b.encodeStateAsUpdate() == a.encodeStateAsUpdate())
    }

    @Test("A replacement concurrent with an edit converges on both peers")
    func replaceConcurrent() throws {
        var a = Document(clientID: 1)
        var b = Document(clientID: 2)
        try b.applyUpdate(try a.seedProseMirror(withJSONText: Self.note))
        // b types into the old paragraph while a replaces the whole note.
        let paragraph = b.children(of: b.xmlFragment("prosemirror"))[1].0
        let text = XmlTextRef(typeIndex: b.children(of: paragraph)[0].0.typeIndex)
        let edit = b.transact { doc in doc.insert(into: text, at: 0, "typed ") }
        let replacement = #"{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"replaced"}]}]}"#
        let replace = try a.replaceProseMirror(with: ProseMirrorNode(parsing: replacement))
        try a.applyUpdate(try #require(edit))
        try b.applyUpdate(replace)
        #expect(a.renderNote() == b.renderNote())
        // The edit landed in a deleted paragraph, so the replacement wins.
        #expect(a.renderNote().jsonText == replacement)
    }
}

@Test("XML deeper than the document's nesting limit is dropped, never placed under another parent")
func overDeepXMLIsDropped() {
    var document = Document(clientID: 1, options: .init(maxDepth: 8))
    var node = XmlNode.text([(insert: "deep", attributes: [])])
    for _ in 0..<20 { node = .element("blockquote", attributes: [], children: [node]) }
    let fragment = document.xmlFragment("prosemirror")
    _ = document.transact { doc in doc.insert(into: fragment, at: 0, [node, .element("paragraph", attributes: [], children: [])]) }
    let top = document.children(of: fragment).map(\.1)
    #expect(top == [.xmlElement, .xmlElement])
    #expect(!document.xmlString(fragment).contains("deep"))
}
