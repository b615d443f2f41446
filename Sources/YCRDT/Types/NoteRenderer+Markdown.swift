/// Markdown (CommonMark with GFM tables, task items and strikethrough) for TipTap's default schema.
///
/// Blocks are separated by a blank line: `#` headings, `>` quotes, fenced code with its language (the fence is longer
/// than any backtick run inside), `---`, `-` and `1.` lists (tight; nested content indented by the marker's width;
/// `- [ ]` / `- [x]` task items), GFM tables (first row as header, cells' paragraphs joined by `<br>`). Inline:
/// `**bold**`, `*italic*`, `~~strike~~`, `<u>underline</u>`, `` `code` ``, `[text](href "title")`,
/// `![alt](src "title")`, hard breaks as `\` + newline. Whitespace at the edges of a marked run is moved outside the
/// delimiters so the emphasis still parses, and text is escaped (see `escape(_:atLineStart:inTable:)`).
/// Unknown nodes render their children; unknown marks are ignored.
enum MarkdownWriter {
    /// The Markdown of a `doc` node (or any block node).
    static func render(_ node: ProseMirrorNode) -> String {
        Self.block(node) ?? ""
    }

    // MARK: Blocks

    /// One block as Markdown lines (no trailing newline); nil when it renders to nothing.
    static func block(_ node: ProseMirrorNode) -> String? {
        if node.isText { return Self.nonEmpty(Self.inline([node], .normal)) }
        switch node.type {
        case "paragraph":
            return Self.inline(node.content, .normal)
        case "heading":
            let level = min(max(node.intAttr("level") ?? 1, 1), 6)
            return String(repeating: "#", count: level) + " " + Self.inline(node.content, .heading)
        case "blockquote":
            return Self.prefixLines(Self.blocks(node.content), first: "> ", rest: "> ")
        case "bulletList":
            return Self.list(node.content) { _, _ in "- " }
        case "orderedList":
            let start = node.intAttr("start") ?? 1
            return Self.list(node.content) { index, _ in "\(start + index). " }
        case "taskList":
            return Self.list(node.content) { _, item in HTMLWriter.isChecked(item) ? "- [x] " : "- [ ] " }
        case "listItem", "taskItem":
            return Self.list([node]) { _, item in
                item.type == "taskItem" ? (HTMLWriter.isChecked(item) ? "- [x] " : "- [ ] ") : "- "
            }
        case "codeBlock":
            return Self.codeBlock(node)
        case "horizontalRule":
            return "---"
        case "hardBreak":
            return nil
        case "image":
            return Self.image(node)
        case "table":
            return Self.table(node)
        default:
            // `blocks` writes runs of inline nodes as paragraphs, so mixed content keeps its block structure.
            return Self.nonEmpty(Self.blocks(node.content))
        }
    }

    /// Blocks joined by blank lines, skipping those that render to nothing.
    static func blocks(_ nodes: [ProseMirrorNode]) -> String {
        var parts: [String] = []
        var index = 0
        // Runs of inline nodes at block level (a text at the top of a fragment) form one paragraph.
        while index < nodes.count {
            if nodes[index].isInlineContent {
                var end = index
                while end < nodes.count && nodes[end].isInlineContent { end += 1 }
                if let text = Self.nonEmpty(Self.inline(Array(nodes[index..<end]), .normal)) { parts.append(text) }
                index = end
            } else {
                if let text = Self.block(nodes[index]), !text.isEmpty { parts.append(text) }
                index += 1
            }
        }
        return parts.joined(separator: "\n\n")
    }

    private static func list(_ items: [ProseMirrorNode], marker: (Int, ProseMirrorNode) -> String) -> String? {
        var lines: [String] = []
        for (index, item) in items.enumerated() {
            let first = marker(index, item)
            let body = Self.itemBody(item)
            if body.isEmpty {
                lines.append(String(first.dropLast()))
            } else {
                lines.append(Self.prefixLines(body, first: first, rest: String(repeating: " ", count: first.count)))
            }
        }
        return Self.nonEmpty(lines.joined(separator: "\n"))
    }

    /// The content of a list item: its blocks, a nested list directly under the preceding block (tight).
    private static func itemBody(_ item: ProseMirrorNode) -> String {
        let lists: Set<String> = ["bulletList", "orderedList", "taskList"]
        guard item.type == "listItem" || item.type == "taskItem" else { return Self.block(item) ?? "" }
        var out = ""
        for child in item.content {
            guard let text = Self.block(child), !text.isEmpty else { continue }
            if !out.isEmpty { out += lists.contains(child.type) ? "\n" : "\n\n" }
            out += text
        }
        return out
    }

    /// Prefixes the first line with `first` and the others with `rest` (blank lines get `rest` without trailing
    /// spaces, so a quote stays `>` and a list item's blank line stays empty).
    static func prefixLines(_ text: String, first: String, rest: String) -> String {
        var out = ""
        var isFirst = true
        let blankPrefix = String(rest.reversed().drop { $0 == " " }.reversed())
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !isFirst { out += "\n" }
            if line.isEmpty {
                out += isFirst ? String(first.reversed().drop { $0 == " " }.reversed()) : blankPrefix
            } else {
                out += (isFirst ? first : rest) + line
            }
            isFirst = false
        }
        return out
    }

    private static func codeBlock(_ node: ProseMirrorNode) -> String {
        // Without CR, so that CRLF line ends split into lines (a CRLF is one Character).
        let code = String(String.UnicodeScalarView(node.textContent.unicodeScalars.filter { $0 != "\r" }))
        var longest = 0
        var run = 0
        for c in code.unicodeScalars {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        // A backtick fence's info string may not contain backticks, nor (to stay one word) line breaks.
        let language = (node.stringAttr("language") ?? "").unicodeScalars.filter { $0 != "`" && $0.value > 0x20 }
        var info = ""
        info.unicodeScalars.append(contentsOf: language)
        return fence + info + "\n" + code + (code.isEmpty || code.hasSuffix("\n") ? "" : "\n") + fence
    }

    private static func table(_ node: ProseMirrorNode) -> String? {
        let rows: [[String]] = node.content.filter { $0.type == "tableRow" }.map { row in
            row.content.map { cell in
                var parts: [String] = []
                for child in cell.content {
                    let text = child.isInlineContent ? Self.inline([child], .table) : Self.inline(child.content, .table)
                    parts.append(text)
                }
                return parts.filter { !$0.isEmpty }.joined(separator: "<br>")
            }
        }
        let columns = rows.map(\.count).max() ?? 0
        guard columns > 0 else { return nil }
        func line(_ cells: [String]) -> String {
            let padded = cells + Array(repeating: "", count: columns - cells.count)
            return "| " + padded.joined(separator: " | ") + " |"
        }
        var lines = [line(rows[0]), "| " + Array(repeating: "---", count: columns).joined(separator: " | ") + " |"]
        lines.append(contentsOf: rows.dropFirst().map(line))
        return lines.joined(separator: "\n")
    }

    static func image(_ node: ProseMirrorNode) -> String {
        let src = node.stringAttr("src") ?? ""
        var out = "![" + Self.escapeLabel(node.stringAttr("alt") ?? "") + "]("
        out += Self.destination(isAllowedURI(src, images: true) ? src : "")
        if let title = node.stringAttr("title") { out += " \"" + Self.escapeTitle(title) + "\"" }
        return out + ")"
    }

    private static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }
}

extension ProseMirrorNode {
    /// Whether the node belongs in inline content (text, hard break, image, or an unknown node holding text).
    var isInlineContent: Bool {
        if self.isText || self.type == "hardBreak" || self.type == "image" { return true }
        return false
    }
}
