/// A string compared, hashed and ordered by its UTF-8 bytes: the dictionary key of client-chosen ids.
///
/// Swift's `String ==` and hashing use Unicode canonical equivalence, so `café` (NFC, `c3 a9`) and `cafe\u{301}`
/// (NFD, `65 cc 81`) are one key in a `[String: …]`. Document, note and channel ids are opaque byte strings to
/// Open WebUI (Python compares code points) and to the file system (``SafeFileName`` encodes bytes), so two
/// spellings must be two documents with two folders (issue 19, #8). Key every id-indexed table by `ByteKey`.
public struct ByteKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The id as received.
    public let string: String

    /// The key of `string`, as is (no normalisation).
    public init(_ string: String) {
        self.string = string
    }

    public var description: String { self.string }

    public static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    public static func < (lhs: ByteKey, rhs: ByteKey) -> Bool {
        lhs.string.utf8.lexicographicallyPrecedes(rhs.string.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.string.utf8.count)
        for byte in self.string.utf8 { hasher.combine(byte) }
    }
}

extension String {
    /// Whether two strings have the same UTF-8 bytes (unlike `==`, which is canonical equivalence).
    public func bytewiseEquals(_ other: String) -> Bool {
        self.utf8.elementsEqual(other.utf8)
    }
}
