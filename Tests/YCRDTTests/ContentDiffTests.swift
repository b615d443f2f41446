import Testing
@testable import YCRDT

/// Smallest-change updates of a fragment or text: what stays untouched, convergence with concurrent edits, and the
/// Markdown, HTML and plain-text parsers that feed them.
struct ContentDiffTests {
    static func seeded(_ markdown: String, client: UInt64 = 1) -> Document {
        var doc = Document(clientID: client)
        _ = try? doc.seedProseMirror(with: MarkdownParser.parse(markdown))
        return doc
    }

    static func markdown(_ doc: Document) -> String { doc.renderNote().markdown }

    @Test("An unchanged document gives an update without content, a change touches only its paragraph")
    func minimal() throws {
        var doc = Self.seeded("# Title\n\nfirst paragraph\n\nsecond paragraph\n\nthird")
        let before = doc.encodeStateAsUpdate().count
        let same = doc.updateProseMirror(to: MarkdownParser.parse(Self.markdown(doc)))
        #expect(try Update(v1: same).blocks.map { $0 }.isEmpty)
        let update = doc.updateProseMirror(to: MarkdownParser.parse("# Title\n\nfirst paragraph\n\nsecond, edited paragraph\n\nthird"))
        #expect(Self.markdown(doc) == "# Title\n\nfirst paragraph\n\nsecond, edited paragraph\n\nthird")
        // Only ", edited" is inserted: far smaller than a full replacement.
        #expect(update.count < 60)
        #expect(doc.encodeStateAsUpdate().count < before + 60)
    }

    @Test("A concurrent edit in another paragraph survives the server-side write, nothing is duplicated")
    func concurrentEdit() throws {
        let server0 = Self.seeded("alpha\n\nbeta\n\ngamma")
        var client = Document(clientID: 7)
        client.apply(try Update(v1: server0.encodeStateAsUpdate()))
        var server = server0
        // The client types in "gamma" while the server rewrites "alpha".
        let fragment = client.xmlFragment("prosemirror")
        let gamma = client.children(of: fragment)[2].0
        let text = client.children(of: gamma)[0].0
        client.insert(into: XmlTextRef(typeIndex: text.typeIndex), at: 5, "!")
        let clientUpdate = client.encodeStateAsUpdate()
        let serverUpdate = server.updateProseMirror(to: MarkdownParser.parse("ALPHA\n\nbeta\n\ngamma"))
        server.apply(try Update(v1: clientUpdate))
        client.apply(try Update(v1: serverUpdate))
        #expect(Self.markdown(server) == "ALPHA\n\nbeta\n\ngamma!")
        #expect(Self.markdown(client) == Self.markdown(server))
    }

    @Test("Blocks are inserted, removed and moved; formatting changes inside a paragraph")
    func structure() throws {
        var doc = Self.seeded("one\n\ntwo\n\n- a\n- b\n\nthree")
        _ = doc.updateProseMirror(to: MarkdownParser.parse("zero\n\none **bold**\n\n- a\n- b\n- c\n\nthree"))
        #expect(Self.markdown(doc) == "zero\n\none **bold**\n\n- a\n- b\n- c\n\nthree")
        _ = doc.updateProseMirror(to: MarkdownParser.parse(""))
        #expect(Self.markdown(doc) == "")
    }

    @Test("Restoring another document's content converges, including emoji cut points and Y.Text roots")
    func toMatch() throws {
        var old = Document(clientID: 3)
        let text = old.text("text")
        old.insert(into: text, at: 0, "hello 😀 world")
        var live = old
        live.insert(into: text, at: 6, "big ")
        live.delete(from: text, at: 0, length: 1)
        _ = live.update(toMatch: old)
        #expect(live.string(text) == "hello 😀 world")
        var other = old
        other.insert(into: text, at: 6, "😃")
        _ = live.update(toMatch: other)
        #expect(live.string(text) == other.string(text))
    }

    @Test("Markdown parses to the nodes the renderer writes back")
    func markdownRoundTrip() {
        let source = "# Head\n\nSome *it* and **bold** and `code` and [link](https://x.y) ~~gone~~\n\n> quoted\n\n1. one\n2. two\n\n- a\n  - nested\n\n```swift\nlet x = 1\n```\n\n---\n\nline\\\nbreak"
        let doc = MarkdownParser.parse(source)
        #expect(doc.content.map(\.type) == [
            "heading", "paragraph", "blockquote", "orderedList", "bulletList", "codeBlock", "horizontalRule", "paragraph",
        ])
        #expect(NoteRenderer.markdown(doc) == source)
    }

    @Test("HTML and plain text parse to paragraphs, lists and marks", arguments: [
        ("<h2>T</h2><p>a <strong>b</strong></p><ul><li><p>x</p></li><li>y</li></ul>", "## T\n\na **b**\n\n- x\n- y"),
        ("loose text<p>para<br>next</p><!-- c --><pre><code class=\"language-js\">a&lt;b</code></pre>", "loose text\n\npara\\\nnext\n\n```js\na<b\n```"),
        ("<p>unclosed <em>it", "unclosed *it*"),
        ("<div><blockquote>q</blockquote><hr></div>", "> q\n\n---"),
    ])
    func html(_ html: String, _ markdown: String) {
        #expect(NoteRenderer.markdown(HTMLParser.parse(html)) == markdown)
    }

    @Test("Malformed Markdown and HTML never trap", arguments: [
        "", "<", "<<<>>>", "</p></p>", "<a href=", "&#xFFFFFFFF;", "&#0;", "[", "[x](", "**", "`", "```", "1.", "-", ">",
        String(repeating: "[", count: 5000) + "x" + String(repeating: "](y)", count: 5000),
        String(repeating: "<b>", count: 10_000), String(repeating: "> ", count: 10_000) + "deep",
        String(repeating: "- ", count: 3000) + "deep",
    ])
    func malformed(_ input: String) {
        let fromMarkdown = MarkdownParser.parse(input)
        let fromHTML = HTMLParser.parse(input)
        #expect(fromMarkdown.type == "doc")
        #expect(fromHTML.type == "doc")
    }

    @Test("Plain text: blank lines separate paragraphs, newlines are hard breaks")
    func plainText() {
        let doc = MarkdownParser.parsePlainText("a\nb\r\n\r\nc")
        #expect(NoteRenderer.plainText(doc) == "a\nb\n\nc")
    }

    @Test("Alignment keeps equal blocks and reports the gaps")
    func alignment() {
        #expect(SequenceAlignment.gaps([1, 2, 3, 4], [1, 3, 4, 5]) == [
            .init(old: 1..<2, new: 1..<1), .init(old: 4..<4, new: 3..<4),
        ])
        #expect(SequenceAlignment.gaps([1, 2], [1, 2]).isEmpty)
        #expect(SequenceAlignment.gaps([1, 2, 3], [4, 5, 6], maxCells: 1) == [.init(old: 0..<3, new: 0..<3)])
    }
}
