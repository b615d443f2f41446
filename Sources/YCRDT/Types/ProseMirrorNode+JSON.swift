/// ProseMirror JSON, in both directions, as ``YAny`` values (JSON text through ``JavaScriptJSON``).
///
/// Writing follows ProseMirror's `Node.toJSON` / `Mark.toJSON` (what TipTap's `editor.getJSON()` and Open WebUI's
/// `data.content.json` hold) or, on request, y-prosemirror's own `yXmlFragmentToProsemirrorJSON`. Reading accepts the
/// `Node.fromJSON` shape and checks every type, with the depth and node-count limits of ``ProseMirrorLimits``.
extension ProseMirrorNode {
    /// Which JSON producer to reproduce.
    public enum JSONStyle: Sendable, Equatable {
        /// ProseMirror `Node.toJSON` of the node y-prosemirror builds (`yXmlFragmentToProseMirrorRootNode`): keys
        /// `type`, `attrs` (when the node has attributes), `content` (when non-empty); text nodes `type`, `marks`
        /// (when any), `text`; a mark's `attrs` only when it is a non-empty object. Adjacent text nodes with equal
        /// marks are merged, as ProseMirror's `Fragment.fromArray` does. Without the editor's schema, attributes
        /// y-prosemirror did not store (those that were null) are absent rather than filled with defaults.
        case proseMirror
        /// y-prosemirror's `yXmlFragmentToProsemirrorJSON`: text nodes `type`, `text`, `marks`, every mark with
        /// `attrs` set to the stored value (`{}`, `true`, …), one text node per delta run, no merging.
        case yProsemirror
    }

    /// The node as ProseMirror JSON (`Node.toJSON`, see ``JSONStyle/proseMirror``).
    public var json: YAny { self.json(style: .proseMirror) }

    /// The node as ProseMirror JSON in the given style (normally a `doc` from
    /// ``Document/prosemirrorDocument(_:limits:)``).
    public func json(style: JSONStyle) -> YAny {
        let node = self
        if let text = node.text {
            switch style {
            case .proseMirror:
                var entries: [(key: String, value: YAny)] = [("type", .string("text"))]
                if !node.marks.isEmpty {
                    entries.append(("marks", .array(node.marks.map(Self.markValue))))
                }
                entries.append(("text", .string(text)))
                return .object(entries)
            case .yProsemirror:
                var entries: [(key: String, value: YAny)] = [("type", .string("text")), ("text", .string(text))]
                if !node.marks.isEmpty {
                    entries.append(
                        ("marks", .array(node.marks.map { .object([("type", .string($0.type)), ("attrs", $0.attrs ?? .object([]))]) })))
                }
                return .object(entries)
            }
        }
        var entries: [(key: String, value: YAny)] = [("type", .string(node.type))]
        if !node.attrs.isEmpty { entries.append(("attrs", .object(node.attrs))) }
        let children = style == .proseMirror ? Self.mergingText(node.content) : node.content
        if !children.isEmpty || (style == .yProsemirror && node.type == "doc") {
            entries.append(("content", .array(children.map { $0.json(style: style) })))
        }
        return .object(entries)
    }

    private static func markValue(_ mark: Mark) -> YAny {
        var entries: [(key: String, value: YAny)] = [("type", .string(mark.type))]
        if let attrs = mark.jsonAttrs { entries.append(("attrs", attrs)) }
        return .object(entries)
    }

    /// ProseMirror `Fragment.fromArray`: adjacent text nodes with the same marks (as ProseMirror sees them: type and
    /// non-empty attrs object) become one.
    static func mergingText(_ nodes: [ProseMirrorNode]) -> [ProseMirrorNode] {
        var out: [ProseMirrorNode] = []
        out.reserveCapacity(nodes.count)
        for node in nodes {
            if let text = node.text, let last = out.last, let lastText = last.text, last.marks.count == node.marks.count,
                zip(last.marks, node.marks).allSatisfy({ $0.type == $1.type && $0.jsonAttrs == $1.jsonAttrs })
            {
                out[out.count - 1].text = lastText + text
            } else {
                out.append(node)
            }
        }
        return out
    }

    // MARK: Reading

    /// Parses ProseMirror JSON text (`{"type": "doc", "content": [...]}`), checking it as ``init(validating:limits:)``.
    public init(parsing text: String, limits: ProseMirrorLimits = ProseMirrorLimits()) throws(ProseMirrorError) {
        try self.init(validating: try Self.parseJSON(text, limits: limits), limits: limits)
    }

    /// JSON text as a value, with a nesting limit that fits `limits` (each node level is an object inside a
    /// `content` array, two JSON levels, plus marks and attrs below the deepest).
    static func parseJSON(_ text: String, limits: ProseMirrorLimits) throws(ProseMirrorError) -> YAny {
        guard let value = JavaScriptJSON.parse(text, maxDepth: 2 * limits.maxDepth + 8) else {
            throw ProseMirrorError(.invalidJSON, path: "")
        }
        return value
    }

    /// Reads a ProseMirror node from a JSON value, checking every type.
    ///
    /// Node attrs must be an object (or null), `content` an array (or null), text nodes need a string `text`, marks
    /// must be objects with a string `type` (their `attrs` may be any value). Marks on non-text nodes are ignored,
    /// as y-prosemirror does not store them.
    public init(validating value: YAny, limits: ProseMirrorLimits = ProseMirrorLimits()) throws(ProseMirrorError) {
        var count = 0
        self = try Self.read(value, path: "", depth: 0, limits: limits, count: &count)
    }

    private static func read(_ value: YAny, path: String, depth: Int, limits: ProseMirrorLimits, count: inout Int)
        throws(ProseMirrorError) -> ProseMirrorNode
    {
        guard depth <= limits.maxDepth else { throw ProseMirrorError(.depthExceeded(limit: limits.maxDepth), path: path) }
        count += 1
        guard count <= limits.maxNodes else { throw ProseMirrorError(.tooManyNodes(limit: limits.maxNodes), path: path) }
        guard case .object(let entries) = value else { throw ProseMirrorError(.wrongType(expected: "an object"), path: path) }
        func field(_ key: String) -> YAny? { entries.last { $0.key == key }?.value }
        func sub(_ key: String) -> String { path.isEmpty ? key : path + "." + key }
        guard let typeValue = field("type") else { throw ProseMirrorError(.missingKey("type"), path: path) }
        guard case .string(let type) = typeValue else { throw ProseMirrorError(.wrongType(expected: "a string"), path: sub("type")) }

        if type == "text" {
            guard let textValue = field("text") else { throw ProseMirrorError(.missingKey("text"), path: path) }
            guard case .string(let text) = textValue else { throw ProseMirrorError(.wrongType(expected: "a string"), path: sub("text")) }
            var marks: [Mark] = []
            switch field("marks") {
            case nil, .null?: break
            case .array(let items)?:
                for (i, item) in items.enumerated() {
                    let markPath = sub("marks") + "[\(i)]"
                    guard case .object(let markEntries) = item else {
                        throw ProseMirrorError(.wrongType(expected: "an object"), path: markPath)
                    }
                    guard case .string(let markType)? = markEntries.last(where: { $0.key == "type" })?.value else {
                        throw ProseMirrorError(.wrongType(expected: "a string"), path: markPath + ".type")
                    }
                    let attrs = markEntries.last { $0.key == "attrs" }?.value
                    // ProseMirror gives a mark without attrs an empty attrs object, which y-prosemirror stores.
                    marks.append(Mark(markType, attrs: attrs.map(\.javaScriptNormalized) ?? .object([])))
                }
            default:
                throw ProseMirrorError(.wrongType(expected: "an array"), path: sub("marks"))
            }
            return .text(text, marks: marks)
        }

        var attrs: [(key: String, value: YAny)] = []
        switch field("attrs") {
        case nil, .null?: break
        case .object(let attrEntries)?: attrs = attrEntries.map { ($0.key, $0.value.javaScriptNormalized) }
        default: throw ProseMirrorError(.wrongType(expected: "an object"), path: sub("attrs"))
        }
        var content: [ProseMirrorNode] = []
        switch field("content") {
        case nil, .null?: break
        case .array(let items)?:
            content.reserveCapacity(min(items.count, limits.maxNodes))
            for (i, item) in items.enumerated() {
                content.append(
                    try Self.read(item, path: sub("content") + "[\(i)]", depth: depth + 1, limits: limits, count: &count))
            }
        default:
            throw ProseMirrorError(.wrongType(expected: "an array"), path: sub("content"))
        }
        return ProseMirrorNode(type, attrs: attrs, content: content)
    }
}
