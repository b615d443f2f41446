/// HTML to ProseMirror (TipTap's default schema), for server-side content writes: the inverse of
/// ``NoteRenderer/html(_:)`` for the tags it writes.
///
/// A forgiving tokenizer (tags, attributes, text, character references; comments and unknown tags skipped, void
/// and unclosed elements closed) builds a tree that is mapped to nodes: `p`, `h1`–`h6`, `ul`/`ol`/`li`, `pre`,
/// `blockquote`, `hr`, `br`, and the marks `strong`/`b`, `em`/`i`, `s`/`del`/`strike`, `u`, `code`, `a[href]`.
/// Inline content outside a block becomes a paragraph. Nesting is bounded by ``ProseMirrorLimits/maxDepth``.
public enum HTMLParser {
    struct Element {
        var name: String
        var attributes: [String: String] = [:]
        var children: [HTMLTree] = []
    }

    indirect enum HTMLTree {
        case element(Element)
        case text(String)
    }

    /// The `doc` node of `html`.
    public static func parse(_ html: String, limits: ProseMirrorLimits = ProseMirrorLimits()) -> ProseMirrorNode {
        let root = tree(Array(html.unicodeScalars), maxDepth: limits.maxDepth)
        return ProseMirrorNode("doc", content: blocks(root.children, depth: 1, limits: limits))
    }

    static let voidElements: Set<String> = ["br", "hr", "img", "input", "meta", "link", "col", "area", "base", "wbr"]

    /// Tokenizes and nests; a close tag pops to its open element (or is ignored when none is open).
    static func tree(_ s: [Unicode.Scalar], maxDepth: Int) -> Element {
        var stack = [Element(name: "#root")]
        var text = String.UnicodeScalarView()
        func flushText() {
            if !text.isEmpty { stack[stack.count - 1].children.append(.text(decode(String(text)))) }
            text = String.UnicodeScalarView()
        }
        func pop() {
            guard stack.count > 1, let done = stack.popLast() else { return }
            stack[stack.count - 1].children.append(.element(done))
        }
        var i = 0
        while i < s.count {
            guard s[i] == "<", i + 1 < s.count, s[i + 1] == "/" || s[i + 1] == "!" || s[i + 1].properties.isAlphabetic else {
                text.append(s[i])
                i += 1
                continue
            }
            flushText()
            if s[i + 1] == "!" {  // comment or doctype
                var j = i + 2
                let comment = j + 1 < s.count && s[j] == "-" && s[j + 1] == "-"
                while j < s.count {
                    if s[j] == ">" && (!comment || (j >= 2 && s[j - 1] == "-" && s[j - 2] == "-")) { break }
                    j += 1
                }
                i = j + 1
                continue
            }
            var j = i + 1
            let closing = s[j] == "/"
            if closing { j += 1 }
            var name = ""
            while j < s.count, s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) {
                name.unicodeScalars.append(s[j])
                j += 1
            }
            name = name.lowercased()
            var attributes: [String: String] = [:]
            while j < s.count, s[j] != ">" {
                if s[j] == " " || s[j] == "\n" || s[j] == "\t" || s[j] == "/" || s[j] == "\r" {
                    j += 1
                    continue
                }
                var key = ""
                while j < s.count, !" \n\t\r=>/".unicodeScalars.contains(s[j]) {
                    key.unicodeScalars.append(s[j])
                    j += 1
                }
                var value = ""
                if j < s.count, s[j] == "=" {
                    j += 1
                    let quote = j < s.count && (s[j] == "\"" || s[j] == "'") ? s[j] : nil
                    if quote != nil { j += 1 }
                    while j < s.count, quote.map({ s[j] != $0 }) ?? !" \n\t\r>".unicodeScalars.contains(s[j]) {
                        value.unicodeScalars.append(s[j])
                        j += 1
                    }
                    if quote != nil { j += 1 }
                }
                if key.isEmpty { j += 1 } else { attributes[key.lowercased()] = decode(value) }
            }
            i = j + 1
            if closing {
                if let open = stack.lastIndex(where: { $0.name == name }), open > 0 {
                    while stack.count > open { pop() }
                }
            } else if voidElements.contains(name) || stack.count > maxDepth + 2 {
                stack[stack.count - 1].children.append(.element(Element(name: name, attributes: attributes)))
            } else {
                // A new block closes an open paragraph, a new item the open item (as browsers do).
                if ["p", "li"].contains(name), let top = stack.last, top.name == "p" || (name == "li" && top.name == "li") {
                    pop()
                }
                stack.append(Element(name: name, attributes: attributes))
            }
        }
        flushText()
        while stack.count > 1 { pop() }
        return stack[0]
    }

    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "&", let (c, end) = MarkdownParser.entity(chars, at: i) {
                out.append(c)
                i = end
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }
}
