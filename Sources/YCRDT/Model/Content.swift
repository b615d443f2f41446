/// A shared type's kind, as written in ContentType (yjs-format.md §2.3, type refs).
public enum TypeRef: Hashable, Sendable {
    /// `Y.Array` (0).
    case array
    /// `Y.Map` (1).
    case map
    /// `Y.Text` (2).
    case text
    /// `Y.XmlElement` (3) with its node name.
    case xmlElement(nodeName: String)
    /// `Y.XmlFragment` (4).
    case xmlFragment
    /// `Y.XmlHook` (5) with its hook name.
    case xmlHook(hookName: String)
    /// `Y.XmlText` (6).
    case xmlText

    /// The wire number.
    public var rawValue: UInt64 {
        switch self {
        case .array: 0
        case .map: 1
        case .text: 2
        case .xmlElement: 3
        case .xmlFragment: 4
        case .xmlHook: 5
        case .xmlText: 6
        }
    }
}

/// An embed or format value: JSON text in v1 updates, a lib0 `Any` in v2 (y-crdt#254).
///
/// The form read is kept so that re-encoding in the same format is byte-identical; the other form is computed
/// with JavaScript's `JSON.parse` / `JSON.stringify` semantics when converting.
public enum JSONPayload: Hashable, Sendable {
    /// `JSON.stringify` text, as v1 carries it (validated as JSON when decoded).
    case text(String)
    /// A lib0 `Any`, as v2 carries it.
    case any(YAny)

    /// The value as JSON text (v1 form).
    public var jsonText: String {
        switch self {
        case .text(let t): t
        case .any(let a): JavaScriptJSON.stringify(a)
        }
    }

    /// The value as a lib0 `Any` (v2 form); `.null` if the text is not JSON (cannot happen for decoded values).
    public var anyValue: YAny {
        switch self {
        case .text(let t): JavaScriptJSON.parse(t) ?? .null
        case .any(let a): a
        }
    }

    /// Payloads are equal when they denote the same JSON value, whichever form they were read in.
    public static func == (lhs: JSONPayload, rhs: JSONPayload) -> Bool {
        switch (lhs, rhs) {
        case (.text(let a), .text(let b)): a == b || JavaScriptJSON.parse(a) == JavaScriptJSON.parse(b)
        case (.any(let a), .any(let b)): a == b
        default: lhs.anyValue.javaScriptNormalized == rhs.anyValue.javaScriptNormalized
        }
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(JavaScriptJSON.stringify(self.anyValue)) }
}

extension YAny: Hashable {
    public func hash(into hasher: inout Hasher) { hasher.combine(JavaScriptJSON.stringify(self)) }
}

/// The content of an Item, one case per Yjs content class (yjs-format.md §2.3; yjs `src/structs/Content*.js`).
public enum Content: Hashable, Sendable {
    /// ContentDeleted (ref 1): `length` deleted units whose content was dropped.
    case deleted(length: Clock)
    /// ContentJSON (ref 2, legacy arrays): each element's JSON text exactly as read; `"undefined"` is literal.
    case json([String])
    /// ContentBinary (ref 3): one `Uint8Array` element.
    case binary([UInt8])
    /// ContentString (ref 4): text; its length is in UTF-16 units.
    case string(YString)
    /// ContentEmbed (ref 5): a rich-text embed.
    case embed(JSONPayload)
    /// ContentFormat (ref 6): a formatting mark (not countable).
    case format(key: String, value: JSONPayload)
    /// ContentType (ref 7): a nested shared type.
    case type(TypeRef)
    /// ContentAny (ref 8): array or map values.
    case any([YAny])
    /// ContentDoc (ref 9): a subdocument with its guid and options.
    case doc(guid: String, options: YAny)

    /// The content ref written in the low 5 bits of the info byte.
    public var ref: UInt8 {
        switch self {
        case .deleted: 1
        case .json: 2
        case .binary: 3
        case .string: 4
        case .embed: 5
        case .format: 6
        case .type: 7
        case .any: 8
        case .doc: 9
        }
    }

    /// Length in clock units (`getLength()`): UTF-16 units for strings, element counts for JSON/Any, else 1.
    @inlinable public var length: Clock {
        switch self {
        case .deleted(let n): n
        case .json(let a): Clock(a.count)
        case .string(let s): Clock(s.utf16Count)
        case .any(let a): Clock(a.count)
        default: 1
        }
    }

    /// Whether the content counts towards its parent's length (`isCountable()`): not for Deleted and Format.
    public var isCountable: Bool {
        switch self {
        case .deleted, .format: false
        default: true
        }
    }

    /// Whether the content can be split (String, Deleted, JSON and Any; the others have length 1).
    public var isSplittable: Bool {
        switch self {
        case .deleted, .json, .string, .any: true
        default: false
        }
    }

    /// Splits at `offset` (0 < offset < length) into left and right (Yjs `splice`). Unsplittable content is
    /// returned unchanged on the left with itself on the right; callers only split splittable content.
    public func split(at offset: Clock) -> (Content, Content) {
        switch self {
        case .deleted(let n): return (.deleted(length: offset), .deleted(length: n - offset))
        case .json(let a): return (.json(Array(a[..<Int(offset)])), .json(Array(a[Int(offset)...])))
        case .string(let s):
            let (l, r) = s.split(at: Int(offset))
            return (.string(l), .string(r))
        case .any(let a): return (.any(Array(a[..<Int(offset)])), .any(Array(a[Int(offset)...])))
        default: return (self, self)
        }
    }

    /// The content from `offset` on (what Yjs writes for an item written with an offset).
    public func dropFirst(_ offset: Clock) -> Content {
        guard offset > 0, offset < self.length, self.isSplittable else { return self }
        return self.split(at: offset).1
    }

    /// Appends `other` if both are of the same mergeable kind (String, Deleted, JSON, Any); returns false otherwise.
    public mutating func append(_ other: Content) -> Bool {
        switch (self, other) {
        case (.deleted(let a), .deleted(let b)): self = .deleted(length: a + b)
        case (.json(let a), .json(let b)): self = .json(a + b)
        case (.string(let a), .string(let b)): self = .string(a + b)
        case (.any(let a), .any(let b)): self = .any(a + b)
        default: return false
        }
        return true
    }
}
