/// One struct of an update: an Item, a GC range, or a Skip (a gap in a merged or diffed update).
/// Spec: yjs-format.md §2.2 (refs 0 and 10).
public enum Block: Hashable, Sendable {
    /// An Item (content refs 1–9).
    case item(Item)
    /// Garbage-collected content (ref 0): only a length.
    case gc(id: ID, length: Clock)
    /// A gap (ref 10): content not included in this update.
    case skip(id: ID, length: Clock)

    /// The ID of the first unit.
    @inlinable public var id: ID {
        switch self {
        case .item(let item): item.id
        case .gc(let id, _), .skip(let id, _): id
        }
    }

    /// Length in clock units.
    @inlinable public var length: Clock {
        switch self {
        case .item(let item): item.length
        case .gc(_, let n), .skip(_, let n): n
        }
    }

    /// The clock after this block.
    @inlinable public var endClock: Clock { self.id.clock + self.length }

    /// Whether this is a Skip.
    @inlinable public var isSkip: Bool {
        if case .skip = self { return true }
        return false
    }

    /// The block as Yjs's doc-less tools re-encode it (items: ``Item/yjsReencoded``).
    public var yjsReencoded: Block {
        if case .item(let item) = self { return .item(item.yjsReencoded) }
        return self
    }

    /// The part from `offset` on (Yjs `sliceStruct` / writing with an offset).
    public func dropFirst(_ offset: Clock) -> Block {
        guard offset > 0 else { return self }
        switch self {
        case .item(let item): return .item(item.dropFirst(offset))
        case .gc(let id, let n): return .gc(id: ID(client: id.client, clock: id.clock + offset), length: n - offset)
        case .skip(let id, let n): return .skip(id: ID(client: id.client, clock: id.clock + offset), length: n - offset)
        }
    }
}

/// The structs of one client in an update: a client, the first clock, and consecutive blocks.
public struct ClientSection: Hashable, Sendable {
    /// The client.
    public var client: ClientID
    /// The first clock (the clock of `blocks[0]`, or as written when the section is empty).
    public var clock: Clock
    /// The blocks, each starting where the previous ended.
    public var blocks: [Block]

    /// Creates a section.
    public init(client: ClientID, clock: Clock, blocks: [Block]) {
        self.client = client
        self.clock = clock
        self.blocks = blocks
    }

    /// The clock after the last block.
    public var endClock: Clock { self.blocks.last?.endClock ?? self.clock }
}
