/// The single error thrown by ``RESPDecoder``: malformed or over-limit input, with the byte offset where it was found.
///
/// The offset counts every byte ever fed to the decoder, so a client can log "bad reply at byte 1234" without echoing
/// the peer's bytes. Once a decoder has thrown, it throws the same error again: a RESP stream cannot be resynchronised.
public struct RESPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// The first byte of a value is not a known RESP2/RESP3 type byte.
        case unknownType(UInt8)
        /// A line holds a bare CR or LF instead of ending with CRLF.
        case invalidLineTerminator
        /// A line is longer than ``RESPDecoder/Limits/maxLineLength``.
        case lineTooLong(limit: Int)
        /// An integer, length or count that is empty, non-decimal or out of Int64 range.
        case invalidInteger
        /// A length or count below -1, or -1 where the type has no null (RESP3 `!`, `=`, `%`, `~`, `>`, `|`).
        case invalidLength(Int64)
        /// A bulk payload longer than ``RESPDecoder/Limits/maxBulkLength``.
        case bulkTooLong(length: Int64, limit: Int)
        /// An aggregate with more elements than ``RESPDecoder/Limits/maxArrayElements``.
        case tooManyElements(count: Int64, limit: Int)
        /// Aggregates nested deeper than ``RESPDecoder/Limits/maxDepth``.
        case depthExceeded(limit: Int)
        /// A bulk payload not followed by CRLF.
        case missingPayloadTerminator
        /// A RESP3 null, boolean, double, big number or verbatim string with a malformed body.
        case invalidScalar
    }

    /// What went wrong.
    public var kind: Kind
    /// Offset of the offending byte in the whole stream fed to the decoder.
    public var offset: Int

    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        "RESP error at byte \(self.offset): \(self.kind)"
    }
}
