/// Plain text of a ProseMirror document, as TipTap's `editor.getText()` gives it.
///
/// ProseMirror `textBetween` with TipTap's block separator: every textblock (paragraph, heading, code block, or an
/// unknown node holding inline content), even an empty one, is separated from the previous by a blank line
/// (`"\n\n"`), hard breaks are newlines, and leaf blocks (rules, images) and marks contribute nothing.
enum PlainTextWriter {
    /// The plain text of a `doc` node (or any node).
    static func render(_ node: ProseMirrorNode) -> String {
        var blocks: [String] = []
        Self.collect(node, into: &blocks)
        return blocks.joined(separator: "\n\n")
    }

    private static func collect(_ node: ProseMirrorNode, into blocks: inout [String]) {
        let textblocks: Set<String> = ["paragraph", "heading", "codeBlock"]
        if textblocks.contains(node.type) {
            blocks.append(Self.inlineText(node.content))
            return
        }
        // Runs of inline nodes outside a textblock (text directly in a blockquote or the fragment) form one block.
        var index = 0
        while index < node.content.count {
            if node.content[index].isInlineContent {
                var end = index
                while end < node.content.count && node.content[end].isInlineContent { end += 1 }
                let run = Array(node.content[index..<end])
                if run.contains(where: { $0.isText || $0.type == "hardBreak" }) { blocks.append(Self.inlineText(run)) }
                index = end
            } else {
                Self.collect(node.content[index], into: &blocks)
                index += 1
            }
        }
    }

    private static func inlineText(_ nodes: [ProseMirrorNode]) -> String {
        var out = ""
        for node in nodes {
            if let text = node.text {
                out += text
            } else if node.type == "hardBreak" {
                out += "\n"
            } else if !node.isInlineContent {
                out += Self.inlineText(node.content)
            }
        }
        return out
    }
}
