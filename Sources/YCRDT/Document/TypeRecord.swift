/// The kind of a shared type, numbered as the Yjs type refs of `ContentType` (update format v1, section 2.3).
public enum SharedTypeKind: UInt8, Sendable {
    case array = 0
    case map = 1
    case text = 2
    case xmlElement = 3
    case xmlFragment = 4
    case xmlHook = 5
    case xmlText = 6
    /// A root type that updates referred to by name but that nobody has asked for with a kind yet (Yjs
    /// `doc.get(name)` creates a plain `AbstractType` in that case).
    case undetermined = 255

    /// Whether the type behaves as Yjs `YText` (and so takes part in formatting cleanup).
    var isText: Bool { self == .text || self == .xmlText }
}

/// A search marker: item `item` starts at visible index `index` of its parent.
///
/// Like Yjs's `ArraySearchMarker` this lets a local edit at a position start walking from a nearby item instead of
/// the start of the list; unlike Yjs, markers are kept exact (shifted on every local insert and delete, moved on
/// merges, dropped on remote changes), so they never change which origins a local edit produces.
struct SearchMarker {
    var item: Int32
    var index: Int
    var stamp: Int
}

/// A shared type (root or nested) in the document's type table. Mirrors Yjs `AbstractType`.
struct TypeRecord {
    var kind: SharedTypeKind
    /// Node name of an XML element, hook name of an XML hook.
    var name: String
    /// Root name when the type is a root of the document.
    var rootName: String?
    /// The item holding this type (`ContentType`), -1 for a root type, or ``gone`` once the type was deleted and
    /// garbage collected.
    var item: Int32

    /// `item` of a type whose item was garbage collected.
    static let gone: Int32 = -2
    /// First item of the list part, or -1.
    var start: Int32
    /// Map part: interned key → the rightmost (current) item of that key's chain.
    var map: [Int32: Int32]
    /// Map keys in first-insertion order (JavaScript `Map` iteration order, used by `toJSON`).
    var mapOrder: [Int32]
    /// Number of visible countable clock units in the list part.
    var length: Int
    /// Set once a formatting item was integrated into this type (Yjs `_hasFormatting`).
    var hasFormatting: Bool
    var markers: [SearchMarker]
    /// Nesting depth: 0 for a root.
    var depth: Int = 0

    init(kind: SharedTypeKind, name: String = "", rootName: String? = nil, item: Int32 = -1) {
        self.kind = kind
        self.name = name
        self.rootName = rootName
        self.item = item
        self.start = -1
        self.map = [:]
        self.mapOrder = []
        self.length = 0
        self.hasFormatting = false
        self.markers = []
    }
}
