/// A y-protocols awareness update: for each client, its clock and its state as JSON text (`"null"` when removed).
///
/// Layout (`awareness.js` `encodeAwarenessUpdate`): `varUint(n)` then n × `varUint(clientID) varUint(clock)
/// varString(JSON.stringify(state))` (yjs-format.md §5.3). The state is kept as text: the server relays and stores
/// it without interpreting it beyond telling `null` apart.
public struct AwarenessUpdate: Equatable, Sendable {
    /// One client's entry.
    public struct Entry: Equatable, Sendable {
        public var client: ClientID
        public var clock: UInt64
        /// `JSON.stringify(state)`; `"null"` means the client went offline.
        public var state: String

        public init(client: ClientID, clock: UInt64, state: String) {
            self.client = client
            self.clock = clock
            self.state = state
        }

        /// Whether this entry removes the client's state.
        public var isRemoval: Bool { state == "null" }
    }

    /// Most entries accepted in one update (default 10,000), checked before allocating.
    public static let defaultMaxEntries = 10_000

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Decodes a complete awareness update.
    /// - Throws: ``DecodingError`` on truncation, invalid UTF-8, too many entries or trailing bytes.
    public init(bytes: [UInt8], maxEntries: Int = AwarenessUpdate.defaultMaxEntries) throws(DecodingError) {
        var reader = ByteReader(bytes)
        let count = try reader.readCount(minimumElementSize: 3, "awareness update")
        guard count <= maxEntries else {
            throw reader.error(.invalidValue("awareness update with \(count) entries (limit \(maxEntries))"))
        }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let client = try reader.readVarUInt()
            let clock = try reader.readVarUInt()
            let state = try reader.readVarString()
            entries.append(Entry(client: client, clock: clock, state: state))
        }
        try reader.expectEnd("awareness update")
        self.entries = entries
    }

    /// The encoded update.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeVarUInt(entries.count)
        for entry in entries {
            writer.writeVarUInt(entry.client)
            writer.writeVarUInt(entry.clock)
            writer.writeVarString(entry.state)
        }
        return writer.bytes
    }
}
