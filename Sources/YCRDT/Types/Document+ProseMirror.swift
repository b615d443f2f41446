/// Reading a y-prosemirror fragment as a ProseMirror tree (y-prosemirror v1 `createNodeFromYElement`,
/// `createTextNodesFromYText`, `yattr2markname`).
extension Document {
    /// The fragment as a ProseMirror `doc` node, read the way y-prosemirror builds the editor's document.
    ///
    /// Elements become nodes named after their node name with their attributes (JavaScript object order, as
    /// `getAttributes()`), and each `Y.XmlText` (or nested `Y.Text`) becomes one text node per delta run, whose marks
    /// are the run's formatting attributes (attribute name with any `--hash` suffix of overlapping marks removed →
    /// value). Runs that are not strings (embeds, nested types), empty runs, `ychange` attributes and XML hooks are
    /// skipped, as the editor cannot show them. Adjacent text nodes are not merged here (``ProseMirrorNode/json`` merges them).
    /// Subtrees deeper than `limits.maxDepth` are dropped.
    public func prosemirrorDocument(_ fragment: some SharedRef, limits: ProseMirrorLimits = ProseMirrorLimits())
        -> ProseMirrorNode
    {
        ProseMirrorNode("doc", content: self.proseMirrorChildren(type: fragment.typeIndex, depth: 1, limits: limits))
    }

    private func proseMirrorChildren(type: Int32, depth: Int, limits: ProseMirrorLimits) -> [ProseMirrorNode] {
        guard depth <= limits.maxDepth else { return [] }
        var nodes: [ProseMirrorNode] = []
        for (ref, kind) in self.children(of: AnyRef(typeIndex: type)) {
            switch kind {
            case .xmlElement:
                let element = XmlElementRef(typeIndex: ref.typeIndex)
                let attrs = JSObjectOrder.normalize(
                    self.attributes(element).map { ($0.key, self.json(value: $0.value)) })
                nodes.append(
                    ProseMirrorNode(
                        self.nodeName(element), attrs: attrs,
                        content: self.proseMirrorChildren(type: ref.typeIndex, depth: depth + 1, limits: limits)))
            case .xmlText, .text:
                nodes.append(contentsOf: self.proseMirrorTextNodes(type: ref.typeIndex))
            default:
                continue
            }
        }
        return nodes
    }

    private func proseMirrorTextNodes(type: Int32) -> [ProseMirrorNode] {
        var nodes: [ProseMirrorNode] = []
        for op in self.textDelta(type: type) {
            guard case .string(let string) = op.insert, !string.isEmpty else { continue }
            let attributes = JSObjectOrder.normalize(op.attributes.filter { $0.key != "ychange" })
            let marks = attributes.map { ProseMirrorNode.Mark(markName(fromAttribute: $0.key), attrs: $0.value) }
            nodes.append(.text(string, marks: marks))
        }
        return nodes
    }
}

/// Writing ProseMirror content into a fragment as y-prosemirror does (`prosemirrorToYXmlFragment`).
extension Document {
    /// Appends ProseMirror content (a `doc`'s children, or the node itself) to a fragment as y-prosemirror writes it
    /// (see ``seedProseMirror(fragment:with:limits:)-(_,ProseMirrorNode,_)``), in one transaction.
    /// - Returns: the v1 update, as `transact` does.
    @discardableResult
    public mutating func insertProseMirror(_ document: ProseMirrorNode, into fragment: XmlFragmentRef) -> [UInt8]? {
        let nodes = Self.xmlNodes(document.type == "doc" ? document.content : [document], depth: 1, limits: ProseMirrorLimits())
        return self.transact { doc in doc.insert(into: fragment, at: doc.length(fragment), nodes) }
    }

    /// y-prosemirror `normalizePNodeContent` + `createTypeFromTextOrElementNode`: adjacent text nodes share one
    /// `Y.XmlText`.
    static func xmlNodes(_ content: [ProseMirrorNode], depth: Int, limits: ProseMirrorLimits) -> [XmlNode] {
        guard depth <= limits.maxDepth else { return [] }
        var out: [XmlNode] = []
        var index = 0
        while index < content.count {
            guard content[index].isText else {
                let node = content[index]
                let attributes = node.attrs.filter { entry in
                    switch entry.value {
                    case .null, .undefined: return false
                    default: return entry.key != "ychange"
                    }
                }
                out.append(.element(node.type, attributes: attributes, children: Self.xmlNodes(node.content, depth: depth + 1, limits: limits)))
                index += 1
                continue
            }
            var runs: [(insert: String, attributes: [(key: String, value: YAny)])] = []
            while index < content.count, let text = content[index].text {
                if !text.isEmpty { runs.append((text, Self.markAttributes(content[index].marks))) }
                index += 1
            }
            if !runs.isEmpty { out.append(.text(runs)) }
        }
        return out
    }

    /// y-prosemirror `marksToAttributes`: mark type → attrs object, built like a JavaScript object (a repeated type
    /// keeps its first position and takes the last value); `ychange` marks are skipped.
    static func markAttributes(_ marks: [ProseMirrorNode.Mark]) -> [(key: String, value: YAny)] {
        var attributes: [(key: String, value: YAny)] = []
        for mark in marks where mark.type != "ychange" {
            let value: YAny
            if case .object? = mark.attrs, let attrs = mark.attrs { value = attrs } else { value = .object([]) }
            if let i = attributes.firstIndex(where: { $0.key == mark.type }) {
                attributes[i].value = value
            } else {
                attributes.append((mark.type, value))
            }
        }
        return JSObjectOrder.normalize(attributes)
    }
}

/// y-prosemirror `yattr2markname`: strips the `--` + 8 base64 characters that overlapping marks (marks that do not
/// exclude themselves) carry in their attribute name (`/(.*)(--[a-zA-Z0-9+/=]{8})$/`).
func markName(fromAttribute name: String) -> String {
    let scalars = Array(name.unicodeScalars)
    guard scalars.count >= 10 else { return name }
    let suffix = scalars[(scalars.count - 8)...]
    let isBase64: (Unicode.Scalar) -> Bool = { s in
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "+" || s == "/" || s == "="
    }
    guard suffix.allSatisfy(isBase64), scalars[scalars.count - 10] == "-", scalars[scalars.count - 9] == "-" else {
        return name
    }
    var prefix = scalars[..<(scalars.count - 10)]
    // The regex is not anchored at the start and `.` does not match line terminators, so the match (and the
    // name) begins after the last line terminator.
    let terminators: [Unicode.Scalar] = ["\n", "\r", "\u{2028}", "\u{2029}"]
    if let last = prefix.lastIndex(where: { terminators.contains($0) }) { prefix = prefix[(last + 1)...] }
    var out = String.UnicodeScalarView()
    out.append(contentsOf: prefix)
    return String(out)
}
