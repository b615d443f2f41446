/// The single error thrown by ``JSONParser`` and the JSON conveniences.
///
/// Every error carries the byte offset (into the whole input buffer, not the JSON slice) where parsing stopped,
/// so a caller can report "malformed JSON at byte 1234" to a peer without echoing its input.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// The input ended inside a value.
        case unexpectedEnd
        /// A byte that cannot start or continue the current token.
        case unexpectedByte(UInt8)
        /// Non-whitespace after the top-level value.
        case trailingBytes
        /// Nesting deeper than ``JSONParser/Limits/maxDepth``.
        case depthExceeded(limit: Int)
        /// Input longer than ``JSONParser/Limits/maxInputBytes``.
        case inputTooLarge(size: Int, limit: Int)
        /// A malformed number literal (leading zeros, missing digits, …).
        case invalidNumber
        /// A number whose magnitude does not fit a finite Double (e.g. `1e400`).
        case numberOutOfRange
        /// A bad backslash escape or `\u` sequence.
        case invalidEscape
        /// A raw control character (U+0000–U+001F) inside a string (RFC 8259 §7).
        case controlCharacterInString
        /// String bytes that are not valid UTF-8 (RFC 8259 §8.1).
        case invalidUTF8
        /// A value of another type than the caller required (conveniences such as ``JSONValue/bytes()``).
        case typeMismatch(expected: String)
        /// An integer outside 0...255 where a byte was required.
        case byteOutOfRange
    }

    /// What went wrong.
    public var kind: Kind
    /// Byte offset into the input where the problem was detected (0 for errors not tied to input).
    public var offset: Int

    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        "JSON error at byte \(self.offset): \(self.kind)"
    }
}
