/// For each client, the next clock expected from it (the end of what is known). Spec: yjs-format.md §2.5.
///
/// Entries keep their order: decoding then encoding gives identical bytes, and the state vector of an update
/// lists clients in the update's order as Yjs's `encodeStateVectorFromUpdate` does. ``sortedDescending()`` gives
/// the order `Y.encodeStateVector` writes (descending client ID). There is no separate v2 encoding (yjs#462).
public struct StateVector: Equatable, Sendable {
    /// (client, clock) pairs in order; a client appears at most once.
    public private(set) var entries: [(client: ClientID, clock: Clock)]
    private var index: [ClientID: Int]

    /// The empty state vector.
    public init() {
        self.entries = []
        self.index = [:]
    }

    /// Creates a state vector from pairs; a repeated client keeps its first position and its last clock.
    public init<S: Sequence>(_ pairs: S) where S.Element == (ClientID, Clock) {
        self.init()
        for (client, clock) in pairs { self[client] = clock }
    }

    /// The next expected clock of `client` (0 when unknown). Setting appends new clients at the end.
    public subscript(client: ClientID) -> Clock {
        get { self.index[client].map { self.entries[$0].clock } ?? 0 }
        set {
            if let i = self.index[client] {
                self.entries[i].clock = newValue
            } else {
                self.index[client] = self.entries.count
                self.entries.append((client, newValue))
            }
        }
    }

    /// Whether `client` has an entry.
    public func contains(client: ClientID) -> Bool { self.index[client] != nil }

    /// Number of clients.
    public var count: Int { self.entries.count }

    /// Whether the content with `id` is covered (`id.clock < self[id.client]`).
    public func contains(_ id: ID) -> Bool { id.clock < self[id.client] }

    /// The same entries sorted by descending client ID, the order Yjs writes.
    public func sortedDescending() -> StateVector {
        StateVector(self.entries.sorted { $0.client > $1.client }.map { ($0.client, $0.clock) })
    }

    /// Decodes `varUint(n)` then n × (client, clock).
    /// - Throws: ``DecodingError`` on truncation or a count larger than the input.
    public init(from reader: inout ByteReader) throws(DecodingError) {
        self.init()
        let n = try reader.readCount(minimumElementSize: 2, "state vector")
        self.entries.reserveCapacity(n)
        for _ in 0 ..< n {
            let client = try reader.readVarUInt()
            let clock = try reader.readVarUInt()
            self[client] = clock
        }
    }

    /// Decodes a complete state vector; trailing bytes are an error.
    public init(bytes: [UInt8]) throws(DecodingError) {
        var reader = ByteReader(bytes)
        try self.init(from: &reader)
        try reader.expectEnd("state vector")
    }

    /// Appends the encoding, entries in their current order.
    public func encode(to writer: inout ByteWriter) {
        writer.writeVarUInt(self.entries.count)
        for e in self.entries {
            writer.writeVarUInt(e.client)
            writer.writeVarUInt(e.clock)
        }
    }

    /// The encoded bytes (entries in their current order).
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        self.encode(to: &w)
        return w.bytes
    }

    public static func == (lhs: StateVector, rhs: StateVector) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        return lhs.entries.allSatisfy { rhs.contains(client: $0.client) && rhs[$0.client] == $0.clock }
    }
}
