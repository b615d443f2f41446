/// JSON and string views of shared types, as Yjs prints them (`toJSON` of YMap / YArray / YText, `toString` of the
/// XML types in YXmlElement.js and YXmlText.js).
extension Document {
    /// The JSON value Yjs's `toJSON()` gives: maps as objects, arrays as arrays, texts and XML as strings, binary as
    /// bytes. An undetermined root is read as the kind its content suggests.
    public func toJSON(_ ref: some SharedRef) -> YAny {
        self.json(type: ref.typeIndex)
    }

    /// Every root as `toJSON`, in first-use order.
    public func rootsJSON() -> [(name: String, value: YAny)] {
        self.rootOrder.compactMap { name in
            guard let index = self.roots[name] else { return nil }
            return (name, self.json(type: index))
        }
    }

    func json(type: Int32) -> YAny {
        let kind = self.kind(of: AnyRef(typeIndex: type))
        switch kind {
        case .map, .xmlHook:
            return .object(self.mapEntries(type: type).map { ($0.key, self.json(value: $0.value)) })
        case .array:
            return .array(self.listValues(type: type).map { self.json(value: $0) })
        case .text:
            return .string(self.plainString(type: type))
        case .xmlElement, .xmlFragment, .xmlText:
            return .string(self.xmlString(type: type))
        case .undetermined:
            return .undefined
        }
    }

    func json(value: SharedValue) -> YAny {
        switch value {
        case .any(let v): return v
        case .binary(let bytes): return .bytes(bytes)
        case .type(let ref, _): return self.json(type: ref.typeIndex)
        case .document(let guid): return .object([("guid", .string(guid))])
        case .json(let text): return JavaScriptJSON.parse(text) ?? .undefined
        }
    }

    /// The XML string of a fragment, element or text, exactly as Yjs `toString()` prints it.
    public func xmlString(_ ref: some SharedRef) -> String { self.xmlString(type: ref.typeIndex) }

    func xmlString(type: Int32) -> String {
        let record = self.types[Int(type)]
        switch record.kind {
        case .xmlText, .text:
            return self.xmlTextString(type: type)
        case .xmlElement:
            let attributes = self.mapEntries(type: type).sorted { utf16Less($0.key, $1.key) }
            var out = "<" + record.name.lowercased()
            for (key, value) in attributes {
                out += " " + key + "=\"" + javaScriptString(self.json(value: value)) + "\""
            }
            out += ">"
            out += self.childrenString(type: type)
            return out + "</" + record.name.lowercased() + ">"
        case .xmlHook, .map:
            return "[object Object]"
        default:
            return self.childrenString(type: type)
        }
    }

    private func childrenString(type: Int32) -> String {
        var out = ""
        for value in self.listValues(type: type) {
            if case .type(let ref, _) = value {
                out += self.xmlString(type: ref.typeIndex)
            } else {
                out += javaScriptString(self.json(value: value))
            }
        }
        return out
    }

    /// Yjs `YXmlText.toString`: each delta run wrapped in one element per attribute, sorted by name.
    private func xmlTextString(type: Int32) -> String {
        var out = ""
        for op in self.textDelta(type: type) {
            var nodes: [(name: String, attributes: [(String, String)])] = []
            for (name, value) in op.attributes {
                let attributes = forInEntries(value).sorted { utf16Less($0.0, $1.0) }
                nodes.append((name, attributes))
            }
            nodes.sort { utf16Less($0.name, $1.name) }
            for node in nodes {
                out += "<" + node.name
                for (key, value) in node.attributes { out += " " + key + "=\"" + value + "\"" }
                out += ">"
            }
            switch op.insert {
            case .string(let s): out += s
            case .embed(let value): out += javaScriptString(value)
            case .type(let ref, _): out += self.xmlString(type: ref.typeIndex)
            }
            for node in nodes.reversed() { out += "</" + node.name + ">" }
        }
        return out
    }
}

/// JavaScript's `a < b` on strings: UTF-16 code unit order.
func utf16Less(_ a: String, _ b: String) -> Bool {
    a.utf16.lexicographicallyPrecedes(b.utf16)
}

/// `String(value)` in JavaScript for a JSON-like value.
func javaScriptString(_ value: YAny) -> String {
    switch value {
    case .undefined: return "undefined"
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return s
    case .bigint(let i): return String(i)
    case .bytes(let bytes): return bytes.map { String($0) }.joined(separator: ",")
    case .array(let values):
        return values.map { v -> String in
            switch v {
            case .null, .undefined: return ""
            default: return javaScriptString(v)
            }
        }.joined(separator: ",")
    case .object: return "[object Object]"
    default: return JavaScriptJSON.numberString(value.doubleValue ?? 0)
    }
}

/// The `(key, String(value))` pairs a JavaScript `for…in` visits on a value: object keys, string indices (one UTF-16
/// unit each), array indices; nothing for numbers and booleans.
func forInEntries(_ value: YAny) -> [(String, String)] {
    switch value {
    case .object(let entries):
        return entries.map { ($0.key, javaScriptString($0.value)) }
    case .string(let s):
        return s.utf16.enumerated().map { (String($0.offset), String(decoding: [$0.element], as: UTF16.self)) }
    case .array(let values):
        return values.enumerated().map { (String($0.offset), javaScriptString($0.element)) }
    case .bytes(let bytes):
        return bytes.enumerated().map { (String($0.offset), String($0.element)) }
    default:
        return []
    }
}
