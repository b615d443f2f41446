import YCRDT

/// A readable dump of an update, in the spirit of Yjs `logUpdate`.
enum UpdateDump {
    static func render(_ u: Update, label: String, format: UpdateFormat, byteCount: Int) -> String {
        var lines: [String] = []
        let blockCount = u.sections.reduce(0) { $0 + $1.blocks.count }
        lines.append("\(label): \(format.rawValue) update, \(byteCount) bytes, \(u.sections.count) client section(s), \(blockCount) struct(s)")
        for s in u.sections {
            lines.append("  client \(s.client): \(s.blocks.count) struct(s), clocks \(s.clock)..<\(s.endClock)")
            for b in s.blocks { lines.append("    " + self.describe(b)) }
        }
        let ranges = u.deleteSet.entries.reduce(0) { $0 + $1.ranges.count }
        lines.append("  delete set: \(u.deleteSet.entries.count) client(s), \(ranges) range(s)")
        for e in u.deleteSet.entries {
            let shown = e.ranges.prefix(20).map { "[\($0.clock), \($0.end))" }.joined(separator: " ")
            lines.append("    client \(e.client): \(shown)\(e.ranges.count > 20 ? " … (\(e.ranges.count) ranges)" : "")")
        }
        let sv = u.stateVector.entries.map { "\($0.client): \($0.clock)" }.joined(separator: ", ")
        lines.append("  state vector: {\(sv)}")
        return lines.joined(separator: "\n")
    }

    static func describe(_ b: Block) -> String {
        switch b {
        case .gc(let id, let n): return "\(id) GC length \(n)"
        case .skip(let id, let n): return "\(id) Skip length \(n)"
        case .item(let item):
            var parts = ["\(item.id) Item length \(item.length)"]
            if let o = item.origin { parts.append("origin \(o)") }
            if let r = item.rightOrigin { parts.append("rightOrigin \(r)") }
            switch item.parent {
            case .root(let name)?: parts.append("parent root \(self.quote(name))")
            case .id(let id)?: parts.append("parent \(id)")
            case nil: break
            }
            if let sub = item.parentSub {
                parts.append("key \(self.quote(sub))")
            } else if item.parentSubFlag {
                parts.append("key (from neighbour)")
            }
            parts.append(self.content(item.content))
            return parts.joined(separator: " ")
        }
    }

    static func content(_ c: Content) -> String {
        switch c {
        case .deleted(let n): return "Deleted(\(n))"
        case .json(let a): return "JSON[\(a.count)] \(self.short(a.joined(separator: ", ")))"
        case .binary(let b): return "Binary(\(b.count) bytes)"
        case .string(let s): return "String \(self.quote(self.short(s.string)))"
        case .embed(let v): return "Embed \(self.short(v.jsonText))"
        case .format(let k, let v): return "Format \(self.quote(k))=\(self.short(v.jsonText))"
        case .type(let t):
            switch t {
            case .array: return "Type Array"
            case .map: return "Type Map"
            case .text: return "Type Text"
            case .xmlElement(let name): return "Type XmlElement <\(name)>"
            case .xmlFragment: return "Type XmlFragment"
            case .xmlHook(let name): return "Type XmlHook \(self.quote(name))"
            case .xmlText: return "Type XmlText"
            }
        case .any(let a):
            let shown = a.map { $0 == .undefined ? "undefined" : JavaScriptJSON.stringify($0) }
            return "Any[\(a.count)] \(self.short(shown.joined(separator: ", ")))"
        case .doc(let guid, let opts): return "Doc guid \(self.quote(guid)) opts \(self.short(JavaScriptJSON.stringify(opts)))"
        }
    }

    static func short(_ s: String) -> String { s.count > 60 ? String(s.prefix(57)) + "…" : s }
    static func quote(_ s: String) -> String { JavaScriptJSON.stringify(.string(s)) }
}
