/// Where an Item lives when it carries no origin: a root type by name, or the Item of a nested type by ID.
public enum Parent: Hashable, Sendable {
    /// A root type, by its key in `doc.share` (e.g. `"text"`).
    case root(String)
    /// A nested type, by the ID of the Item holding its ContentType.
    case id(ID)
}

/// One Item struct as it appears in an update: identity, neighbours at insertion, parent, and content.
///
/// Only what the wire carries is stored: `parent` (and `parentSub`) are present only when both origins are absent,
/// because otherwise the receiver copies them from the neighbour (Yjs `Item.getMissing`). Spec: yjs-format.md §2.2.
public struct Item: Hashable, Sendable {
    /// The ID of the first unit.
    public var id: ID
    /// The left neighbour's last ID at insertion (info bit 0x80).
    public var origin: ID?
    /// The right neighbour's first ID at insertion (info bit 0x40).
    public var rightOrigin: ID?
    /// The parent, present on the wire only when `origin` and `rightOrigin` are both nil.
    public var parent: Parent?
    /// The map key, when written (no origins) or otherwise known.
    public var parentSub: String?
    /// Info bit 0x20. Yjs sets it whenever the item has a map key, even when the key is not written because an
    /// origin is present; kept so that decode→encode is byte-identical. Encoding sets the bit when this is true or
    /// `parentSub` is non-nil.
    public var parentSubFlag: Bool
    /// The content.
    public var content: Content

    /// Creates an item. `parentSubFlag` defaults to whether `parentSub` is given.
    public init(
        id: ID, origin: ID? = nil, rightOrigin: ID? = nil, parent: Parent? = nil, parentSub: String? = nil,
        parentSubFlag: Bool? = nil, content: Content
    ) {
        self.id = id
        self.origin = origin
        self.rightOrigin = rightOrigin
        self.parent = parent
        self.parentSub = parentSub
        self.parentSubFlag = parentSubFlag ?? (parentSub != nil)
        self.content = content
    }

    /// Length in clock units.
    @inlinable public var length: Clock { self.content.length }
    /// The ID of the last unit.
    @inlinable public var lastID: ID { ID(client: self.id.client, clock: self.id.clock + self.length - 1) }

    /// The info byte: content ref plus origin, right-origin and parentSub bits.
    public var info: UInt8 {
        var info = self.content.ref
        if self.origin != nil { info |= 0x80 }
        if self.rightOrigin != nil { info |= 0x40 }
        if self.parentSubFlag || self.parentSub != nil { info |= 0x20 }
        return info
    }

    /// The part from `offset` on, as Yjs writes an item with an offset or slices it (`sliceStruct`): the ID
    /// advances, the origin becomes the unit just before, right origin, parent and key stay, content is cut.
    public func dropFirst(_ offset: Clock) -> Item {
        guard offset > 0 else { return self }
        var copy = self
        copy.id.clock += offset
        copy.origin = ID(client: self.id.client, clock: self.id.clock + offset - 1)
        copy.content = self.content.dropFirst(offset)
        return copy
    }

    /// Whether re-encoding by Yjs's doc-less tools leaves the content unchanged (String, Deleted, Binary, Type).
    var isPlainForYjs: Bool {
        switch self.content {
        case .string, .deleted, .binary, .type: true
        default: false
        }
    }

    /// The item as Yjs's doc-less tools (merge, diff, format conversion) re-encode it: the key and its info bit
    /// are dropped when the key was not on the wire, and JSON and `Any` values are re-encoded by JavaScript rules.
    public var yjsReencoded: Item {
        var copy = self
        if self.origin != nil || self.rightOrigin != nil {
            copy.parentSubFlag = self.parentSub != nil
        }
        switch self.content {
        case .string, .deleted, .binary, .type: break
        default: copy.content = self.content.yjsReencoded
        }
        return copy
    }
}

extension Content {
    /// The content after JavaScript decodes it and encodes it again (Yjs doc-less tools): ContentJSON elements and
    /// v1 embed/format texts go through `JSON.parse` + `JSON.stringify`, and `Any` numbers take lib0's tags.
    public var yjsReencoded: Content {
        switch self {
        case .json(let texts):
            return .json(texts.map { $0 == "undefined" ? $0 : (JavaScriptJSON.parse($0).map(JavaScriptJSON.stringify) ?? $0) })
        case .embed(let p): return .embed(p.yjsReencoded)
        case .format(let key, let p): return .format(key: key, value: p.yjsReencoded)
        case .any(let values): return .any(values.map(\.javaScriptNormalized))
        case .doc(let guid, let options): return .doc(guid: guid, options: options.javaScriptNormalized)
        default: return self
        }
    }
}

extension JSONPayload {
    /// The payload after a JavaScript read and write in the same format.
    public var yjsReencoded: JSONPayload {
        switch self {
        case .text(let t): .text(JavaScriptJSON.parse(t).map(JavaScriptJSON.stringify) ?? t)
        case .any(let a): .any(a.javaScriptNormalized)
        }
    }
}
