/// Renders a ProseMirror document of TipTap's default schema (StarterKit plus task lists, images, tables,
/// underline and links) to HTML as TipTap's `getHTML()` writes it, to Markdown (tiptap-markdown /
/// prosemirror-markdown conventions), and to plain text (`getText()`: blocks separated by a blank line).
public enum NoteRenderer {
    // MARK: HTML

    /// HTML for a document or node.
    public static func html(_ node: ProseMirrorNode) -> String {
        var out = ""
        self.writeHTML(node, into: &out)
        return out
    }

    static func escape(_ s: String, quotes: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quotes: out += "&quot;"
            case "\u{A0}": out += "&nbsp;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A numeric attribute, also when y-prosemirror stored it as a string (`level: "2"`).
    static func number(_ value: YAny?) -> Int? {
        guard let value else { return nil }
        if let d = value.doubleValue { return Int(d) }
        if case .string(let s) = value { return Int(s) }
        return nil
    }

    static func attrText(_ value: YAny?) -> String? {
        guard let value else { return nil }
        switch value {
        case .null, .undefined: return nil
        default: return javaScriptString(value)
        }
    }

    static func tag(_ name: String, _ attrs: [(String, String?)] = []) -> String {
        var s = "<" + name
        for (k, v) in attrs { if let v { s += " \(k)=\"\(escape(v, quotes: true))\"" } }
        return s + ">"
    }

    static func writeChildren(_ node: ProseMirrorNode, into out: inout String) {
        for child in node.content { self.writeHTML(child, into: &out) }
    }

    static func writeHTML(_ node: ProseMirrorNode, into out: inout String) {
        switch node.type {
        case "doc":
            self.writeChildren(node, into: &out)
        case "text":
            var text = escape(node.text ?? "")
            for mark in node.marks.reversed() {
                let (open, close) = self.markHTML(mark)
                text = open + text + close
            }
            out += text
        case "paragraph":
            out += "<p>"
            self.writeChildren(node, into: &out)
            out += "</p>"
        case "heading":
            let level = max(1, min(6, number(node.attr("level")) ?? 1))
            out += "<h\(level)>"
            self.writeChildren(node, into: &out)
            out += "</h\(level)>"
        case "bulletList":
            out += "<ul>"
            self.writeChildren(node, into: &out)
            out += "</ul>"
        case "orderedList":
            let start = number(node.attr("start")) ?? 1
            out += start == 1 ? "<ol>" : tag("ol", [("start", String(start))])
            self.writeChildren(node, into: &out)
            out += "</ol>"
        case "listItem":
            out += "<li>"
            self.writeChildren(node, into: &out)
            out += "</li>"
        case "taskList":
            out += "<ul data-type=\"taskList\">"
            self.writeChildren(node, into: &out)
            out += "</ul>"
        case "taskItem":
            let checked = node.attr("checked") == .bool(true)
            out += "<li data-checked=\"\(checked)\" data-type=\"taskItem\"><label><input type=\"checkbox\""
            out += checked ? " checked=\"checked\"" : ""
            out += "><span></span></label><div>"
            self.writeChildren(node, into: &out)
            out += "</div></li>"
        case "blockquote":
            out += "<blockquote>"
            self.writeChildren(node, into: &out)
            out += "</blockquote>"
        case "codeBlock":
            let language = attrText(node.attr("language"))
            out += "<pre><code" + (language.map { " class=\"language-\(escape($0, quotes: true))\"" } ?? "") + ">"
            self.writeChildren(node, into: &out)
            out += "</code></pre>"
        case "horizontalRule":
            out += "<hr>"
        case "hardBreak":
            out += "<br>"
        case "image":
            out += tag(
                "img", [("src", attrText(node.attr("src"))), ("alt", attrText(node.attr("alt"))),
                        ("title", attrText(node.attr("title")))])
        case "table":
            out += "<table><tbody>"
            self.writeChildren(node, into: &out)
            out += "</tbody></table>"
        case "tableRow":
            out += "<tr>"
            self.writeChildren(node, into: &out)
            out += "</tr>"
        case "tableCell", "tableHeader":
            let name = node.type == "tableCell" ? "td" : "th"
            var attrs: [(String, String?)] = []
            for key in ["colspan", "rowspan"] {
                if let v = number(node.attr(key)), v != 1 { attrs.append((key, String(v))) }
            }
            out += tag(name, attrs)
            self.writeChildren(node, into: &out)
            out += "</\(name)>"
        default:
            // Unknown nodes keep their content, like a permissive schema.
            out += tag(node.type)
            self.writeChildren(node, into: &out)
            out += "</\(node.type)>"
        }
    }

    static func markHTML(_ mark: ProseMirrorNode.Mark) -> (String, String) {
        switch mark.type {
        case "bold": return ("<strong>", "</strong>")
        case "italic": return ("<em>", "</em>")
        case "strike": return ("<s>", "</s>")
        case "underline": return ("<u>", "</u>")
        case "code": return ("<code>", "</code>")
        case "link":
            let href = attrText(mark.attrs.first { $0.key == "href" }?.value)
            let target = attrText(mark.attrs.first { $0.key == "target" }?.value) ?? "_blank"
            let rel = attrText(mark.attrs.first { $0.key == "rel" }?.value) ?? "noopener noreferrer nofollow"
            return (tag("a", [("target", target), ("rel", rel), ("href", href)]), "</a>")
        default: return (tag(mark.type), "</\(mark.type)>")
        }
    }

    // MARK: Plain text

    /// Plain text: text of each textblock, blocks separated by a blank line, hard breaks as newlines.
    public static func plainText(_ node: ProseMirrorNode) -> String {
        var blocks: [String] = []
        self.collectText(node, into: &blocks)
        return blocks.joined(separator: "\n\n")
    }

    static func collectText(_ node: ProseMirrorNode, into blocks: inout [String]) {
        if node.content.contains(where: { $0.type == "text" || $0.type == "hardBreak" }) || node.content.isEmpty
            && ["paragraph", "heading", "codeBlock"].contains(node.type)
        {
            blocks.append(node.content.map { $0.type == "hardBreak" ? "\n" : ($0.text ?? "") }.joined())
            return
        }
        for child in node.content { self.collectText(child, into: &blocks) }
    }

    // MARK: Markdown

    /// Markdown: `#` headings, `-` / `1.` / `- [ ]` lists, `>` quotes, fenced code, `---`, GFM tables.
    public static func markdown(_ node: ProseMirrorNode) -> String {
        self.blocks(node.type == "doc" ? node.content : [node]).joined(separator: "\n\n")
    }

    static func blocks(_ nodes: [ProseMirrorNode]) -> [String] {
        // Inline content directly inside a block container (as in loosely structured fragments) is one block.
        if nodes.contains(where: { $0.type == "text" || $0.type == "hardBreak" }) { return [self.inline(nodes)] }
        return nodes.map { self.block($0) }
    }

    static func indent(_ s: String, first: String, rest: String) -> String {
        var lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for i in lines.indices { lines[i] = (i == 0 ? first : (lines[i].isEmpty ? "" : rest)) + lines[i] }
        return lines.joined(separator: "\n")
    }

    static func block(_ node: ProseMirrorNode) -> String {
        switch node.type {
        case "paragraph": return self.inline(node.content)
        case "heading":
            let level = max(1, min(6, number(node.attr("level")) ?? 1))
            return String(repeating: "#", count: level) + " " + self.inline(node.content)
        case "blockquote":
            return self.blocks(node.content).joined(separator: "\n\n").split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? ">" : "> " + $0 }.joined(separator: "\n")
        case "codeBlock":
            let language = attrText(node.attr("language")) ?? ""
            return "```" + language + "\n" + node.content.map { $0.text ?? "" }.joined() + "\n```"
        case "horizontalRule": return "---"
        case "image":
            let title = attrText(node.attr("title")).map { " \"\($0)\"" } ?? ""
            return "![\(attrText(node.attr("alt")) ?? "")](\(attrText(node.attr("src")) ?? "")\(title))"
        case "bulletList", "taskList", "orderedList":
            var number = number(node.attr("start")) ?? 1
            return node.content.map { item -> String in
                let body = self.blocks(item.content).joined(separator: "\n\n")
                let marker: String
                if node.type == "orderedList" {
                    marker = "\(number). "
                    number += 1
                } else if item.type == "taskItem" {
                    marker = item.attr("checked") == .bool(true) ? "- [x] " : "- [ ] "
                } else {
                    marker = "- "
                }
                return indent(body, first: marker, rest: String(repeating: " ", count: marker.count))
            }.joined(separator: "\n")
        case "table":
            var rows = node.content.map { row in
                row.content.map { cell in
                    self.blocks(cell.content).joined(separator: " ").replacingPipes()
                }
            }
            guard let header = rows.first else { return "" }
            rows.removeFirst()
            var lines = ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in " --- |" }.joined()]
            lines += rows.map { "| " + $0.joined(separator: " | ") + " |" }
            return lines.joined(separator: "\n")
        default:
            return node.content.contains { $0.type == "text" } ? self.inline(node.content) : self.blocks(node.content)
                .joined(separator: "\n\n")
        }
    }

    static func escapeMarkdown(_ s: String) -> String {
        var out = ""
        for c in s {
            if "\\*_`[]<>".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func inline(_ nodes: [ProseMirrorNode]) -> String {
        var out = ""
        for node in nodes {
            if node.type == "hardBreak" {
                out += "\\\n"
                continue
            }
            guard let text = node.text else { continue }
            let isCode = node.marks.contains { $0.type == "code" }
            var s = isCode ? "`" + text + "`" : escapeMarkdown(text)
            for mark in node.marks.reversed() {
                switch mark.type {
                case "bold": s = "**" + s + "**"
                case "italic": s = "*" + s + "*"
                case "strike": s = "~~" + s + "~~"
                case "underline": s = "<u>" + s + "</u>"
                case "link":
                    s = "[" + s + "](" + (attrText(mark.attrs.first { $0.key == "href" }?.value) ?? "") + ")"
                default: break
                }
            }
            out += s
        }
        return out
    }
}

extension String {
    fileprivate func replacingPipes() -> String {
        var out = ""
        for c in self {
            if c == "|" { out += "\\|" } else if c == "\n" { out += " " } else { out.append(c) }
        }
        return out
    }
}

extension Document {
    /// The note in a fragment as HTML (TipTap `getHTML()` for the default schema).
    public func html(_ fragment: XmlFragmentRef) -> String { NoteRenderer.html(self.prosemirrorDocument(fragment)) }

    /// The note in a fragment as Markdown.
    public func markdown(_ fragment: XmlFragmentRef) -> String {
        NoteRenderer.markdown(self.prosemirrorDocument(fragment))
    }

    /// The note in a fragment as plain text.
    public func plainText(_ fragment: XmlFragmentRef) -> String {
        NoteRenderer.plainText(self.prosemirrorDocument(fragment))
    }
}
