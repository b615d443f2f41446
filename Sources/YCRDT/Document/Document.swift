/// A Yjs-compatible CRDT document: a struct store, shared types by root name, and transactions.
///
/// `Document` reproduces Yjs 13.6 (`Y.Doc`): updates are integrated with YATA exactly as `Item.integrate`, structs
/// are split and merged at the same moments, deleted content is garbage collected at the end of each transaction
/// (when `Options.gc` is on, Yjs's default), and `encodeStateAsUpdate` writes the same bytes as Yjs for the same
/// state. Structs live in a flat arena indexed by `Int32` (see ``ItemRecord``), per-client arrays of arena indices
/// are sorted by clock for binary search, and string content lives in one UTF-16 buffer so splitting is free.
///
/// It is a value type: copying a document copies its arrays (copy-on-write).
public struct Document: Sendable {
    /// Document settings.
    public struct Options: Sendable {
        /// Replace deleted content by `ContentDeleted` / GC structs at the end of each transaction (Yjs `gc: true`).
        /// Turn off to keep deleted content (Yjs `gc: false`).
        public var gc: Bool
        /// Deepest nesting of shared types (a root is depth 0). A nested type deeper than this is integrated as a
        /// GC struct, so hostile updates cannot make the recursive delete, GC and rendering paths overflow the
        /// stack. Default 256 (y-prosemirror notes nest a few levels).
        public var maxDepth: Int
        /// Run Yjs's formatting cleanup after remote transactions that touched formatted text (Yjs always does;
        /// default true). The cleanup deletes redundant format marks with our client's transaction, and `apply`
        /// returns that update: a peer must relay it, as Yjs's `update` event does, or the others keep the marks.
        /// A relay server that never sends its own changes turns it off: every Yjs client cleans up and relays
        /// its own deletions anyway, so the server receives them like any other update.
        public var formattingCleanup: Bool

        public init(gc: Bool = true, maxDepth: Int = 256, formattingCleanup: Bool = true) {
            self.gc = gc
            self.maxDepth = maxDepth
            self.formattingCleanup = formattingCleanup
        }
    }

    /// Our client ID, used for local edits. Yjs changes it when a remote update uses it (see ``clientIDChanges``).
    public internal(set) var clientID: UInt64
    public let options: Options
    /// How many times a remote update reused our client ID, so that we picked a new one (Yjs logs
    /// "Changed the client-id because another client seems to be using it").
    public internal(set) var clientIDChanges: Int = 0

    // MARK: Store
    var items: [ItemRecord] = []
    var freeItems: [Int32] = []
    var clientIDs: [UInt64] = []
    var clientSlots: [UInt64: Int32] = [:]
    /// Per client slot: arena indices sorted by clock, contiguous from clock 0.
    var structs: [[Int32]] = []
    /// UTF-16 storage of all string content; string items hold an offset into it.
    var utf16: [UInt16] = []
    var payloads: [ItemPayload] = []
    var freePayloads: [Int] = []

    // MARK: Types
    var types: [TypeRecord] = []
    var roots: [String: Int32] = [:]
    var rootOrder: [String] = []
    var keys: [String] = []
    var keyIndex: [String: Int32] = [:]
    var markerStamp = 0

    // MARK: Pending
    var pendingStructs: PendingStructs?
    var pendingDeletes: [UInt64: [DeleteRange]] = [:]

    // MARK: Transaction
    var txn: TransactionState?
    var rng: SplitMix64

    /// Creates an empty document.
    /// - Parameters:
    ///   - clientID: our client ID for local edits; a random 32-bit ID (as Yjs) when nil.
    ///   - options: GC and limits.
    public init(clientID: UInt64? = nil, options: Options = Options()) {
        var rng = SplitMix64(seed: UInt64.random(in: 0...UInt64.max))
        self.clientID = clientID ?? UInt64(UInt32.random(in: 0...UInt32.max, using: &rng))
        self.options = options
        self.rng = rng
    }

    /// The state vector: for every client, the next clock we expect (Yjs `getStateVector`).
    public var stateVector: [UInt64: Int] {
        var sv: [UInt64: Int] = [:]
        for slot in self.structs.indices where !self.structs[slot].isEmpty {
            sv[self.clientIDs[slot]] = self.state(slot: Int32(slot))
        }
        return sv
    }

    /// The next clock expected from `client` (0 for an unknown client).
    public func state(of client: UInt64) -> Int {
        guard let slot = self.clientSlots[client] else { return 0 }
        return self.state(slot: slot)
    }

    /// Number of structs in the store (Items and GCs), for statistics.
    public var structCount: Int { self.structs.reduce(0) { $0 + $1.count } }

    /// Names of the root types, in the order they were first referred to.
    public var rootNames: [String] { self.rootOrder }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a small deterministic generator. Documents use it to pick new client
/// IDs; tests and benchmarks use it for inputs that replay exactly from their seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { self.state = seed }
    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
