/// A note's content rendered from its `prosemirror` fragment: what the server stores as `note.data.content`.
public struct RenderedNote: Sendable, Equatable {
    /// The ProseMirror tree read from the fragment.
    public var document: ProseMirrorNode
    /// ProseMirror JSON (`{"type": "doc", "content": [...]}`) as a value.
    public var json: YAny
    /// The same JSON as text (`JSON.stringify`).
    public var jsonText: String
    /// HTML for TipTap's default schema (``NoteRenderer/html(_:)``).
    public var html: String
    /// Markdown (``NoteRenderer/markdown(_:)``).
    public var markdown: String
    /// Plain text (``NoteRenderer/plainText(_:)``).
    public var text: String
}

/// Note rendering, seeding and replacement for the fragment that Open WebUI's editor binds through y-prosemirror.
extension Document {
    /// Renders the XML fragment `fragment` (default `"prosemirror"`) to ProseMirror JSON, HTML, Markdown and plain
    /// text. A root that does not exist renders as an empty `doc`. Reading does not change the document.
    public func renderNote(
        fragment: String = "prosemirror", style: ProseMirrorNode.JSONStyle = .proseMirror,
        limits: ProseMirrorLimits = ProseMirrorLimits()
    ) -> RenderedNote {
        let document: ProseMirrorNode
        if let (ref, _) = self.root(named: fragment) {
            document = self.prosemirrorDocument(ref, limits: limits)
        } else {
            document = ProseMirrorNode("doc")
        }
        let json = document.json(style: style)
        return RenderedNote(
            document: document, json: json, jsonText: JavaScriptJSON.stringify(json),
            html: NoteRenderer.html(document), markdown: NoteRenderer.markdown(document),
            text: NoteRenderer.plainText(document))
    }

    /// Seeds the empty fragment `fragment` from a stored note's ProseMirror JSON, as y-prosemirror's
    /// `prosemirrorJSONToYDoc` builds it, in one transaction with our client ID; returns the v1 update (`[0, 0]`
    /// when the JSON has no content).
    ///
    /// Every node becomes a `Y.XmlElement` named after its type with its non-null attrs (except `ychange`), in JSON
    /// order; each run of adjacent text nodes becomes one `Y.XmlText` whose runs carry the marks as formatting
    /// attributes (mark type → the mark's attrs object, `{}` when it has none); empty text nodes are skipped.
    /// Elements integrate before their children and their attributes after them, as prelim types do, so the bytes
    /// equal Yjs's for the same client ID. The `doc` node's own type and attrs are ignored. Without the editor's
    /// schema, attrs are not filled with defaults nor marks sorted by rank: stored TipTap JSON already has both.
    /// - Throws: ``ProseMirrorError`` for malformed JSON or exceeded limits, or `.fragmentNotEmpty`; the document is
    ///   then unchanged.
    public mutating func seedProseMirror(
        fragment: String = "prosemirror", with json: YAny, limits: ProseMirrorLimits = ProseMirrorLimits()
    ) throws(ProseMirrorError) -> [UInt8] {
        try self.seedProseMirror(fragment: fragment, with: try ProseMirrorNode(validating: json, limits: limits), limits: limits)
    }

    /// ``seedProseMirror(fragment:with:limits:)-(_,YAny,_)`` from JSON text.
    public mutating func seedProseMirror(
        fragment: String = "prosemirror", withJSONText text: String, limits: ProseMirrorLimits = ProseMirrorLimits()
    ) throws(ProseMirrorError) -> [UInt8] {
        try self.seedProseMirror(fragment: fragment, with: try ProseMirrorNode(parsing: text, limits: limits), limits: limits)
    }

    /// Seeds the empty fragment from a parsed document (see ``seedProseMirror(fragment:with:limits:)-(_,YAny,_)``);
    /// subtrees deeper than `limits.maxDepth` are left out.
    public mutating func seedProseMirror(
        fragment: String = "prosemirror", with document: ProseMirrorNode, limits: ProseMirrorLimits = ProseMirrorLimits()
    ) throws(ProseMirrorError) -> [UInt8] {
        if let (ref, _) = self.root(named: fragment), !self.children(of: ref).isEmpty {
            throw ProseMirrorError(.fragmentNotEmpty, path: "")
        }
        let ref = self.xmlFragment(fragment)
        let nodes = Self.xmlNodes(document.content, depth: 1, limits: limits)
        return self.transact { doc in doc.insert(into: ref, at: 0, nodes) } ?? [0, 0]
    }

    /// Replaces the whole content of `fragment` in a live document by the given ProseMirror JSON, as one local
    /// transaction: every current child is deleted, then the content is inserted as
    /// ``seedProseMirror(fragment:with:limits:)-(_,YAny,_)`` does. Returns the v1 update to relay to connected
    /// editors, which converge on the new content (a REST update of a note, an AI edit).
    /// - Throws: ``ProseMirrorError`` for malformed JSON or exceeded limits; the document is then unchanged.
    public mutating func replaceProseMirror(
        fragment: String = "prosemirror", with json: YAny, limits: ProseMirrorLimits = ProseMirrorLimits()
    ) throws(ProseMirrorError) -> [UInt8] {
        self.replaceProseMirror(fragment: fragment, with: try ProseMirrorNode(validating: json, limits: limits), limits: limits)
    }

    /// ``replaceProseMirror(fragment:with:limits:)-(_,YAny,_)`` from JSON text.
    public mutating func replaceProseMirror(
        fragment: String = "prosemirror", withJSONText text: String, limits: ProseMirrorLimits = ProseMirrorLimits()
    ) throws(ProseMirrorError) -> [UInt8] {
        self.replaceProseMirror(fragment: fragment, with: try ProseMirrorNode(parsing: text, limits: limits), limits: limits)
    }

    /// Replaces the content of `fragment` by a parsed document (see
    /// ``replaceProseMirror(fragment:with:limits:)-(_,YAny,_)``); returns the v1 update (`[0, 0]` when nothing
    /// changed: an empty fragment replaced by an empty document).
    public mutating func replaceProseMirror(
        fragment: String = "prosemirror", with document: ProseMirrorNode, limits: ProseMirrorLimits = ProseMirrorLimits()
    ) -> [UInt8] {
        let ref = self.xmlFragment(fragment)
        let nodes = Self.xmlNodes(document.content, depth: 1, limits: limits)
        return self.transact { doc in
            let count = doc.children(of: ref).count
            if count > 0 { doc.deleteChildren(of: ref, at: 0, length: count) }
            doc.insert(into: ref, at: 0, nodes)
        } ?? [0, 0]
    }
}
