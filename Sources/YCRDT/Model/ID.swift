/// A Yjs client ID. Yjs picks random 32-bit IDs, but IDs up to 53 bits occur in the wild (yrs masks at 53 bits),
/// so it is never narrowed to 32 bits (yjs-format.md §1, varUint).
public typealias ClientID = UInt64

/// A logical clock: per client, the count of UTF-16 units / elements inserted so far (at most 2^53 − 1).
public typealias Clock = UInt64

/// The identity of one unit of inserted content: the client that made it and that client's clock at the time.
public struct ID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The client that created the content.
    public var client: ClientID
    /// The client's clock for the first unit.
    public var clock: Clock

    /// Creates an ID.
    @inlinable public init(client: ClientID, clock: Clock) {
        self.client = client
        self.clock = clock
    }

    /// Orders by client, then clock.
    public static func < (lhs: ID, rhs: ID) -> Bool {
        lhs.client != rhs.client ? lhs.client < rhs.client : lhs.clock < rhs.clock
    }

    /// `client:clock`, as Yjs's `logUpdate` prints IDs.
    public var description: String { "\(self.client):\(self.clock)" }
}
