import Foundation
import Testing
@testable import YCRDT

/// Reading fragments as y-prosemirror does, per-node and per-mark output, escaping, and the conformance sessions.
struct ProseMirrorRenderingTests {
    static func note(_ nodes: [XmlNode]) -> RenderedNote {
        var doc = Document(clientID: 1)
        doc.insert(into: doc.xmlFragment("prosemirror"), at: 0, nodes)
        return doc.renderNote()
    }

    static func paragraph(_ runs: [(insert: String, attributes: [(key: String, value: YAny)])]) -> XmlNode {
        .element("paragraph", children: [.text(runs)])
    }

    @Test("Text nodes: marks from formatting attributes, Mark.toJSON attrs, adjacent equal runs merged")
    func textJSON() {
        let note = Self.note([
            Self.paragraph([
                ("a", [("bold", .object([]))]),
                ("b", [("bold", .bool(true))]),
                ("c", [("link", .object([("href", .string("https://x.test"))]))]),
                ("d", []),
            ])
        ])
        // `{}` and `true` both mean "no attrs" to Mark.toJSON, so the first two runs are one text node.
        #expect(
            note.jsonText
                == #"{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","marks":[{"type":"bold"}],"text":"ab"},"#
                + #"{"type":"text","marks":[{"type":"link","attrs":{"href":"https://x.test"}}],"text":"c"},{"type":"text","text":"d"}]}]}"#)
        let raw = Document.noteJSON(note.document, style: .yProsemirror)
        #expect(raw.contains(#"{"type":"text","text":"b","marks":[{"type":"bold","attrs":true}]}"#))
    }

    @Test("Overlapping-mark hashes are stripped, ychange is dropped, embeds and empty texts are skipped")
    func markNames() {
        #expect(markName(fromAttribute: "comment--AbC+/=12") == "comment")
        #expect(markName(fromAttribute: "comment--short") == "comment--short")
        #expect(markName(fromAttribute: "x\ncomment--abcdefgh") == "comment")
        #expect(markName(fromAttribute: "--abcdefgh") == "")
        var doc = Document(clientID: 1)
        let fragment = doc.xmlFragment("prosemirror")
        let text = doc.insert(into: fragment, at: 0, [.element("paragraph", children: [.text("hello")])])[0]
        let inner = XmlTextRef(typeIndex: doc.children(of: text)[0].0.typeIndex)
        doc.format(inner, at: 0, length: 2, [("comment--abcdefgh", .object([("id", .integer(1))])), ("ychange", .object([]))])
        doc.insertEmbed(into: inner, at: 5, .object([("image", .string("x"))]))
        #expect(
            doc.renderNote().jsonText
                == #"{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","marks":[{"type":"comment","attrs":{"id":1}}],"text":"he"},{"type":"text","text":"llo"}]}]}"#)
    }

    @Test("Node attrs keep y-prosemirror's values (numbers, strings, arrays) and JavaScript key order")
    func nodeAttrs() {
        let note = Self.note([
            .element("image", attributes: [("src", .string("a.png")), ("2", .integer(2)), ("w", .array([.integer(1)]))])
        ])
        #expect(note.jsonText == #"{"type":"doc","content":[{"type":"image","attrs":{"2":2,"src":"a.png","w":[1]}}]}"#)
        #expect(note.html == #"<img src="a.png">"#)
        #expect(Self.note([]).jsonText == #"{"type":"doc"}"#)
        #expect(Document(clientID: 1).renderNote(fragment: "missing").html == "")
    }

    @Test("Headings take a numeric or string level, clamped to 1–6; ordered lists write start only when not 1")
    func levels() {
        let note = Self.note([
            .element("heading", attributes: [("level", .string("4"))], children: [.text("a")]),
            .element("heading", attributes: [("level", .integer(9))], children: [.text("b")]),
            .element("orderedList", attributes: [("start", .integer(1))], children: [
                .element("listItem", children: [.element("paragraph", children: [.text("c")])])
            ]),
        ])
        #expect(note.html == "<h4>a</h4><h6>b</h6><ol><li><p>c</p></li></ol>")
        #expect(note.markdown == "#### a\n\n###### b\n\n1. c")
    }

    @Test("HTML never writes document content as markup: unknown nodes, attributes, URLs")
    func htmlSafety() {
        let note = Self.note([
            .element("script", children: [.element("paragraph", children: [.text("<b>x</b>")])]),
            .element("image", attributes: [("src", .string("\" onerror=\"alert(1)")), ("alt", .string("<x>"))]),
            Self.paragraph([
                ("a", [("link", .object([("href", .string(" JaVa\tScRiPt:alert(1)"))]))]),
                ("b", [("link", .object([("href", .string("mailto:x@y.z"))]))]),
                ("c", [("link", .object([("href", .string("/relative:path"))]))]),
                ("d", [("evil\"mark", .object([]))]),
            ]),
            .element("image", attributes: [("src", .string("data:text/html,<script>"))]),
            .element("image", attributes: [("src", .string("data:image/png;base64,AAAA"))]),
        ])
        #expect(
            note.html
                == #"<p>&lt;b&gt;x&lt;/b&gt;</p><img src="&quot; onerror=&quot;alert(1)" alt="&lt;x&gt;">"#
                + #"<p><a target="_blank" rel="noopener noreferrer nofollow" href="">a</a>"#
                + #"<a target="_blank" rel="noopener noreferrer nofollow" href="mailto:x@y.z">b</a>"#
                + #"<a target="_blank" rel="noopener noreferrer nofollow" href="/relative:path">c</a>d</p>"#
                + #"<img src=""><img src="data:image/png;base64,AAAA">"#)
    }

    @Test("Marks stay open across runs that share them, as ProseMirror's DOMSerializer nests them")
    func markNesting() {
        let bold: (key: String, value: YAny) = ("bold", .object([]))
        let italic: (key: String, value: YAny) = ("italic", .object([]))
        let note = Self.note([Self.paragraph([("a", [bold]), ("b", [bold, italic]), ("c", [bold]), ("d", [italic, bold])])])
        #expect(note.html == "<p><strong>a<em>b</em>c</strong><em><strong>d</strong></em></p>")
        #expect(note.markdown == "**a*b*c*****d***")
    }

    @Test("Markdown keeps whitespace outside delimiters and fences code spans around backticks")
    func markdownInline() {
        let bold: (key: String, value: YAny) = ("bold", .object([]))
        let code: (key: String, value: YAny) = ("code", .object([]))
        let note = Self.note([
            Self.paragraph([("x", []), (" bold ", [bold]), ("y", []), ("``", [code]), (" ", [bold]), ("z", [])]),
            .element("paragraph", children: [.text("a"), .element("hardBreak"), .text("# b")]),
            .element("paragraph", children: [.text("    indented")]),
        ])
        #expect(note.markdown == "x **bold** y``` `` ``` z\n\na\\\n\\# b\n\n&#32;   indented")
    }

    @Test("Markdown nests quotes and lists with their prefixes and indentation")
    func markdownNesting() {
        let item = { (text: String, more: [XmlNode]) -> XmlNode in
            .element("listItem", children: [.element("paragraph", children: [.text(text)])] + more)
        }
        let note = Self.note([
            .element("blockquote", children: [
                .element("bulletList", children: [item("a", [.element("orderedList", children: [item("b", [])])])]),
                .element("codeBlock", attributes: [("language", .string("js"))], children: [.text("x\n\ny")]),
            ]),
            .element("bulletList", children: [.element("listItem")]),
        ])
        #expect(note.markdown == "> - a\n>   1. b\n>\n> ```js\n> x\n>\n> y\n> ```\n\n-")
    }

    @Test("Tables: first row as GFM header, short rows padded, pipes and breaks escaped in cells")
    func tables() {
        let cell = { (type: String, children: [XmlNode]) -> XmlNode in
            .element(type, children: [.element("paragraph", children: children)])
        }
        let note = Self.note([
            .element("table", children: [
                .element("tableRow", children: [cell("tableHeader", [.text("h1")]), cell("tableHeader", [.text("h2")])]),
                .element("tableRow", children: [cell("tableCell", [.text("a|b"), .element("hardBreak"), .text("c")])]),
            ])
        ])
        #expect(note.markdown == "| h1 | h2 |\n| --- | --- |\n| a\\|b<br>c |  |")
        #expect(note.text == "h1\n\nh2\n\na|b\nc")
    }

    @Test("A fragment nested deeper than the limit renders without trapping, cut at the limit")
    func deepFragment() {
        var node: XmlNode = .element("paragraph", children: [.text("deep")])
        // 200 levels: past the renderer's limit (100), within the document's own type nesting limit (256).
        for _ in 0..<200 { node = .element("blockquote", children: [node]) }
        var doc = Document(clientID: 1)
        doc.insert(into: doc.xmlFragment("prosemirror"), at: 0, [node])
        let note = doc.renderNote()
        #expect(!note.text.contains("deep"))
        #expect(note.html.hasPrefix("<blockquote><blockquote>"))
        let shallow = doc.renderNote(limits: ProseMirrorLimits(maxDepth: 400))
        #expect(shallow.text == "deep")
        #expect(shallow.markdown.hasSuffix("> deep"))
    }

    // MARK: Conformance sessions

    /// The HTML that `prosemirror.toString()` (expected.json) implies: element names mapped to TipTap's tags.
    static func html(fromXML xml: String) -> String {
        // Scalars, not Characters: a combining mark after `>` would join it into one Character.
        let scalars = Array(xml.unicodeScalars)
        func string(_ slice: ArraySlice<Unicode.Scalar>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: slice)
            return String(view)
        }
        var out = ""
        var level = "1"
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "<", let close = scalars[i...].firstIndex(of: ">") else {
                let next = scalars[i...].firstIndex(of: "<") ?? scalars.count
                out += escapeText(string(scalars[i..<max(next, i + 1)]))
                i = max(next, i + 1)
                continue
            }
            let tag = string(scalars[(i + 1)..<close])
            switch tag {
            case "paragraph": out += "<p>"
            case "/paragraph": out += "</p>"
            case "blockquote", "/blockquote": out += "<" + tag + ">"
            case "bold": out += "<strong>"
            case "/bold": out += "</strong>"
            case "/heading": out += "</h" + level + ">"
            default:
                if tag.hasPrefix("heading level=\"") {
                    level = String(tag.dropFirst(15).prefix { $0 != "\"" })
                    out += "<h" + level + ">"
                }
            }
            i = close + 1
        }
        return out.replacingOccurrences(of: "</strong><strong>", with: "")
    }

    @Test("The conformance sessions' prosemirror fragments render to the HTML their XML implies", arguments: ConformanceTests.sessions)
    func sessions(_ session: String) throws {
        let doc = try ConformanceTests.replay(session)
        let data = try SharedFixtures.data("fixtures/yjs/conformance/\(session)/expected.json")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any])
        let xml = try #require(expected["prosemirror"] as? String)
        let note = doc.renderNote()
        let html = Self.html(fromXML: xml)
        if note.html != html {
            let common = zip(note.html, html).prefix { $0 == $1 }.count
            Issue.record("HTML differs after \(common) characters: \(note.html.dropFirst(max(0, common - 20)).prefix(80)) vs \(html.dropFirst(max(0, common - 20)).prefix(80))")
        }
        // Every character of the fragment is in the plain text, in order.
        let plain = xml.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
        #expect(note.text.replacingOccurrences(of: "\n\n", with: "") == plain)
        // The rendered JSON seeds a document that renders the same note.
        var copy = Document(clientID: 7)
        _ = try copy.seedProseMirror(withJSONText: note.jsonText)
        let again = copy.renderNote()
        #expect(again.jsonText == note.jsonText)
        #expect(again.html == note.html)
        #expect(again.markdown == note.markdown)
    }
}

extension Document {
    /// JSON text of a node in a given style (test helper).
    static func noteJSON(_ node: ProseMirrorNode, style: ProseMirrorNode.JSONStyle) -> String {
        JavaScriptJSON.stringify(node.json(style: style))
    }
}
