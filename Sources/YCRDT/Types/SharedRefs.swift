/// A handle to a shared type of a ``Document``, valid for that document (and its copies).
///
/// Handles are plain indices: reading and editing go through the document (`doc.string(text)`,
/// `doc.insert(into: text, at: 0, "hi")`), which keeps `Document` a value type.
public protocol SharedRef: Hashable, Sendable {
    /// Index of the type in the document's type table.
    var typeIndex: Int32 { get }
    init(typeIndex: Int32)
}

/// A `Y.Text`: a sequence of UTF-16 code units with formatting attributes and embeds.
public struct TextRef: SharedRef {
    public let typeIndex: Int32
    public init(typeIndex: Int32) { self.typeIndex = typeIndex }
}

/// A `Y.Array`.
public struct ArrayRef: SharedRef {
    public let typeIndex: Int32
    public init(typeIndex: Int32) { self.typeIndex = typeIndex }
}

/// A `Y.Map`.
public struct MapRef: SharedRef {
    public let typeIndex: Int32
    public init(typeIndex: Int32) { self.typeIndex = typeIndex }
}

/// A `Y.XmlFragment`: an ordered list of XML elements and texts.
public struct XmlFragmentRef: SharedRef {
    public let typeIndex: Int32
    public init(typeIndex: Int32) { self.typeIndex = typeIndex }
}

/// A `Y.XmlElement`: a node name, attributes, and children like a fragment.
public struct XmlElementRef: SharedRef {
    public let typeIndex: Int32
    public init(typeIndex: Int32) { self.typeIndex = typeIndex }
}

/// A `Y.XmlText`: a formatted text inside an XML tree.
public struct XmlTextRef: SharedRef {
    public let typeIndex: Int32
    public init(typeIndex: Int32) { self.typeIndex = typeIndex }
}

/// Any shared type, with its kind.
public struct AnyRef: SharedRef {
    public let typeIndex: Int32
    public init(typeIndex: Int32) { self.typeIndex = typeIndex }
}

/// A value read from an array or map: plain data, binary, a nested shared type, or a subdocument.
public enum SharedValue: Sendable, Equatable {
    case any(YAny)
    case binary([UInt8])
    case type(AnyRef, SharedTypeKind)
    case document(guid: String)
    /// A legacy `ContentJSON` value, as JSON text.
    case json(String)
}

/// Content to insert into an array (Yjs `typeListInsertGenerics` content): data values are packed into one item,
/// binary and nested types get their own.
public enum ArrayContent: Sendable {
    case value(YAny)
    case binary([UInt8])
    /// A new, empty nested type of this kind (for an XML element, `name` is the node name).
    case type(SharedTypeKind, name: String = "")
}

/// A node to insert into an XML fragment or element, with its subtree (Yjs prelim `Y.XmlElement` / `Y.XmlText`).
public indirect enum XmlNode: Sendable {
    case element(String, attributes: [(key: String, value: YAny)] = [], children: [XmlNode] = [])
    /// A text with formatted runs, as a delta of inserts (`attributes` may be empty).
    case text([(insert: String, attributes: [(key: String, value: YAny)])])

    /// An unformatted text node.
    public static func text(_ string: String) -> XmlNode { .text([(string, [])]) }
}

extension Document {
    /// The root `Y.Text` named `name` (created on first use).
    public mutating func text(_ name: String) -> TextRef { TextRef(typeIndex: self.root(name, .text)) }
    /// The root `Y.Array` named `name`.
    public mutating func array(_ name: String) -> ArrayRef { ArrayRef(typeIndex: self.root(name, .array)) }
    /// The root `Y.Map` named `name`.
    public mutating func map(_ name: String) -> MapRef { MapRef(typeIndex: self.root(name, .map)) }
    /// The root `Y.XmlFragment` named `name`.
    public mutating func xmlFragment(_ name: String) -> XmlFragmentRef {
        XmlFragmentRef(typeIndex: self.root(name, .xmlFragment))
    }

    /// The root type named `name`, if any update or call referred to it, with its kind (or `.undetermined`).
    public func root(named name: String) -> (AnyRef, SharedTypeKind)? {
        guard let index = self.roots[name] else { return nil }
        return (AnyRef(typeIndex: index), self.types[Int(index)].kind)
    }

    /// The kind of a type; for an undetermined root, the kind its visible content suggests, or `.undetermined`
    /// when it has none (Yjs leaves such roots as `AbstractType`, whose `toJSON()` is undefined).
    public func kind(of ref: some SharedRef) -> SharedTypeKind {
        let record = self.types[Int(ref.typeIndex)]
        guard record.kind == .undetermined else { return record.kind }
        var item = record.start
        var sawString = false
        while item >= 0 {
            let r = self.items[Int(item)]
            switch r.kind {
            case .string, .format, .embed: sawString = true
            case .type:
                let child = self.types[r.content].kind
                if child == .xmlElement || child == .xmlText || child == .xmlHook { return .xmlFragment }
                return .array
            case .any, .json, .binary, .doc: return .array
            default: break
            }
            item = r.right
        }
        if sawString { return .text }
        return record.map.isEmpty ? .undetermined : .map
    }

    /// Node name of an XML element (hook name of a hook).
    public func nodeName(_ element: XmlElementRef) -> String { self.types[Int(element.typeIndex)].name }

    /// Whether the type was deleted (a nested type whose item is deleted).
    public func isDeleted(_ ref: some SharedRef) -> Bool { self.isTypeDeleted(ref.typeIndex) }

    private mutating func root(_ name: String, _ kind: SharedTypeKind) -> Int32 {
        let index = self.rootType(named: name)
        if self.types[Int(index)].kind == .undetermined { self.types[Int(index)].kind = kind }
        return index
    }

    // MARK: Transactions

    /// Runs `body` as one transaction and returns its v1 update (nil when nothing changed).
    ///
    /// Edits made inside are merged, garbage collected and encoded together at the end, as Yjs `doc.transact`.
    /// Nested calls join the outer transaction (and return nil).
    @discardableResult
    public mutating func transact(_ body: (inout Document) throws -> Void) rethrows -> [UInt8]? {
        if self.txn != nil {
            try body(&self)
            return nil
        }
        self.txn = TransactionState(beforeState: self.currentState(), local: true)
        do {
            try body(&self)
        } catch {
            _ = self.finishTransaction(encode: false)
            throw error
        }
        return self.finishTransaction(encode: true)
    }

    /// Opens an implicit transaction for a single edit made outside `transact`; returns whether it did.
    mutating func beginImplicit() -> Bool {
        guard self.txn == nil else { return false }
        self.txn = TransactionState(beforeState: self.currentState(), local: true)
        return true
    }

    mutating func endImplicit(_ began: Bool) {
        if began { _ = self.finishTransaction(encode: false) }
    }

    /// A new local item at the end of our client's clock, linked between `left` and `right`.
    mutating func localItem(
        left: Int32, right: Int32, parent: Int32, parentSub: Int32 = -1, length: Int
    ) -> ItemRecord {
        let slot = self.slot(for: self.clientID)
        var record = ItemRecord.gc(client: slot, clock: self.state(slot: slot), length: length)
        record.left = left
        record.right = right
        record.parent = parent
        record.parentSub = parentSub
        if left >= 0 {
            record.originClient = self.items[Int(left)].client
            record.originClock = self.lastClock(left)
        }
        if right >= 0 {
            record.rightOriginClient = self.items[Int(right)].client
            record.rightOriginClock = self.items[Int(right)].clock
        }
        return record
    }

    /// Integrates local content between `left` and `right` and returns the new item (Yjs `new Item(…).integrate`).
    @discardableResult
    mutating func insertLocal(
        _ content: IncomingContent, left: Int32, right: Int32, parent: Int32, parentSub: Int32 = -1
    ) -> Int32 {
        let length: Int
        switch content {
        case .string(let units): length = units.count
        case .payload(_, let payload): length = payload.count
        default: length = 1
        }
        let record = self.localItem(left: left, right: right, parent: parent, parentSub: parentSub, length: length)
        return self.integrate(record, content: content, offset: 0)
    }
}
