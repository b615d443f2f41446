/// A ProseMirror node as y-prosemirror maps it to and from a `Y.XmlFragment`: elements are nodes (node name =
/// node type, attributes = attrs), each `Y.XmlText` becomes text nodes, one per delta run, whose formatting
/// attributes are the marks (`{markName: markAttrs}`).
public struct ProseMirrorNode: Sendable, Equatable {
    /// A mark on a text node.
    public struct Mark: Sendable, Equatable {
        public var type: String
        public var attrs: [(key: String, value: YAny)]

        public init(type: String, attrs: [(key: String, value: YAny)] = []) {
            self.type = type
            self.attrs = attrs
        }

        public static func == (lhs: Mark, rhs: Mark) -> Bool {
            lhs.type == rhs.type && YAny.object(lhs.attrs) == YAny.object(rhs.attrs)
        }
    }

    public var type: String
    public var attrs: [(key: String, value: YAny)]
    public var content: [ProseMirrorNode]
    /// The text of a `text` node.
    public var text: String?
    public var marks: [Mark]

    public init(
        type: String, attrs: [(key: String, value: YAny)] = [], content: [ProseMirrorNode] = [], text: String? = nil,
        marks: [Mark] = []
    ) {
        self.type = type
        self.attrs = attrs
        self.content = content
        self.text = text
        self.marks = marks
    }

    public static func == (lhs: ProseMirrorNode, rhs: ProseMirrorNode) -> Bool {
        lhs.type == rhs.type && YAny.object(lhs.attrs) == YAny.object(rhs.attrs) && lhs.content == rhs.content
            && lhs.text == rhs.text && lhs.marks == rhs.marks
    }

    /// An attribute value.
    public func attr(_ key: String) -> YAny? { self.attrs.first { $0.key == key }?.value }

    /// The node as ProseMirror JSON (`node.toJSON()`).
    public var json: YAny {
        var entries: [(key: String, value: YAny)] = [("type", .string(self.type))]
        if !self.attrs.isEmpty { entries.append(("attrs", .object(self.attrs))) }
        if let text = self.text { entries.append(("text", .string(text))) }
        if !self.marks.isEmpty {
            entries.append(
                ("marks",
                 .array(
                    self.marks.map { mark in
                        var m: [(key: String, value: YAny)] = [("type", .string(mark.type))]
                        if !mark.attrs.isEmpty { m.append(("attrs", .object(mark.attrs))) }
                        return .object(m)
                    })))
        }
        if !self.content.isEmpty { entries.append(("content", .array(self.content.map(\.json)))) }
        return .object(entries)
    }

    /// Parses ProseMirror JSON (`{"type": …, "attrs": …, "content": […], "text": …, "marks": […]}`).
    public init?(json: YAny) {
        guard case .object(let entries) = json,
            case .string(let type)? = entries.first(where: { $0.key == "type" })?.value
        else { return nil }
        self.type = type
        if case .object(let attrs)? = entries.first(where: { $0.key == "attrs" })?.value {
            self.attrs = attrs
        } else {
            self.attrs = []
        }
        if case .string(let text)? = entries.first(where: { $0.key == "text" })?.value {
            self.text = text
        } else {
            self.text = nil
        }
        if case .array(let children)? = entries.first(where: { $0.key == "content" })?.value {
            self.content = children.compactMap { ProseMirrorNode(json: $0) }
        } else {
            self.content = []
        }
        self.marks = []
        if case .array(let marks)? = entries.first(where: { $0.key == "marks" })?.value {
            for mark in marks {
                guard case .object(let m) = mark, case .string(let markType)? = m.first(where: { $0.key == "type" })?.value
                else { continue }
                var attrs: [(key: String, value: YAny)] = []
                if case .object(let a)? = m.first(where: { $0.key == "attrs" })?.value { attrs = a }
                self.marks.append(Mark(type: markType, attrs: attrs))
            }
        }
    }
}

extension Document {
    /// The fragment as a ProseMirror document node (y-prosemirror `yXmlFragmentToProseMirrorRootNode`).
    public func prosemirrorDocument(_ fragment: XmlFragmentRef) -> ProseMirrorNode {
        ProseMirrorNode(type: "doc", content: self.prosemirrorChildren(of: fragment.typeIndex))
    }

    /// The fragment as ProseMirror JSON, the shape y-prosemirror produces (`{"type":"doc","content":[…]}`).
    public func prosemirrorJSON(_ fragment: XmlFragmentRef) -> YAny { self.prosemirrorDocument(fragment).json }

    func prosemirrorChildren(of type: Int32) -> [ProseMirrorNode] {
        var nodes: [ProseMirrorNode] = []
        for value in self.listValues(type: type) {
            guard case .type(let ref, let kind) = value else { continue }
            switch kind {
            case .xmlElement:
                let attrs = self.mapEntries(type: ref.typeIndex).compactMap { entry -> (key: String, value: YAny)? in
                    guard case .any(let v) = entry.value else { return nil }
                    return (entry.key, v)
                }
                nodes.append(
                    ProseMirrorNode(
                        type: self.types[Int(ref.typeIndex)].name, attrs: attrs,
                        content: self.prosemirrorChildren(of: ref.typeIndex)))
            case .xmlText:
                for op in self.textDelta(type: ref.typeIndex) {
                    guard case .string(let s) = op.insert else { continue }
                    let marks = op.attributes.map { key, value -> ProseMirrorNode.Mark in
                        if case .object(let attrs) = value { return .init(type: key, attrs: attrs) }
                        return .init(type: key)
                    }
                    nodes.append(ProseMirrorNode(type: "text", text: s, marks: marks))
                }
            default:
                break
            }
        }
        return nodes
    }

    /// Appends ProseMirror content to a fragment as y-prosemirror would write it: one element per node (attributes
    /// with a non-null value), consecutive text nodes in one `Y.XmlText` with one formatted run each.
    /// - Returns: the v1 update, as `transact` does.
    @discardableResult
    public mutating func insertProseMirror(_ document: ProseMirrorNode, into fragment: XmlFragmentRef) -> [UInt8]? {
        let nodes = Self.xmlNodes(document.type == "doc" ? document.content : [document])
        return self.transact { d in
            d.insert(into: fragment, at: d.length(fragment), nodes)
        }
    }

    static func xmlNodes(_ nodes: [ProseMirrorNode]) -> [XmlNode] {
        var out: [XmlNode] = []
        var runs: [(insert: String, attributes: [(key: String, value: YAny)])] = []
        func flush() {
            if !runs.isEmpty { out.append(.text(runs)) }
            runs = []
        }
        for node in nodes {
            if node.type == "text" {
                let attributes = node.marks.map { ($0.type, YAny.object($0.attrs)) }
                runs.append((node.text ?? "", attributes))
            } else {
                flush()
                let attrs = node.attrs.filter { if case .null = $0.value { return false } else { return true } }
                out.append(.element(node.type, attributes: attrs, children: xmlNodes(node.content)))
            }
        }
        flush()
        return out
    }
}
