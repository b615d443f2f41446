/// Inline Markdown: marks as delimiters, escaping, code spans, links and images.
extension MarkdownWriter {
    /// Where inline content is written: hard breaks and `|` depend on it.
    enum InlineContext {
        /// A paragraph: hard break as `\` + newline.
        case normal
        /// A heading (one line): hard break as a space.
        case heading
        /// A GFM table cell (one line): hard break as `<br>`, `|` escaped.
        case table
    }

    /// Inline nodes as Markdown. Marks shared with the previous text stay open; whitespace at the edges of a marked
    /// run goes outside the delimiters (`**a** b`, not `**a **b`).
    static func inline(_ nodes: [ProseMirrorNode], _ context: InlineContext) -> String {
        var out = ""
        var active: [ProseMirrorNode.Mark] = []
        var pending = ""
        func close(to count: Int) {
            while active.count > count { out += Self.delimiters(active.removeLast()).close }
        }
        func atLineStart() -> Bool { out.isEmpty || out.hasSuffix("\n") }
        for node in ProseMirrorNode.mergingText(nodes) {
            guard let text = node.text else {
                close(to: 0)
                out += pending
                pending = ""
                switch node.type {
                case "hardBreak":
                    switch context {
                    case .normal: out += "\\\n"
                    case .heading: out += " "
                    case .table: out += "<br>"
                    }
                case "image":
                    out += Self.image(node)
                default:
                    out += Self.inline(node.content, context)
                }
                continue
            }
            let isCode = node.marks.contains { $0.type == "code" }
            let marks = node.marks.filter { $0.type != "code" && Self.hasDelimiters($0) }
            let (lead, core, trail) = isCode ? ("", text, "") : Self.splitWhitespace(text)
            if core.isEmpty {
                pending += lead
                continue
            }
            var keep = 0
            while keep < active.count && keep < marks.count && active[keep] == marks[keep] { keep += 1 }
            close(to: keep)
            let space = pending + lead
            if !space.isEmpty && atLineStart() {
                // Leading whitespace would be stripped (or start an indented code block): keep it as a reference.
                out += (space.hasPrefix("\t") ? "&#9;" : "&#32;") + space.dropFirst()
            } else {
                out += space
            }
            pending = ""
            for mark in marks[keep...] {
                out += Self.delimiters(mark).open
                active.append(mark)
            }
            if isCode {
                out += Self.codeSpan(core, context)
            } else {
                out += Self.escape(core, atLineStart: atLineStart(), inTable: context == .table)
            }
            pending = trail
        }
        close(to: 0)
        out += pending
        return out
    }

    private static func hasDelimiters(_ mark: ProseMirrorNode.Mark) -> Bool {
        ["bold", "italic", "strike", "underline", "link", "subscript", "superscript", "highlight"].contains(mark.type)
    }

    private static func delimiters(_ mark: ProseMirrorNode.Mark) -> (open: String, close: String) {
        switch mark.type {
        case "bold": return ("**", "**")
        case "italic": return ("*", "*")
        case "strike": return ("~~", "~~")
        case "underline": return ("<u>", "</u>")
        case "subscript": return ("<sub>", "</sub>")
        case "superscript": return ("<sup>", "</sup>")
        case "highlight": return ("<mark>", "</mark>")
        case "link":
            let href = mark.stringAttr("href") ?? ""
            var close = "](" + Self.destination(isAllowedURI(href) ? href : "")
            if let title = mark.stringAttr("title") { close += " \"" + Self.escapeTitle(title) + "\"" }
            return ("[", close + ")")
        default: return ("", "")
        }
    }

    /// Splits leading and trailing spaces and tabs off a run.
    private static func splitWhitespace(_ text: String) -> (String, String, String) {
        let scalars = Array(text.unicodeScalars)
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" }
        var start = 0
        while start < scalars.count && isSpace(scalars[start]) { start += 1 }
        var end = scalars.count
        while end > start && isSpace(scalars[end - 1]) { end -= 1 }
        func string(_ slice: ArraySlice<Unicode.Scalar>) -> String {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: slice)
            return String(s)
        }
        return (string(scalars[..<start]), string(scalars[start..<end]), string(scalars[end...]))
    }

    /// A code span whose backtick fence is longer than any run inside, padded when the code starts or ends with a
    /// backtick or a space (CommonMark strips one space from each side).
    private static func codeSpan(_ code: String, _ context: InlineContext) -> String {
        var code = code.replacingNewlines(with: " ")
        if context == .table { code = code.replacingPipes() }
        var longest = 0
        var run = 0
        for c in code.unicodeScalars {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = code.hasPrefix("`") || code.hasSuffix("`") || (code.hasPrefix(" ") && code.hasSuffix(" "))
        return fence + (pad ? " " + code + " " : code) + fence
    }

    /// Escapes Markdown syntax in text: backslash, `*`, `_`, `` ` ``, `[`, `]`, `<`, `>`, `~` everywhere, `|` in
    /// tables, `&` before what could be an entity; at the start of a line also `#`, `-`, `+`, `=`, the `.` or `)` of
    /// a number (ordered-list markers), and a leading space or tab (written as a character reference so that it
    /// neither starts an indented code block nor disappears). A newline becomes a hard break (`\` + newline).
    static func escape(_ text: String, atLineStart: Bool, inTable: Bool) -> String {
        var out = ""
        var lineStart = atLineStart
        var digitsAtLineStart = false
        let scalars = Array(text.unicodeScalars)
        for (i, c) in scalars.enumerated() {
            if lineStart {
                lineStart = false
                switch c {
                case "#", "-", "+", "=":
                    out += "\\" + String(c)
                    continue
                case " ": out += "&#32;"; continue
                case "\t": out += "&#9;"; continue
                case "0"..."9":
                    digitsAtLineStart = true
                    out.unicodeScalars.append(c)
                    continue
                default: break
                }
            }
            if digitsAtLineStart {
                if c >= "0" && c <= "9" {
                    out.unicodeScalars.append(c)
                    continue
                }
                digitsAtLineStart = false
                if c == "." || c == ")" {
                    out += "\\" + String(c)
                    continue
                }
            }
            switch c {
            case "\\", "*", "_", "`", "[", "]", "<", ">", "~":
                out += "\\" + String(c)
            case "|":
                out += inTable ? "\\|" : "|"
            case "&":
                let next = i + 1 < scalars.count ? scalars[i + 1] : " "
                let entityLike = next == "#" || (next >= "a" && next <= "z") || (next >= "A" && next <= "Z")
                out += entityLike ? "\\&" : "&"
            case "\n":
                out += inTable ? "<br>" : "\\\n"
                lineStart = !inTable
            case "\r":
                continue
            default:
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Escapes link text or image alt text.
    static func escapeLabel(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\", "[", "]": out += "\\" + String(c)
            case "\n", "\r": out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Escapes a link title for `"…"`.
    static func escapeTitle(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\", "\"": out += "\\" + String(c)
            case "\n", "\r": out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A link destination: spaces, parentheses, angle brackets and control characters percent-encoded.
    static func destination(_ url: String) -> String {
        var out = ""
        for c in url.unicodeScalars {
            switch c {
            case " ": out += "%20"
            case "(": out += "%28"
            case ")": out += "%29"
            case "<": out += "%3C"
            case ">": out += "%3E"
            case "\\": out += "%5C"
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    let hex = Array("0123456789ABCDEF".unicodeScalars)
                    out += "%"
                    out.unicodeScalars.append(hex[Int(c.value >> 4)])
                    out.unicodeScalars.append(hex[Int(c.value & 15)])
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }
}

extension String {
    fileprivate func replacingNewlines(with replacement: String) -> String {
        var out = ""
        for c in self.unicodeScalars {
            if c == "\n" || c == "\r" { out += replacement } else { out.unicodeScalars.append(c) }
        }
        return out
    }

    fileprivate func replacingPipes() -> String {
        var out = ""
        for c in self.unicodeScalars {
            if c == "|" { out += "\\|" } else { out.unicodeScalars.append(c) }
        }
        return out
    }
}
