import Testing
@testable import YCRDT

/// Golden HTML, Markdown and plain text for the fixture notes (Tests/Fixtures/prosemirror/cases.json), seeded
/// through the local-edit API and rendered back.
struct ProseMirrorGoldenTests {
    struct Golden {
        let html: String
        let markdown: String
        let text: String
    }

    static let goldens: [String: Golden] = [
        "paragraph-marks": Golden(
            html: ##"""
            <p>Plain <strong>bold</strong> <strong><em>both</em></strong><em> italic</em>, <s>gone</s> <u>under</u> <code>a&lt;b &amp;&amp; `c`</code> <a target="_blank" rel="noopener noreferrer nofollow" href="https://x.test/a?b=1&amp;c=2">link</a></p>
            """##,
            markdown: ##"""
            Plain **bold *both*** *italic*, ~~gone~~ <u>under</u> `` a<b && `c` `` [link](https://x.test/a?b=1&c=2)
            """##,
            text: ##"""
            Plain bold both italic, gone under a<b && `c` link
            """##),
        "headings": Golden(
            html: ##"""
            <h1>One</h1><h2>Two</h2><h3>Three #3</h3><h6><em>Six</em></h6>
            """##,
            markdown: ##"""
            # One

            ## Two

            ### Three #3

            ###### *Six*
            """##,
            text: ##"""
            One

            Two

            Three #3

            Six
            """##),
        "lists": Golden(
            html: ##"""
            <ul><li><p>one</p><ul><li><p>nested</p></li></ul></li><li><p>two</p></li></ul><ol start="3"><li><p>three</p></li><li><p>four</p><p>more</p></li></ol>
            """##,
            markdown: ##"""
            - one
              - nested
            - two

            3. three
            4. four

               more
            """##,
            text: ##"""
            one

            nested

            two

            three

            four

            more
            """##),
        "tasks": Golden(
            html: ##"""
            <ul data-type="taskList"><li data-checked="true" data-type="taskItem"><label><input type="checkbox" checked="checked"><span></span></label><div><p>done</p></div></li><li data-checked="false" data-type="taskItem"><label><input type="checkbox"><span></span></label><div><p>todo</p></div></li></ul>
            """##,
            markdown: ##"""
            - [x] done
            - [ ] todo
            """##,
            text: ##"""
            done

            todo
            """##),
        "blocks": Golden(
            html: ##"""
            <blockquote><p>quoted</p><p>twice</p></blockquote><pre><code class="language-swift">let x = "&lt;y&gt;"
            ```
            print(x)</code></pre><pre><code>plain</code></pre><hr><p>line one<br>line two</p><p></p>
            """##,
            markdown: ##"""
            > quoted
            >
            > twice

            ````swift
            let x = "<y>"
            ```
            print(x)
            ````

            ```
            plain
            ```

            ---

            line one\
            line two
            """##,
            text: ##"""
            quoted

            twice

            let x = "<y>"
            ```
            print(x)

            plain

            line one
            line two


            """##),
        "image": Golden(
            html: ##"""
            <img src="https://x.test/a b.png" alt="An [alt]" title="The &quot;title&quot;"><p>after</p>
            """##,
            markdown: ##"""
            ![An \[alt\]](https://x.test/a%20b.png "The \"title\"")

            after
            """##,
            text: ##"""
            after
            """##),
        "table": Golden(
            html: ##"""
            <table><tbody><tr><th colspan="1" rowspan="1"><p>Name</p></th><th colspan="1" rowspan="1" data-colwidth="120"><p>Value</p></th></tr><tr><td colspan="1" rowspan="1"><p>a|b</p></td><td colspan="2" rowspan="1"><p><strong>1</strong></p></td></tr></tbody></table>
            """##,
            markdown: ##"""
            | Name | Value |
            | --- | --- |
            | a\|b | **1** |
            """##,
            text: ##"""
            Name

            Value

            a|b

            1
            """##),
        "escaping": Golden(
            html: ##"""
            <p># not a heading *nor* _em_ [x](y) &lt;script&gt;alert(1)&lt;/script&gt; &amp; &amp;amp; 1. ~x~ \</p><p>- not a list</p><p>2024. a year</p><p><a target="_blank" rel="noopener noreferrer nofollow" href="">bad</a></p>
            """##,
            markdown: ##"""
            \# not a heading \*nor\* \_em\_ \[x\](y) \<script\>alert(1)\</script\> & \&amp; 1. \~x\~ \\

            \- not a list

            2024\. a year

            [bad]()
            """##,
            text: ##"""
            # not a heading *nor* _em_ [x](y) <script>alert(1)</script> & &amp; 1. ~x~ \

            - not a list

            2024. a year

            bad
            """##),
        "unicode-and-unknown": Golden(
            html: ##"""
            <p style="text-align: center">é 😀 🇫🇷 中文</p><p>inside</p><p><strong>a <mark data-color="#ff0" style="background-color: #ff0; color: inherit">b</mark> c</strong></p>
            """##,
            markdown: ##"""
            é 😀 🇫🇷 中文

            inside

            **a <mark>b</mark> c**
            """##,
            text: ##"""
            é 😀 🇫🇷 中文

            inside

            a b c
            """##),
    ]

    @Test("Every fixture note renders to its golden HTML, Markdown and text", arguments: ProseMirrorConformanceTests.cases)
    func golden(_ c: ProseMirrorConformanceTests.Case) throws {
        let golden = try #require(Self.goldens[c.name])
        var doc = Document(clientID: 1)
        _ = try doc.seedProseMirror(with: c.doc)
        let note = doc.renderNote()
        #expect(note.html == golden.html)
        #expect(note.markdown == golden.markdown)
        #expect(note.text == golden.text)
        // The convenience accessors agree with renderNote.
        let fragment = doc.xmlFragment("prosemirror")
        #expect(doc.html(fragment) == golden.html)
        #expect(doc.markdown(fragment) == golden.markdown)
        #expect(doc.plainText(fragment) == golden.text)
    }
}
