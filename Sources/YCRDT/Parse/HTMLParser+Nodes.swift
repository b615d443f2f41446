/// Mapping the parsed HTML tree to ProseMirror nodes.
extension HTMLParser {
    static let markTags: [String: String] = [
        "strong": "bold", "b": "bold", "em": "italic", "i": "italic", "s": "strike", "del": "strike",
        "strike": "strike", "u": "underline", "code": "code", "a": "link", "mark": "highlight", "sub": "subscript",
        "sup": "superscript",
    ]

    static func blocks(_ nodes: [HTMLTree], depth: Int, limits: ProseMirrorLimits) -> [ProseMirrorNode] {
        guard depth <= limits.maxDepth else { return [] }
        var out: [ProseMirrorNode] = []
        var pending: [HTMLTree] = []
        func flush() {
            let content = inline(pending, marks: [], preformatted: false, depth: depth)
            if content.contains(where: { !($0.text ?? "x").allSatisfy(\.isWhitespace) }) {
                out.append(ProseMirrorNode("paragraph", content: trim(content)))
            }
            pending.removeAll()
        }
        for node in nodes {
            guard case .element(let element) = node, let block = block(element, depth: depth, limits: limits) else {
                if case .element(let element) = node, markTags[element.name] == nil, element.name != "br",
                    !element.children.isEmpty
                {
                    // A transparent container (div, section, body…): its children are blocks.
                    flush()
                    out.append(contentsOf: blocks(element.children, depth: depth + 1, limits: limits))
                } else {
                    pending.append(node)
                }
                continue
            }
            flush()
            out.append(contentsOf: block)
        }
        flush()
        return out
    }

    /// The nodes of a block element; nil when `element` is not a block.
    static func block(_ element: Element, depth: Int, limits: ProseMirrorLimits) -> [ProseMirrorNode]? {
        let children = element.children
        switch element.name {
        case "p":
            return [ProseMirrorNode("paragraph", content: trim(inline(children, marks: [], preformatted: false, depth: depth)))]
        case "h1", "h2", "h3", "h4", "h5", "h6":
            let level = Double(Int(String(element.name.dropFirst())) ?? 1)
            return [
                ProseMirrorNode(
                    "heading", attrs: [("level", .number(level))],
                    content: trim(inline(children, marks: [], preformatted: false, depth: depth)))
            ]
        case "ul", "ol":
            let items = children.compactMap { child -> ProseMirrorNode? in
                guard case .element(let item) = child, item.name == "li" else { return nil }
                return ProseMirrorNode("listItem", content: blocks(item.children, depth: depth + 2, limits: limits))
            }
            if element.name == "ul" { return [ProseMirrorNode("bulletList", content: items)] }
            let start = Double(element.attributes["start"].flatMap { Int($0) } ?? 1)
            return [ProseMirrorNode("orderedList", attrs: [("start", .number(start))], content: items)]
        case "blockquote":
            return [ProseMirrorNode("blockquote", content: blocks(children, depth: depth + 1, limits: limits))]
        case "pre":
            var language: YAny = .null
            if case .element(let code)? = children.first, code.name == "code",
                let cls = code.attributes["class"], cls.hasPrefix("language-")
            {
                language = .string(String(cls.dropFirst("language-".count)))
            }
            let text = textContent(children)
            return [ProseMirrorNode("codeBlock", attrs: [("language", language)], content: text.isEmpty ? [] : [.text(text)])]
        case "hr":
            return [ProseMirrorNode("horizontalRule")]
        default:
            return nil
        }
    }

    static func textContent(_ nodes: [HTMLTree]) -> String {
        nodes.map { node in
            switch node {
            case .text(let text): return text
            case .element(let e): return e.name == "br" ? "\n" : textContent(e.children)
            }
        }.joined()
    }

    static func inline(_ nodes: [HTMLTree], marks: [ProseMirrorNode.Mark], preformatted: Bool, depth: Int) -> [ProseMirrorNode] {
        var out: [ProseMirrorNode] = []
        for node in nodes {
            switch node {
            case .text(let text):
                let collapsed = collapseWhitespace(text)
                if !collapsed.isEmpty { out.append(.text(collapsed, marks: marks)) }
            case .element(let e):
                if e.name == "br" {
                    out.append(ProseMirrorNode("hardBreak"))
                } else if depth < 64, let type = markTags[e.name] {
                    var mark = ProseMirrorNode.Mark(type: type)
                    if type == "link" { mark = ProseMirrorNode.Mark(type: "link", attrs: [("href", .string(e.attributes["href"] ?? ""))]) }
                    let inner = marks.contains(where: { $0.type == type }) ? marks : marks + [mark]
                    out.append(contentsOf: inline(e.children, marks: inner, preformatted: preformatted, depth: depth + 1))
                } else if depth < 64 {
                    out.append(contentsOf: inline(e.children, marks: marks, preformatted: preformatted, depth: depth + 1))
                }
            }
        }
        return out
    }

    static func collapseWhitespace(_ text: String) -> String {
        var out = ""
        var lastSpace = false
        for c in text {
            if c == " " || c == "\n" || c == "\t" || c == "\r" {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.append(c)
                lastSpace = false
            }
        }
        return out
    }

    /// Drops leading and trailing spaces of a textblock's content (and merges the collapsed spaces between runs).
    static func trim(_ content: [ProseMirrorNode]) -> [ProseMirrorNode] {
        var nodes = content
        var previousEndsInSpace = true
        for i in nodes.indices {
            guard var text = nodes[i].text else {
                previousEndsInSpace = true
                continue
            }
            if previousEndsInSpace, text.hasPrefix(" ") { text.removeFirst() }
            previousEndsInSpace = text.hasSuffix(" ") || (text.isEmpty && previousEndsInSpace)
            nodes[i].text = text
        }
        if let last = nodes.lastIndex(where: { $0.isText }), nodes[last].text?.hasSuffix(" ") == true, last == nodes.count - 1 {
            nodes[last].text?.removeLast()
        }
        return nodes.filter { $0.text != "" }
    }
}
