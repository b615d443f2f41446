/// A Redis stream entry id, `<milliseconds>-<sequence>` (Redis "Streams introduction", entry IDs), ordered as Redis
/// orders them.
///
/// Cluster mode keeps each document's updates in a stream; a node remembers the last id it applied (its cursor) and
/// the id the compacted state covers, and compares them to read exactly what it lacks.
public struct StreamID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: UInt64
    public var sequence: UInt64

    /// Before every entry (`0-0`, which Redis never assigns).
    public static let zero = StreamID(milliseconds: 0, sequence: 0)

    public init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Parses `ms-seq` (both decimal, no sign, at most 20 digits); nil for anything else.
    public init?(_ text: String) {
        let parts = Array(text.utf8).split(separator: UInt8(ascii: "-"), maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let milliseconds = StreamID.decimal(parts[0]), let sequence = StreamID.decimal(parts[1])
        else { return nil }
        self.init(milliseconds: milliseconds, sequence: sequence)
    }

    /// Parses the id from the bytes of a bulk string reply.
    public init?(bytes: [UInt8]) {
        self.init(String(decoding: bytes, as: UTF8.self))
    }

    public var description: String { "\(milliseconds)-\(sequence)" }

    /// The smallest id after this one (XTRIM MINID keeps ids ≥ it, so trimming "up to and including" uses this).
    public var successor: StreamID {
        sequence == .max
            ? StreamID(milliseconds: milliseconds &+ 1, sequence: 0) : StreamID(milliseconds: milliseconds, sequence: sequence + 1)
    }

    /// The largest id before this one (the last id a state can cover when this entry is not in it).
    public var predecessor: StreamID {
        if sequence > 0 { return StreamID(milliseconds: milliseconds, sequence: sequence - 1) }
        return milliseconds == 0 ? .zero : StreamID(milliseconds: milliseconds - 1, sequence: .max)
    }

    public static func < (lhs: StreamID, rhs: StreamID) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }

    private static func decimal(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}
