/// Smallest-change edits: making a document's text and XML roots equal to another document's as one local
/// transaction, so that content written from outside (a REST write, a restored version) reaches live editors as an
/// ordinary edit and merges with their concurrent typing.
///
/// Children of a fragment or element are aligned by content (``SequenceAlignment``): equal blocks are left
/// untouched; in each region that differs, blocks are paired in order — two texts are patched character by
/// character (common prefix and suffix, by UTF-16 unit and formatting), two elements of the same name get their
/// attributes set and their children patched recursively — and the rest are deleted or inserted whole. Maps and
/// arrays are not patched. See Docs/history.md.
extension Document {
    /// Makes the text and XML roots of this document hold what they hold in `source`, as one transaction with our
    /// client ID; a root missing from `source` is emptied.
    /// - Parameters:
    ///   - roots: the root names to patch; nil patches every root of either document.
    ///   - maxDepth: deepest nesting patched in place; deeper subtrees that differ are replaced whole.
    /// - Returns: the v1 update (`[0, 0]` when the contents were already equal).
    ///   - keepUnlistedAttributes: leave element attributes that `source` does not set (Markdown, HTML and plain
    ///     text cannot express every attribute the editor stores); blocks are then matched without attributes.
    public mutating func update(
        toMatch source: Document, roots: [String]? = nil, maxDepth: Int = 100, keepUnlistedAttributes: Bool = false
    ) -> [UInt8] {
        var names = roots ?? source.rootNames
        if roots == nil { names += self.rootNames.filter { source.root(named: $0) == nil } }
        return self.transact { doc in
            for name in names {
                let sourceRef = source.root(named: name)?.0
                var kind = sourceRef.map { source.kind(of: $0) } ?? .undetermined
                if kind == .undetermined, let (ref, _) = doc.root(named: name) { kind = doc.kind(of: ref) }
                switch kind {
                case .xmlFragment:
                    let target = doc.xmlFragment(name).typeIndex
                    doc.patchChildren(
                        target, from: source, sourceRef?.typeIndex,
                        DiffContext(maxDepth: maxDepth, keepUnlistedAttributes: keepUnlistedAttributes), depth: 1)
                case .text:
                    let target = doc.text(name).typeIndex
                    let delta = sourceRef.map { source.textDelta(type: $0.typeIndex) } ?? []
                    doc.patchText(target, to: delta)
                default:
                    continue
                }
            }
        } ?? [0, 0]
    }

    /// Makes the XML fragment `fragment` hold `document` (ProseMirror content) with the smallest change, as one
    /// transaction; returns the v1 update (`[0, 0]` when nothing changed).
    public mutating func updateProseMirror(
        fragment: String = "prosemirror", to document: ProseMirrorNode, limits: ProseMirrorLimits = ProseMirrorLimits(),
        keepUnlistedAttributes: Bool = false
    ) -> [UInt8] {
        var scratch = Document(clientID: 1)
        _ = try? scratch.seedProseMirror(fragment: fragment, with: document, limits: limits)
        return self.update(
            toMatch: scratch, roots: [fragment], maxDepth: limits.maxDepth, keepUnlistedAttributes: keepUnlistedAttributes)
    }

    // MARK: Children

    struct DiffContext {
        var maxDepth: Int
        var keepUnlistedAttributes: Bool
    }

    struct DiffUnit {
        var ref: Int32
        var kind: SharedTypeKind
        var name: String
        var key: String
    }

    func diffUnits(of type: Int32, side: String, _ context: DiffContext, depth: Int) -> [DiffUnit] {
        self.children(of: AnyRef(typeIndex: type)).map { ref, kind in
            DiffUnit(
                ref: ref.typeIndex, kind: kind,
                name: kind == .xmlElement ? self.nodeName(XmlElementRef(typeIndex: ref.typeIndex)) : "",
                key: self.contentKey(ref.typeIndex, kind: kind, side: side, context, depth: depth))
        }
    }

    /// A string equal for equal content: element name, attributes and children, or a text's delta.
    func contentKey(_ type: Int32, kind: SharedTypeKind, side: String, _ context: DiffContext, depth: Int) -> String {
        switch kind {
        case .xmlText, .text:
            return "T" + JavaScriptJSON.stringify(self.deltaValue(type: type))
        case .xmlElement where depth <= context.maxDepth:
            let element = XmlElementRef(typeIndex: type)
            let children = self.diffUnits(of: type, side: side, context, depth: depth + 1)
            let attributes = context.keepUnlistedAttributes ? "" : JavaScriptJSON.stringify(.object(self.attributeValues(element)))
            return "E" + self.nodeName(element) + attributes + "[" + children.map(\.key).joined(separator: "\u{1}") + "]"
        default:
            return "\u{0}\(side)\(type)"
        }
    }

    func deltaValue(type: Int32) -> YAny {
        .array(
            self.textDelta(type: type).map { op in
                let insert: YAny
                switch op.insert {
                case .string(let s): insert = .string(s)
                case .embed(let value): insert = .object([("embed", value)])
                case .type: insert = .null
                }
                return .object([("i", insert), ("a", .object(JSObjectOrder.normalize(op.attributes)))])
            })
    }

    func attributeValues(_ element: XmlElementRef) -> [(key: String, value: YAny)] {
        JSObjectOrder.normalize(self.attributes(element).map { ($0.key, self.json(value: $0.value)) })
    }

    mutating func patchChildren(
        _ target: Int32, from source: Document, _ sourceParent: Int32?, _ context: DiffContext, depth: Int
    ) {
        let maxDepth = context.maxDepth
        let parent = AnyRef(typeIndex: target)
        let old = self.diffUnits(of: target, side: "o", context, depth: depth)
        let new = sourceParent.map { source.diffUnits(of: $0, side: "n", context, depth: depth) } ?? []
        guard old.count == self.length(parent) else {
            // Content that is not a type (never written by y-prosemirror): replace everything.
            self.deleteChildren(of: parent, at: 0, length: self.length(parent))
            self.insert(into: parent, at: 0, new.compactMap { source.xmlNode($0.ref, kind: $0.kind, depth: depth, maxDepth: maxDepth) })
            return
        }
        let gaps = SequenceAlignment.gaps(old.map(\.key), new.map(\.key))
        if context.keepUnlistedAttributes {
            // Blocks matched without their attributes may still need the attributes the source sets.
            var i = 0
            var j = 0
            for gap in gaps + [SequenceAlignment.Gap(old: old.count..<old.count, new: new.count..<new.count)] {
                while i < gap.old.lowerBound, j < gap.new.lowerBound {
                    self.setListedAttributes(old[i].ref, from: source, new[j].ref, kind: old[i].kind, depth: depth, maxDepth: maxDepth)
                    i += 1
                    j += 1
                }
                i = gap.old.upperBound
                j = gap.new.upperBound
            }
        }
        for gap in gaps.reversed() {
            let pairs = min(gap.old.count, gap.new.count)
            let base = gap.old.lowerBound
            if gap.old.count > pairs {
                self.deleteChildren(of: parent, at: base + pairs, length: gap.old.count - pairs)
            }
            if gap.new.count > pairs {
                let nodes = new[(gap.new.lowerBound + pairs)..<gap.new.upperBound].compactMap {
                    source.xmlNode($0.ref, kind: $0.kind, depth: depth, maxDepth: maxDepth)
                }
                self.insert(into: parent, at: base + pairs, nodes)
            }
            for k in stride(from: pairs - 1, through: 0, by: -1) {
                self.patchUnit(
                    old[base + k], new[gap.new.lowerBound + k], parent: parent, index: base + k, from: source, context,
                    depth: depth)
            }
        }
    }

    private mutating func patchUnit(
        _ old: DiffUnit, _ new: DiffUnit, parent: AnyRef, index: Int, from source: Document, _ context: DiffContext,
        depth: Int
    ) {
        let maxDepth = context.maxDepth
        let isText: (SharedTypeKind) -> Bool = { $0 == .xmlText || $0 == .text }
        if isText(old.kind), isText(new.kind) {
            self.patchText(old.ref, to: source.textDelta(type: new.ref))
            return
        }
        if old.kind == .xmlElement, new.kind == .xmlElement, old.name == new.name, depth < maxDepth {
            let element = XmlElementRef(typeIndex: old.ref)
            let before = self.attributeValues(element)
            let after = source.attributeValues(XmlElementRef(typeIndex: new.ref))
            for (key, value) in after where before.last(where: { $0.key == key })?.value != value {
                self.setAttribute(element, key, value)
            }
            for (key, _) in before where !context.keepUnlistedAttributes && !after.contains(where: { $0.key == key }) {
                self.removeAttribute(element, key)
            }
            self.patchChildren(old.ref, from: source, new.ref, context, depth: depth + 1)
            return
        }
        self.deleteChildren(of: parent, at: index, length: 1)
        if let node = source.xmlNode(new.ref, kind: new.kind, depth: depth, maxDepth: maxDepth) {
            self.insert(into: parent, at: index, [node])
        }
    }

    /// Sets the attributes `source` gives a matched element and its descendants where they differ.
    private mutating func setListedAttributes(
        _ target: Int32, from source: Document, _ sourceType: Int32, kind: SharedTypeKind, depth: Int, maxDepth: Int
    ) {
        guard kind == .xmlElement, depth <= maxDepth else { return }
        let element = XmlElementRef(typeIndex: target)
        let before = self.attributeValues(element)
        for (key, value) in source.attributeValues(XmlElementRef(typeIndex: sourceType))
        where before.last(where: { $0.key == key })?.value != value {
            self.setAttribute(element, key, value)
        }
        let mine = self.children(of: element)
        let theirs = source.children(of: XmlElementRef(typeIndex: sourceType))
        for (a, b) in zip(mine, theirs) {
            self.setListedAttributes(a.0.typeIndex, from: source, b.0.typeIndex, kind: a.1, depth: depth + 1, maxDepth: maxDepth)
        }
    }

    /// The subtree of a type as an ``XmlNode`` to insert elsewhere (embeds and nested types in texts are dropped).
    func xmlNode(_ type: Int32, kind: SharedTypeKind, depth: Int, maxDepth: Int) -> XmlNode? {
        switch kind {
        case .xmlText, .text:
            return .text(
                self.textDelta(type: type).compactMap { op in
                    if case .string(let s) = op.insert { return (s, op.attributes) }
                    return nil
                })
        case .xmlElement where depth <= maxDepth:
            let element = XmlElementRef(typeIndex: type)
            let attributes = self.attributeValues(element).filter {
                if case .undefined = $0.value { return false }
                return true
            }
            let children = self.children(of: element).compactMap {
                self.xmlNode($0.0.typeIndex, kind: $0.1, depth: depth + 1, maxDepth: maxDepth)
            }
            return .element(self.nodeName(element), attributes: attributes, children: children)
        default:
            return nil
        }
    }
}
