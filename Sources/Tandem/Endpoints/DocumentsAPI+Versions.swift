import Wire
import YCRDT

/// Rendering and comparing versions.
extension DocumentsAPI {
    /// A version as text, Markdown, HTML, ProseMirror JSON or the raw v1 state.
    func render(_ documentID: String, version id: String, format: String) async throws -> HTTPResponse {
        let (version, state) = try await manager.version(documentID, id: id)
        if format == "raw" {
            var headers: HTTPHeaders = ["content-type": "application/octet-stream"]
            if let version { headers.set("x-tandem-version", version.id) }
            return HTTPResponse(status: .ok, headers: headers, body: state)
        }
        let document = try Self.document(state)
        let fragment = manager.configuration.noteFragment
        let rendered = document.renderNote(fragment: fragment)
        switch format {
        case "text": return .text(Self.plainText(document, rendered: rendered))
        case "markdown": return HTTPResponse(status: .ok, contentType: "text/markdown; charset=utf-8", body: rendered.markdown)
        case "html": return HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: rendered.html)
        case "prosemirror": return .json(rendered.jsonText)
        default: throw APIError.make(.badRequest, "format must be text, markdown, html, prosemirror or raw")
        }
    }

    static func document(_ state: [UInt8]) throws -> Document {
        var document = Document()
        do { document.apply(try Update(v1: state)) } catch {
            throw APIError.make(.internalServerError, "stored state does not decode")
        }
        return document
    }

    /// The note's text, else the first text root's.
    static func plainText(_ document: Document, rendered: RenderedNote) -> String {
        if !rendered.text.isEmpty { return rendered.text }
        for name in document.rootNames {
            if let (ref, _) = document.root(named: name), document.kind(of: ref) == .text {
                return document.string(TextRef(typeIndex: ref.typeIndex))
            }
        }
        return ""
    }

    /// Blocks (top-level nodes, as plain text) removed and added from `from` to `to`, changed blocks with the text
    /// removed and inserted (common prefix and suffix), and the authors of the versions in between.
    func diff(_ documentID: String, from: String, to: String) async throws -> HTTPResponse {
        let (a, old) = try await manager.version(documentID, id: from)
        let (b, new) = try await manager.version(documentID, id: to)
        let report = BlockDiff.compare(try Self.blocks(Self.document(old), manager.configuration.noteFragment),
                                       try Self.blocks(Self.document(new), manager.configuration.noteFragment))
        let versions = try await manager.versions(documentID)
        let lower = a.flatMap { v in versions.firstIndex { $0.id == v.id } } ?? -1
        let upper = b.flatMap { v in versions.firstIndex { $0.id == v.id } } ?? versions.count
        var authors = Set<String>()
        if lower + 1 < upper { for v in versions[(lower + 1)..<upper] { authors.insert(v.author) } }
        if let b { authors.insert(b.author) }
        var json = report.json
        if case .object(var object) = json {
            object["from"] = .string(from)
            object["to"] = .string(to)
            object["authors"] = .array(authors.sorted().map(JSONValue.string))
            json = .object(object)
        }
        return .json(json.serialized())
    }

    /// The plain text of each top-level block of the note (or the lines of the first text root): what a version
    /// diff compares (public for `tandem-bench history`).
    public static func blocks(_ document: Document, _ fragment: String) -> [String] {
        let rendered = document.renderNote(fragment: fragment)
        if rendered.document.content.isEmpty {
            return plainText(document, rendered: rendered).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        return rendered.document.content.map { NoteRenderer.plainText(ProseMirrorNode("doc", content: [$0])) }
    }
}

/// A comparison of two lists of blocks (``SequenceAlignment``), with character-level changes of paired blocks.
///
/// The body of `GET /api/v1/documents/{id}/versions/{v}/diff` (Docs/history.md); public for `tandem-bench history`.
public struct BlockDiff {
    /// Blocks only in the newer list.
    public var added: [String] = []
    /// Blocks only in the older list.
    public var removed: [String] = []
    /// Paired blocks that differ, with the text removed and inserted between their common prefix and suffix.
    public var changed: [(before: String, after: String, removed: String, inserted: String)] = []

    /// Aligns `old` and `new` by content and pairs the blocks of each differing region in order.
    public static func compare(_ old: [String], _ new: [String]) -> BlockDiff {
        var diff = BlockDiff()
        for gap in SequenceAlignment.gaps(old, new) {
            let pairs = min(gap.old.count, gap.new.count)
            for k in 0..<pairs {
                let (a, b) = (Array(old[gap.old.lowerBound + k].unicodeScalars), Array(new[gap.new.lowerBound + k].unicodeScalars))
                var p = 0
                while p < a.count, p < b.count, a[p] == b[p] { p += 1 }
                var s = 0
                while s < a.count - p, s < b.count - p, a[a.count - 1 - s] == b[b.count - 1 - s] { s += 1 }
                var removed = String.UnicodeScalarView()
                removed.append(contentsOf: a[p..<(a.count - s)])
                var inserted = String.UnicodeScalarView()
                inserted.append(contentsOf: b[p..<(b.count - s)])
                diff.changed.append((old[gap.old.lowerBound + k], new[gap.new.lowerBound + k], String(removed), String(inserted)))
            }
            diff.removed += old[(gap.old.lowerBound + pairs)..<gap.old.upperBound]
            diff.added += new[(gap.new.lowerBound + pairs)..<gap.new.upperBound]
        }
        return diff
    }

    /// `{added, removed, changed:[{before, after, removed, inserted}]}`.
    public var json: JSONValue {
        [
            "added": .array(added.map(JSONValue.string)), "removed": .array(removed.map(JSONValue.string)),
            "changed": .array(
                changed.map {
                    ["before": .string($0.before), "after": .string($0.after), "removed": .string($0.removed), "inserted": .string($0.inserted)]
                }),
        ]
    }
}
