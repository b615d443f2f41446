/// HTML for TipTap's default schema, as `editor.getHTML()` writes it (StarterKit, task lists, image, table, link,
/// underline).
///
/// Nodes: `paragraph` `<p>`, `heading` `<h1>`–`<h6>` (`level`, clamped), `blockquote`, `bulletList` `<ul>`,
/// `orderedList` `<ol>` (`start` when not 1), `listItem` `<li>`, `taskList` `<ul data-type="taskList">`,
/// `taskItem` `<li data-checked data-type="taskItem">` with TipTap's label/checkbox/div structure, `codeBlock`
/// `<pre><code class="language-x">`, `horizontalRule` `<hr>`, `hardBreak` `<br>`, `image` `<img src alt title>`,
/// `table` `<table><tbody>`, `tableRow` `<tr>`, `tableHeader` `<th>`, `tableCell` `<td>` (colspan, rowspan,
/// colwidth as `data-colwidth`). Marks: `bold` `<strong>`, `italic` `<em>`, `strike` `<s>`, `underline` `<u>`,
/// `code` `<code>`, `link` `<a target rel href>`, `subscript`, `superscript`, `highlight` `<mark>`. Marks open and
/// close across adjacent text nodes as ProseMirror's `DOMSerializer` nests them. Unknown nodes render their children
/// only; unknown marks are skipped. Text is escaped as the HTML serialisation algorithm does (`&`, `<`, `>`, U+00A0),
/// attribute values also `"` (and `<`, `>`). A link or image URL with a script-capable scheme is dropped, as
/// TipTap's `isAllowedUri` does.
enum HTMLWriter {
    /// The HTML of a `doc` node (or any node).
    static func render(_ node: ProseMirrorNode) -> String {
        var out = ""
        Self.write(node, into: &out)
        return out
    }

    static func write(_ node: ProseMirrorNode, into out: inout String) {
        if let text = node.text {
            out += escapeText(text)
            return
        }
        switch node.type {
        case "paragraph":
            Self.element("p", Self.alignment(node), node, into: &out)
        case "heading":
            let level = min(max(node.intAttr("level") ?? 1, 1), 6)
            Self.element("h\(level)", Self.alignment(node), node, into: &out)
        case "blockquote":
            Self.element("blockquote", [], node, into: &out)
        case "bulletList":
            Self.element("ul", [], node, into: &out)
        case "orderedList":
            var attributes: [(String, String)] = []
            if let start = node.intAttr("start"), start != 1 { attributes.append(("start", String(start))) }
            if let type = node.stringAttr("type") { attributes.append(("type", type)) }
            Self.element("ol", attributes, node, into: &out)
        case "listItem":
            Self.element("li", [], node, into: &out)
        case "taskList":
            Self.element("ul", [("data-type", "taskList")], node, into: &out)
        case "taskItem":
            let checked = Self.isChecked(node)
            out += "<li data-checked=\"\(checked)\" data-type=\"taskItem\"><label><input type=\"checkbox\""
            out += checked ? " checked=\"checked\"" : ""
            out += "><span></span></label><div>"
            Self.children(node.content, into: &out)
            out += "</div></li>"
        case "codeBlock":
            out += "<pre><code"
            if let language = node.stringAttr("language"), !language.isEmpty {
                out += " class=\"language-" + escapeAttribute(language) + "\""
            }
            out += ">" + escapeText(node.textContent) + "</code></pre>"
        case "horizontalRule":
            out += "<hr>"
        case "hardBreak":
            out += "<br>"
        case "image":
            out += "<img"
            Self.attributes(Self.imageAttributes(node), into: &out)
            out += ">"
        case "table":
            out += "<table><tbody>"
            Self.children(node.content, into: &out)
            out += "</tbody></table>"
        case "tableRow":
            Self.element("tr", [], node, into: &out)
        case "tableHeader", "tableCell":
            var attributes: [(String, String)] = []
            for key in ["colspan", "rowspan"] {
                if let value = node.intAttr(key) { attributes.append((key, String(value))) }
            }
            if case .array(let widths)? = node.attr("colwidth") {
                attributes.append(("data-colwidth", widths.map(javaScriptString).joined(separator: ",")))
            }
            Self.element(node.type == "tableHeader" ? "th" : "td", attributes, node, into: &out)
        default:
            Self.children(node.content, into: &out)
        }
    }

    private static func element(_ tag: String, _ attributes: [(String, String)], _ node: ProseMirrorNode, into out: inout String) {
        out += "<" + tag
        Self.attributes(attributes, into: &out)
        out += ">"
        Self.children(node.content, into: &out)
        out += "</" + tag + ">"
    }

    private static func attributes(_ attributes: [(String, String)], into out: inout String) {
        for (key, value) in attributes { out += " " + key + "=\"" + escapeAttribute(value) + "\"" }
    }

    /// Children with marks opened and closed as ProseMirror's `DOMSerializer.serializeFragment` does: marks shared
    /// with the previous node stay open, the rest close and the new ones open, in the node's mark order.
    static func children(_ nodes: [ProseMirrorNode], into out: inout String) {
        var active: [ProseMirrorNode.Mark] = []
        for node in nodes {
            let marks = node.marks.filter { Self.markTag($0) != nil }
            var keep = 0
            while keep < active.count && keep < marks.count && active[keep] == marks[keep] { keep += 1 }
            while active.count > keep { out += "</" + (Self.markTag(active.removeLast())?.tag ?? "") + ">" }
            for mark in marks[keep...] {
                guard let (tag, attributes) = Self.markTag(mark) else { continue }
                out += "<" + tag
                Self.attributes(attributes, into: &out)
                out += ">"
                active.append(mark)
            }
            Self.write(node, into: &out)
        }
        while let mark = active.popLast() { out += "</" + (Self.markTag(mark)?.tag ?? "") + ">" }
    }

    private static func markTag(_ mark: ProseMirrorNode.Mark) -> (tag: String, attributes: [(String, String)])? {
        switch mark.type {
        case "bold": return ("strong", [])
        case "italic": return ("em", [])
        case "strike": return ("s", [])
        case "underline": return ("u", [])
        case "code": return ("code", [])
        case "subscript": return ("sub", [])
        case "superscript": return ("sup", [])
        case "highlight":
            guard let color = mark.stringAttr("color") else { return ("mark", []) }
            return ("mark", [("data-color", color), ("style", "background-color: " + color + "; color: inherit")])
        case "link":
            // TipTap merges its default HTML attributes (target, rel, class) with the mark's, href last.
            var attributes: [(String, String)] = []
            attributes.append(("target", mark.stringAttr("target") ?? "_blank"))
            attributes.append(("rel", mark.stringAttr("rel") ?? "noopener noreferrer nofollow"))
            if let cls = mark.stringAttr("class") { attributes.append(("class", cls)) }
            let href = mark.stringAttr("href") ?? ""
            attributes.append(("href", isAllowedURI(href) ? href : ""))
            return ("a", attributes)
        default:
            return nil
        }
    }

    private static func imageAttributes(_ node: ProseMirrorNode) -> [(String, String)] {
        var attributes: [(String, String)] = []
        if let src = node.stringAttr("src") { attributes.append(("src", isAllowedURI(src, images: true) ? src : "")) }
        for key in ["alt", "title", "width", "height"] {
            if let value = node.stringAttr(key) { attributes.append((key, value)) }
        }
        return attributes
    }

    private static func alignment(_ node: ProseMirrorNode) -> [(String, String)] {
        guard let align = node.stringAttr("textAlign"), ["left", "center", "right", "justify"].contains(align) else {
            return []
        }
        return [("style", "text-align: " + align)]
    }

    static func isChecked(_ node: ProseMirrorNode) -> Bool {
        switch node.attr("checked") {
        case .bool(true)?: return true
        case .string(let s)?: return s == "true"
        default: return false
        }
    }
}

/// Escapes text content as the HTML fragment serialisation algorithm does.
func escapeText(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" || $0 == "\u{A0}" }) else {
        return text
    }
    var out = ""
    out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 16)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\u{A0}": out += "&nbsp;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Escapes a double-quoted attribute value (`&`, `"`, U+00A0, and `<`, `>` as current HTML serialisers do).
func escapeAttribute(_ text: String) -> String {
    var out = ""
    out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "\"": out += "&quot;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\u{A0}": out += "&nbsp;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Whether a URL may be written into `href` / `src`: relative URLs and the schemes TipTap's link extension allows
/// (`http`, `https`, `ftp`, `ftps`, `mailto`, `tel`, `callto`, `sms`, `cid`, `xmpp`), plus `data:image/…` for
/// images. Like browsers, ASCII whitespace and control characters are ignored when reading the scheme, so
/// `java\tscript:` is caught.
func isAllowedURI(_ uri: String, images: Bool = false) -> Bool {
    var scheme = ""
    for scalar in uri.unicodeScalars {
        if scalar.value <= 0x20 { continue }
        if scalar == ":" {
            let allowed = ["http", "https", "ftp", "ftps", "mailto", "tel", "callto", "sms", "cid", "xmpp"]
            if allowed.contains(scheme) { return true }
            if images && scheme == "data" {
                return uri.lowercased().drop { $0 == " " }.hasPrefix("data:image/")
            }
            return false
        }
        if scalar == "/" || scalar == "?" || scalar == "#" { return true }
        let isSchemeChar =
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
            || scalar == "+" || scalar == "-" || scalar == "."
        if !isSchemeChar { return true }
        scheme.unicodeScalars.append(contentsOf: String(scalar).lowercased().unicodeScalars)
    }
    return true
}
