/// One struct of the document (an Item or a GC), stored by value in the document's arena.
///
/// Links (`left`, `right`, `parent`) are `Int32` indices into the arena and the type table rather than class
/// references, so the whole store is a handful of flat arrays: no reference counting on the hot path, and a copy of
/// a `Document` is a copy of its arrays. `-1` means "none". Clients are stored as slots into the document's client
/// table (`Document.clientIDs`), which keeps records small. Mirrors Yjs `Item` / `GC` (src/structs/Item.js, GC.js).
struct ItemRecord {
    /// Client slot of the struct's ID.
    var client: Int32
    /// Slot of the origin's client, or -1 when the item has no origin.
    var originClient: Int32
    /// Slot of the right origin's client, or -1 when the item has no right origin.
    var rightOriginClient: Int32
    /// Item to the left in the parent's list (or map-key chain), or -1.
    var left: Int32
    /// Item to the right in the parent's list (or map-key chain), or -1.
    var right: Int32
    /// Index of the parent type in `Document.types`, or -1 (GC structs).
    var parent: Int32
    /// Interned map key (`Document.keys`), or -1 for list items.
    var parentSub: Int32
    /// Content kind: the Yjs content ref (0 = GC, 1 = deleted, … 9 = doc).
    var kind: ItemKind
    /// Flag bits: see `ItemRecord.deletedFlag` and friends.
    var flags: UInt8
    /// First clock of the struct.
    var clock: Int
    /// Length in clock units (UTF-16 code units for strings).
    var length: Int
    /// Clock of the origin (valid when `originClient >= 0`).
    var originClock: Int
    /// Clock of the right origin (valid when `rightOriginClient >= 0`).
    var rightOriginClock: Int
    /// Content payload: offset into the UTF-16 buffer for strings, type index for types, payload index otherwise.
    var content: Int

    static let deletedFlag: UInt8 = 1
    static let countableFlag: UInt8 = 2
    static let keepFlag: UInt8 = 4

    var isDeleted: Bool { self.kind == .gc || (self.flags & Self.deletedFlag) != 0 }
    var isCountable: Bool { (self.flags & Self.countableFlag) != 0 }
    var isKept: Bool { (self.flags & Self.keepFlag) != 0 }
    var isGC: Bool { self.kind == .gc }
    /// Visible length inside its parent: the length of a countable, non-deleted item, else 0.
    var visibleLength: Int { (self.flags & 3) == Self.countableFlag ? self.length : 0 }

    /// A GC struct covering `length` clocks from `clock`.
    static func gc(client: Int32, clock: Int, length: Int) -> ItemRecord {
        ItemRecord(
            client: client, originClient: -1, rightOriginClient: -1, left: -1, right: -1, parent: -1,
            parentSub: -1, kind: .gc, flags: 0, clock: clock, length: length, originClock: 0,
            rightOriginClock: 0, content: 0)
    }
}

/// The content kind of a struct, numbered as the Yjs content refs (update format v1, section 2.3).
enum ItemKind: UInt8 {
    case gc = 0
    case deleted = 1
    case json = 2
    case binary = 3
    case string = 4
    case embed = 5
    case format = 6
    case type = 7
    case any = 8
    case doc = 9

    /// Whether items of this kind count towards their parent's length (Yjs `isCountable`).
    var isCountable: Bool {
        switch self {
        case .gc, .deleted, .format: return false
        default: return true
        }
    }

    /// Whether items of this kind can be split at any offset (Yjs `splice` support).
    var isSplittable: Bool {
        switch self {
        case .deleted, .json, .string, .any: return true
        default: return false
        }
    }
}
