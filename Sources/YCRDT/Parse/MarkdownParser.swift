/// Markdown and plain text to ProseMirror (TipTap's default schema), for server-side content writes.
///
/// A deliberately small CommonMark subset, the inverse of ``NoteRenderer/markdown(_:)``: ATX headings, paragraphs,
/// `-`/`*`/`+` and `1.` lists (nested by indentation), `>` quotes, fenced code, `---` rules; inline `**bold**`,
/// `*italic*`, `~~strike~~`, `` `code` ``, `[text](href)`, backslash escapes, `&…;` entities and `\`-newline hard
/// breaks. Anything else is text. Input never traps; nesting is bounded by ``ProseMirrorLimits/maxDepth``.
public enum MarkdownParser {
    /// The `doc` node of `markdown`.
    public static func parse(_ markdown: String, limits: ProseMirrorLimits = ProseMirrorLimits()) -> ProseMirrorNode {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        return ProseMirrorNode("doc", content: blocks(lines[...], depth: 1, limits: limits))
    }

    /// The `doc` node of plain text: blocks separated by blank lines become paragraphs, single newlines hard breaks
    /// (the inverse of ``NoteRenderer/plainText(_:)``).
    public static func parsePlainText(_ text: String) -> ProseMirrorNode {
        let normalized = text.replacingCRLF()
        var paragraphs: [ProseMirrorNode] = []
        var blocks: [String] = []
        var current: [Substring] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty, !current.isEmpty {
                blocks.append(current.joined(separator: "\n"))
                current.removeAll()
            } else if !line.isEmpty || !current.isEmpty {
                current.append(line)
            }
        }
        if !current.isEmpty { blocks.append(current.joined(separator: "\n")) }
        for block in blocks {
            var content: [ProseMirrorNode] = []
            for (i, line) in block.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if i > 0 { content.append(ProseMirrorNode("hardBreak")) }
                if !line.isEmpty { content.append(.text(String(line))) }
            }
            paragraphs.append(ProseMirrorNode("paragraph", content: content))
        }
        return ProseMirrorNode("doc", content: paragraphs)
    }

    static func blocks(_ lines: ArraySlice<String>, depth: Int, limits: ProseMirrorLimits) -> [ProseMirrorNode] {
        guard depth <= limits.maxDepth else { return [] }
        var out: [ProseMirrorNode] = []
        var i = lines.startIndex
        var paragraph: [String] = []
        func flush() {
            if !paragraph.isEmpty { out.append(ProseMirrorNode("paragraph", content: inline(paragraph.joined(separator: "\n")))) }
            paragraph.removeAll()
        }
        while i < lines.endIndex {
            let line = lines[i]
            let trimmed = line.trimmingLeadingSpaces()
            if trimmed.isEmpty {
                flush()
                i += 1
            } else if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                flush()
                let fence = String(trimmed.prefix(3))
                let language = trimmed.dropFirst(3).trimmingCharacters()
                var code: [String] = []
                i += 1
                while i < lines.endIndex, !lines[i].trimmingLeadingSpaces().hasPrefix(fence) {
                    code.append(lines[i])
                    i += 1
                }
                i += 1
                let text = code.joined(separator: "\n")
                out.append(
                    ProseMirrorNode(
                        "codeBlock", attrs: [("language", language.isEmpty ? .null : .string(language))],
                        content: text.isEmpty ? [] : [.text(text)]))
            } else if let level = headingLevel(trimmed) {
                flush()
                let text = trimmed.dropFirst(level).trimmingCharacters()
                out.append(ProseMirrorNode("heading", attrs: [("level", .number(Double(level)))], content: inline(text)))
                i += 1
            } else if isRule(trimmed) {
                flush()
                out.append(ProseMirrorNode("horizontalRule"))
                i += 1
            } else if trimmed.hasPrefix(">") {
                flush()
                var quoted: [String] = []
                while i < lines.endIndex, lines[i].trimmingLeadingSpaces().hasPrefix(">") {
                    var rest = lines[i].trimmingLeadingSpaces().dropFirst()
                    if rest.hasPrefix(" ") { rest = rest.dropFirst() }
                    quoted.append(String(rest))
                    i += 1
                }
                out.append(ProseMirrorNode("blockquote", content: blocks(quoted[...], depth: depth + 1, limits: limits)))
            } else if let marker = listMarker(line) {
                flush()
                var items: [ProseMirrorNode] = []
                while i < lines.endIndex, let item = listMarker(lines[i]), item.ordered == marker.ordered,
                    item.indent == marker.indent
                {
                    var body = [String(lines[i].dropFirst(item.width))]
                    i += 1
                    while i < lines.endIndex {
                        let next = lines[i]
                        let indent = next.prefix(while: { $0 == " " }).count
                        if next.trimmingLeadingSpaces().isEmpty {
                            // A blank line continues the item only when indented content follows.
                            if i + 1 < lines.endIndex, lines[i + 1].prefix(while: { $0 == " " }).count >= item.width {
                                body.append("")
                                i += 1
                                continue
                            }
                            break
                        }
                        if indent >= item.width {
                            body.append(String(next.dropFirst(item.width)))
                        } else if listMarker(next) == nil, !isRule(next.trimmingLeadingSpaces()), headingLevel(next) == nil {
                            body.append(next.trimmingLeadingSpaces())  // lazy continuation
                        } else {
                            break
                        }
                        i += 1
                    }
                    items.append(ProseMirrorNode("listItem", content: blocks(body[...], depth: depth + 2, limits: limits)))
                }
                if marker.ordered {
                    out.append(ProseMirrorNode("orderedList", attrs: [("start", .number(Double(marker.start)))], content: items))
                } else {
                    out.append(ProseMirrorNode("bulletList", content: items))
                }
            } else {
                paragraph.append(trimmed)
                i += 1
            }
        }
        flush()
        return out
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        return rest.isEmpty || rest.hasPrefix(" ") ? hashes : nil
    }

    static func isRule(_ line: String) -> Bool {
        let chars = line.filter { $0 != " " }
        guard chars.count >= 3, let first = chars.first, "-*_".contains(first) else { return false }
        return chars.allSatisfy { $0 == first }
    }

    /// A list item's marker: whether it is ordered, its start number, its indent and the width up to the content.
    static func listMarker(_ line: String) -> (ordered: Bool, start: Int, indent: Int, width: Int)? {
        let indent = line.prefix(while: { $0 == " " }).count
        let rest = line.dropFirst(indent)
        if let first = rest.first, "-*+".contains(first) {
            let after = rest.dropFirst()
            guard after.isEmpty || after.hasPrefix(" ") else { return nil }
            return (false, 1, indent, indent + min(2, rest.count))
        }
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        guard (1...9).contains(digits.count) else { return nil }
        let after = rest.dropFirst(digits.count)
        guard after.hasPrefix(".") || after.hasPrefix(")") else { return nil }
        let tail = after.dropFirst()
        guard tail.isEmpty || tail.hasPrefix(" ") else { return nil }
        return (true, Int(digits) ?? 1, indent, indent + digits.count + (tail.isEmpty ? 1 : 2))
    }
}

extension String {
    func trimmingLeadingSpaces() -> String { String(self.drop(while: { $0 == " " || $0 == "\t" })) }

    func replacingCRLF() -> String {
        String(String.UnicodeScalarView(self.unicodeScalars.filter { $0 != "\r" }))
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        let start = self.drop(while: { $0 == " " || $0 == "\t" })
        var end = start.endIndex
        while end > start.startIndex, start[start.index(before: end)] == " " || start[start.index(before: end)] == "\t" {
            end = start.index(before: end)
        }
        return String(start[..<end])
    }
}
