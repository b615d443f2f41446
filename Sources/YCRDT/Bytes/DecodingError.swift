/// The single error thrown by every YCRDT decoder: what was expected, and the byte offset where it failed.
///
/// Decoders of peer input never trap; they throw this value instead. `offset` is the position in the buffer that was
/// being read (for v2 column data, the position inside that column, and `context` names the column).
public struct DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set of reasons.
    public enum Reason: Equatable, Sendable {
        /// The input ended while `needed` more bytes were required.
        case unexpectedEnd(needed: Int)
        /// A varUint/varInt had more than 53 bits (lib0 "integer out of range") or too many bytes.
        case varIntOverflow
        /// A string was not well-formed UTF-8 (lib0 reads with a fatal TextDecoder).
        case invalidUTF8
        /// An Item's content ref (low 5 bits of the info byte) is not 1–9.
        case unknownContentRef(UInt8)
        /// A ContentType names an unknown type ref (valid: 0–6).
        case unknownTypeRef(UInt64)
        /// A lib0 `Any` tag outside 116–127.
        case unknownAnyTag(UInt8)
        /// Nested `Any` values exceeded the depth limit.
        case depthExceeded(limit: Int)
        /// A count or length is larger than the remaining input allows (checked before allocating).
        case lengthTooLarge(UInt64)
        /// Bytes remained after a complete value where the end was expected.
        case trailingBytes(count: Int)
        /// A value is structurally impossible (for example a clock overflow, or a v2 string slice outside its column).
        case invalidValue(String)
    }

    /// Why decoding failed.
    public var reason: Reason
    /// Byte offset (from the start of the buffer being decoded) where the failure was detected.
    public var offset: Int
    /// What was being read, e.g. `"struct info"`, `"delete set"`, `"v2 string column"`.
    public var context: String

    /// Creates an error.
    public init(_ reason: Reason, offset: Int, context: String = "") {
        self.reason = reason
        self.offset = offset
        self.context = context
    }

    /// A one-line message naming the offset and what was expected.
    public var description: String {
        let what: String
        switch self.reason {
        case .unexpectedEnd(let needed): what = "unexpected end of input (needed \(needed) more byte(s))"
        case .varIntOverflow: what = "variable-length integer exceeds 53 bits"
        case .invalidUTF8: what = "invalid UTF-8 in string"
        case .unknownContentRef(let ref): what = "unknown content ref \(ref) (expected 0-10)"
        case .unknownTypeRef(let ref): what = "unknown type ref \(ref) (expected 0-6)"
        case .unknownAnyTag(let tag): what = "unknown Any tag \(tag) (expected 116-127)"
        case .depthExceeded(let limit): what = "nesting deeper than \(limit)"
        case .lengthTooLarge(let n): what = "length \(n) exceeds the remaining input"
        case .trailingBytes(let count): what = "\(count) trailing byte(s) after the end"
        case .invalidValue(let message): what = message
        }
        let ctx = self.context.isEmpty ? "" : " while reading \(self.context)"
        return "byte \(self.offset): \(what)\(ctx)"
    }
}
