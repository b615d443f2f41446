import Testing
@testable import YCRDT

/// ProseMirror JSON ↔ fragment (y-prosemirror shape) and rendering to HTML, Markdown and plain text.
struct NoteRenderingTests {
    static let note = """
        {"type":"doc","content":[
        {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Plan"}]},
        {"type":"paragraph","content":[{"type":"text","text":"Ship "},{"type":"text","marks":[{"type":"bold"}],"text":"today"},
          {"type":"text","text":", see "},{"type":"text","marks":[{"type":"link","attrs":{"href":"https://x.test"}}],"text":"docs"},
          {"type":"hardBreak"},{"type":"text","marks":[{"type":"code"}],"text":"a<b"}]},
        {"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"one"}]}]},
          {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","marks":[{"type":"italic"},{"type":"strike"}],"text":"two"}]}]}]},
        {"type":"taskList","content":[{"type":"taskItem","attrs":{"checked":true},"content":[{"type":"paragraph","content":[{"type":"text","text":"done"}]}]}]},
        {"type":"blockquote","content":[{"type":"paragraph","content":[{"type":"text","text":"quote"}]}]},
        {"type":"codeBlock","attrs":{"language":"swift"},"content":[{"type":"text","text":"let x = 1"}]},
        {"type":"horizontalRule"}
        ]}
        """

    static func seeded() throws -> (Document, XmlFragmentRef, ProseMirrorNode) {
        let json = try #require(JavaScriptJSON.parse(Self.note))
        let node = try #require(ProseMirrorNode(json: json))
        var doc = Document(clientID: 1)
        let fragment = doc.xmlFragment("prosemirror")
        doc.insertProseMirror(node, into: fragment)
        return (doc, fragment, node)
    }

    @Test("Seeding a fragment from ProseMirror JSON and reading it back gives the same document")
    func roundTrip() throws {
        let (doc, fragment, node) = try Self.seeded()
        #expect(doc.prosemirrorDocument(fragment) == node)
        // Another peer receiving the update reads the same note.
        var other = Document(clientID: 2)
        try other.applyUpdate(doc.encodeStateAsUpdate())
        #expect(other.prosemirrorDocument(other.xmlFragment("prosemirror")) == node)
    }

    @Test("HTML follows TipTap's default schema")
    func html() throws {
        let (doc, fragment, _) = try Self.seeded()
        #expect(
            doc.html(fragment)
                == "<h2>Plan</h2><p>Ship <strong>today</strong>, see <a target=\"_blank\" rel=\"noopener noreferrer nofollow\" href=\"https://x.test\">docs</a><br><code>a&lt;b</code></p>"
                + "<ul><li><p>one</p></li><li><p><em><s>two</s></em></p></li></ul>"
                + "<ul data-type=\"taskList\"><li data-checked=\"true\" data-type=\"taskItem\"><label><input type=\"checkbox\" checked=\"checked\"><span></span></label><div><p>done</p></div></li></ul>"
                + "<blockquote><p>quote</p></blockquote><pre><code class=\"language-swift\">let x = 1</code></pre><hr>")
    }

    @Test("Markdown and plain text")
    func markdown() throws {
        let (doc, fragment, _) = try Self.seeded()
        #expect(
            doc.markdown(fragment) == """
                ## Plan

                Ship **today**, see [docs](https://x.test)\\
                `a<b`

                - one
                - *~~two~~*

                - [x] done

                > quote

                ```swift
                let x = 1
                ```

                ---
                """)
        #expect(doc.plainText(fragment) == "Plan\n\nShip today, see docs\na<b\n\none\n\ntwo\n\ndone\n\nquote\n\nlet x = 1")
    }

    @Test("The XML string of a seeded note is Yjs's toString")
    func xmlString() throws {
        let (doc, fragment, _) = try Self.seeded()
        #expect(doc.xmlString(fragment).hasPrefix("<heading level=\"2\">Plan</heading><paragraph>Ship <bold>today</bold>, see <link href=\"https://x.test\">docs</link><hardbreak></hardbreak>"))
    }
}
