/// Renders a ProseMirror document of TipTap's default schema (StarterKit plus task lists, images, tables,
/// underline and links) to HTML as TipTap's `getHTML()` writes it, to Markdown (CommonMark with GFM tables, task
/// items and strikethrough), and to plain text (`getText()`: blocks separated by a blank line).
///
/// Unknown node types render their children and unknown marks are ignored, so content from other schemas degrades to
/// its text; nothing from the document is written as markup unescaped.
public enum NoteRenderer {
    /// HTML: `<p>`, `<h1>`–`<h6>`, `<ul>`/`<ol start>`/`<li>`, task lists with TipTap's checkbox structure,
    /// `<blockquote>`, `<pre><code class="language-x">`, `<hr>`, `<br>`, `<img>`, tables; marks `<strong>`, `<em>`,
    /// `<s>`, `<u>`, `<code>`, `<a target rel href>` nested as ProseMirror's `DOMSerializer` does.
    public static func html(_ node: ProseMirrorNode) -> String { HTMLWriter.render(node) }

    /// Markdown: `#` headings, `-`/`1.`/`- [ ]` lists, `>` quotes, fenced code with language, `---`, GFM tables,
    /// `**bold**`, `*italic*`, `~~strike~~`, `<u>underline</u>`, `` `code` ``, links and images; text escaped.
    public static func markdown(_ node: ProseMirrorNode) -> String { MarkdownWriter.render(node) }

    /// Plain text: each textblock's text, blocks separated by a blank line, hard breaks as newlines.
    public static func plainText(_ node: ProseMirrorNode) -> String { PlainTextWriter.render(node) }
}

extension Document {
    /// The fragment as ProseMirror JSON (`Node.toJSON` of the document y-prosemirror builds).
    public func prosemirrorJSON(_ fragment: some SharedRef) -> YAny { self.prosemirrorDocument(fragment).json }

    /// The note in a fragment as HTML (TipTap `getHTML()` for the default schema).
    public func html(_ fragment: some SharedRef) -> String { NoteRenderer.html(self.prosemirrorDocument(fragment)) }

    /// The note in a fragment as Markdown.
    public func markdown(_ fragment: some SharedRef) -> String {
        NoteRenderer.markdown(self.prosemirrorDocument(fragment))
    }

    /// The note in a fragment as plain text.
    public func plainText(_ fragment: some SharedRef) -> String {
        NoteRenderer.plainText(self.prosemirrorDocument(fragment))
    }
}
