/// A ProseMirror node as y-prosemirror binds it to a `Y.XmlFragment`, without a schema.
///
/// y-prosemirror (v1, the binding Open WebUI's TipTap editor uses) maps every ProseMirror node to a `Y.XmlElement`
/// named after the node type whose attributes are the node's attrs, and every run of adjacent text nodes to one
/// `Y.XmlText` whose formatting attributes are the marks (mark name → mark attrs object). This tree is the common
/// form between the fragment, ProseMirror JSON, and the HTML, Markdown and plain-text renderers. Attribute and mark
/// values are kept as ``YAny`` so that the JSON view stays faithful for node types and marks we do not know.
public struct ProseMirrorNode: Sendable {
    /// The node type name (`"paragraph"`, `"heading"`, …; `"text"` for text nodes, `"doc"` for the root).
    public var type: String
    /// Node attributes in JavaScript object order (empty for text nodes).
    public var attrs: [(key: String, value: YAny)]
    /// Child nodes (empty for leaves and text nodes).
    public var content: [ProseMirrorNode]
    /// The text of a text node (nil for other nodes).
    public var text: String?
    /// The marks of a text node, in the order the Y.XmlText delta lists them.
    public var marks: [Mark]

    /// Creates an element node.
    public init(_ type: String, attrs: [(key: String, value: YAny)] = [], content: [ProseMirrorNode] = []) {
        self.type = type
        self.attrs = attrs
        self.content = content
        self.text = nil
        self.marks = []
    }

    /// Creates a text node.
    public static func text(_ text: String, marks: [Mark] = []) -> ProseMirrorNode {
        var node = ProseMirrorNode("text")
        node.text = text
        node.marks = marks
        return node
    }

    /// Whether this is a text node.
    public var isText: Bool { self.text != nil }

    /// The value of attribute `key`, if set.
    public func attr(_ key: String) -> YAny? { self.attrs.last { $0.key == key }?.value }

    /// The attribute as a string (numbers printed as JavaScript does), nil when unset or null.
    func stringAttr(_ key: String) -> String? {
        guard let value = self.attr(key) else { return nil }
        switch value {
        case .null, .undefined: return nil
        default: return javaScriptString(value)
        }
    }

    /// The attribute as an integer (numbers, or strings of digits), nil otherwise.
    func intAttr(_ key: String) -> Int? {
        guard let value = self.attr(key) else { return nil }
        if let d = value.doubleValue, d.isFinite, d.magnitude < 1e15 { return Int(d) }
        if case .string(let s) = value { return Int(s) }
        return nil
    }

    /// The concatenated text of this subtree (hard breaks as newlines).
    var textContent: String {
        if let text = self.text { return text }
        if self.type == "hardBreak" { return "\n" }
        return self.content.map(\.textContent).joined()
    }
}

extension ProseMirrorNode {
    /// A mark on a text node: its type and the attrs value y-prosemirror stored as the formatting attribute's value
    /// (an object such as `{}` or `{"href": …}`; clients that format with `bold: true` store a plain value).
    public struct Mark: Sendable, Equatable {
        /// The mark type name (`"bold"`, `"link"`, …), with y-prosemirror's overlapping-mark hash suffix removed.
        public var type: String
        /// The stored attrs value; nil when none.
        public var attrs: YAny?

        public init(_ type: String, attrs: YAny? = nil) {
            self.type = type
            self.attrs = attrs
        }

        /// A mark whose attrs are an object with these entries.
        public init(type: String, attrs: [(key: String, value: YAny)] = []) {
            self.init(type, attrs: .object(attrs))
        }

        /// The mark's attribute `key`, when the attrs value is an object holding it.
        public func attr(_ key: String) -> YAny? {
            guard case .object(let entries) = self.attrs else { return nil }
            return entries.last { $0.key == key }?.value
        }

        /// The attribute as a string, nil when unset or null.
        func stringAttr(_ key: String) -> String? {
            guard let value = self.attr(key) else { return nil }
            switch value {
            case .null, .undefined: return nil
            default: return javaScriptString(value)
            }
        }

        /// The attrs as ProseMirror's `Mark.toJSON` writes them: a non-empty object, else nothing.
        var jsonAttrs: YAny? {
            if case .object(let entries) = self.attrs, !entries.isEmpty { return self.attrs }
            return nil
        }
    }
}

extension ProseMirrorNode {
    /// A node with every field given (`text` makes it a text node).
    public init(
        type: String, attrs: [(key: String, value: YAny)] = [], content: [ProseMirrorNode] = [], text: String? = nil,
        marks: [Mark] = []
    ) {
        self.init(type, attrs: attrs, content: content)
        self.text = text
        self.marks = marks
    }

    /// Parses ProseMirror JSON with the default limits; nil when it is malformed (``init(validating:limits:)`` tells
    /// why).
    public init?(json: YAny) {
        guard let node = try? ProseMirrorNode(validating: json) else { return nil }
        self = node
    }
}

extension ProseMirrorNode: Equatable {
    public static func == (lhs: ProseMirrorNode, rhs: ProseMirrorNode) -> Bool {
        lhs.type == rhs.type && lhs.text == rhs.text && lhs.marks == rhs.marks && lhs.content == rhs.content
            && lhs.attrs.count == rhs.attrs.count
            && zip(lhs.attrs, rhs.attrs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// Limits applied when reading a fragment or ProseMirror JSON: both come from peers, and the renderers recurse once
/// per level, so depth is bounded before any recursion (a server thread's stack is small).
public struct ProseMirrorLimits: Sendable, Equatable {
    /// Deepest node nesting read (the `doc` node is depth 0). Deeper subtrees are dropped when rendering a fragment,
    /// and rejected when parsing JSON. Default 100, far beyond real documents (a paragraph in a list in a list is 4).
    public var maxDepth: Int
    /// Most nodes accepted from ProseMirror JSON before seeding stops with an error. Default 1,000,000.
    public var maxNodes: Int

    public init(maxDepth: Int = 100, maxNodes: Int = 1_000_000) {
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }
}

/// Why ProseMirror JSON could not be turned into fragment content, with the JSON path of the offending value
/// (for example `content[2].marks[0].type`).
public struct ProseMirrorError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The text is not JSON (or nests deeper than the parse limit).
        case invalidJSON
        /// A value has the wrong JSON type; `expected` names what was wanted.
        case wrongType(expected: String)
        /// A required key is missing.
        case missingKey(String)
        /// Nodes nest deeper than ``ProseMirrorLimits/maxDepth``.
        case depthExceeded(limit: Int)
        /// More nodes than ``ProseMirrorLimits/maxNodes``.
        case tooManyNodes(limit: Int)
        /// Seeding needs an empty fragment (use `replaceProsemirror` to replace content).
        case fragmentNotEmpty
    }

    public var reason: Reason
    /// Where in the JSON the problem is (`""` for the root).
    public var path: String

    public init(_ reason: Reason, path: String) {
        self.reason = reason
        self.path = path
    }

    public var description: String {
        let at = self.path.isEmpty ? "at the root" : "at \(self.path)"
        switch self.reason {
        case .invalidJSON: return "ProseMirror JSON: not valid JSON"
        case .wrongType(let expected): return "ProseMirror JSON: expected \(expected) \(at)"
        case .missingKey(let key): return "ProseMirror JSON: missing \"\(key)\" \(at)"
        case .depthExceeded(let limit): return "ProseMirror JSON: nesting deeper than \(limit) \(at)"
        case .tooManyNodes(let limit): return "ProseMirror JSON: more than \(limit) nodes \(at)"
        case .fragmentNotEmpty: return "ProseMirror seed: the fragment is not empty"
        }
    }
}
