/// Inline Markdown: emphasis, code spans, links, escapes, entities and hard breaks.
extension MarkdownParser {
    /// Text nodes (and hard breaks) of an inline run; marks are listed in the order they were opened.
    static func inline(_ text: String, depth: Int = 0) -> [ProseMirrorNode] {
        let chars = Array(text)
        var out: [ProseMirrorNode] = []
        var marks: [ProseMirrorNode.Mark] = []
        var buffer = ""
        func flush() {
            if !buffer.isEmpty { out.append(.text(buffer, marks: marks)) }
            buffer = ""
        }
        func toggle(_ mark: ProseMirrorNode.Mark, closer: [Character], from index: Int) -> Bool {
            if let open = marks.firstIndex(where: { $0.type == mark.type }) {
                flush()
                marks.remove(at: open)
                return true
            }
            guard find(closer, in: chars, from: index + closer.count) != nil else { return false }
            flush()
            marks.append(mark)
            return true
        }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "\\":
                if next == "\n" {
                    flush()
                    out.append(ProseMirrorNode("hardBreak"))
                    i += 2
                } else if let next, next.isASCII, next.isPunctuation || next.isSymbol {
                    buffer.append(next)
                    i += 2
                } else {
                    buffer.append(c)
                    i += 1
                }
                continue
            case "`":
                if let close = find(["`"], in: chars, from: i + 1) {
                    flush()
                    out.append(.text(String(chars[(i + 1)..<close]), marks: marks + [ProseMirrorNode.Mark(type: "code")]))
                    i = close + 1
                    continue
                }
            case "*", "_":
                let double = next == c
                let mark = ProseMirrorNode.Mark(type: double ? "bold" : "italic")
                let closer: [Character] = double ? [c, c] : [c]
                if toggle(mark, closer: closer, from: i) {
                    i += closer.count
                    continue
                }
            case "~" where next == "~":
                if toggle(ProseMirrorNode.Mark(type: "strike"), closer: ["~", "~"], from: i) {
                    i += 2
                    continue
                }
            case "[":
                if depth < 8, let link = parseLink(chars, at: i) {
                    flush()
                    let mark = ProseMirrorNode.Mark(type: "link", attrs: [("href", .string(link.href))])
                    for node in inline(link.text, depth: depth + 1) {
                        var node = node
                        node.marks = marks + [mark] + node.marks
                        out.append(node)
                    }
                    i = link.end
                    continue
                }
            case "&":
                if let (decoded, end) = entity(chars, at: i) {
                    buffer.append(decoded)
                    i = end
                    continue
                }
            case "\n":
                buffer.append(" ")
                i += 1
                continue
            default:
                break
            }
            buffer.append(c)
            i += 1
        }
        flush()
        return out
    }

    static func find(_ needle: [Character], in chars: [Character], from start: Int) -> Int? {
        guard !needle.isEmpty, start <= chars.count - needle.count else { return nil }
        var i = start
        while i <= chars.count - needle.count {
            if chars[i] == "\\" {
                i += 2
                continue
            }
            if Array(chars[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// `[text](href)` starting at `start`: the text, the href, and the index after `)`.
    static func parseLink(_ chars: [Character], at start: Int) -> (text: String, href: String, end: Int)? {
        var depth = 0
        var i = start
        var close: Int?
        while i < chars.count {
            if chars[i] == "\\" {
                i += 2
                continue
            }
            if chars[i] == "[" { depth += 1 }
            if chars[i] == "]" {
                depth -= 1
                if depth == 0 {
                    close = i
                    break
                }
            }
            i += 1
        }
        guard let close, close + 1 < chars.count, chars[close + 1] == "(",
            let end = chars[(close + 2)...].firstIndex(of: ")")
        else { return nil }
        var href = String(chars[(close + 2)..<end])
        if let space = href.firstIndex(of: " ") { href = String(href[..<space]) }  // drop a title
        if href.hasPrefix("<"), href.hasSuffix(">"), href.count >= 2 { href = String(href.dropFirst().dropLast()) }
        return (String(chars[(start + 1)..<close]), href, end + 1)
    }

    /// A character reference (`&amp;`, `&#32;`, `&#x20;`) at `start`: the character and the index after `;`.
    static func entity(_ chars: [Character], at start: Int) -> (Character, Int)? {
        guard let semicolon = chars[start...].prefix(12).firstIndex(of: ";") else { return nil }
        let name = String(chars[(start + 1)..<semicolon])
        let named: [String: Character] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}"]
        if let c = named[name] { return (c, semicolon + 1) }
        guard name.hasPrefix("#") else { return nil }
        let digits = name.dropFirst()
        let value = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
        guard let value, let scalar = Unicode.Scalar(value), value != 0 else { return nil }
        return (Character(scalar), semicolon + 1)
    }
}
