/// Reads lib0-encoded values from a byte buffer, advancing as it goes.
///
/// Every read is bounds-checked and throws ``DecodingError`` with the offset; nothing traps on hostile input and no
/// read allocates by an untrusted length before checking that the bytes are really there (lib0 `decoding.js`).
public struct ByteReader: Sendable {
    /// The whole buffer; `offset` indexes into it from `bytes.startIndex`.
    public let bytes: ArraySlice<UInt8>
    /// The index of the next byte to read (an index of `bytes`).
    @usableFromInline var position: Int
    /// Added to reported offsets, so that errors in a sub-buffer (a v2 column) point into the whole update.
    public var baseOffset: Int = 0

    /// Largest value a lib0 varUint may carry (JavaScript's `Number.MAX_SAFE_INTEGER`, 2^53 − 1).
    public static let maxSafeInteger: UInt64 = (1 << 53) - 1

    /// Creates a reader over `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes[...]
        self.position = self.bytes.startIndex
    }

    /// Creates a reader over a slice (no copy).
    public init(_ bytes: ArraySlice<UInt8>, baseOffset: Int = 0) {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.baseOffset = baseOffset
    }

    /// Offset of the next byte, counted from the start of the buffer plus `baseOffset`.
    @inlinable public var offset: Int { self.position - self.bytes.startIndex + self.baseOffset }
    /// Whether every byte has been read.
    @inlinable public var isAtEnd: Bool { self.position >= self.bytes.endIndex }
    /// Bytes left to read.
    @inlinable public var remaining: Int { self.bytes.endIndex - self.position }

    /// Builds the error for the current position.
    @inlinable public func error(_ reason: DecodingError.Reason, _ context: String = "") -> DecodingError {
        DecodingError(reason, offset: self.offset, context: context)
    }

    /// Reads one byte.
    @inlinable public mutating func readUInt8() throws(DecodingError) -> UInt8 {
        guard self.position < self.bytes.endIndex else { throw self.error(.unexpectedEnd(needed: 1)) }
        let byte = self.bytes[self.position]
        self.position += 1
        return byte
    }

    /// Reads a lib0 varUint: 7 bits per byte, least significant group first, 0x80 = more bytes follow.
    ///
    /// Values above 2^53 − 1 throw `varIntOverflow`, as lib0 throws "integer out of range".
    @inlinable public mutating func readVarUInt() throws(DecodingError) -> UInt64 {
        let start = self.offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard self.position < self.bytes.endIndex else { throw self.error(.unexpectedEnd(needed: 1)) }
            let byte = self.bytes[self.position]
            self.position += 1
            if shift < 56 {
                value |= UInt64(byte & 0x7F) << shift
            } else if byte & 0x7F != 0 {
                throw DecodingError(.varIntOverflow, offset: start)
            }
            if byte < 0x80 { break }
            shift += 7
            guard shift <= 70 else { throw DecodingError(.varIntOverflow, offset: start) }
        }
        guard value <= Self.maxSafeInteger else { throw DecodingError(.varIntOverflow, offset: start) }
        return value
    }

    /// Reads a varUint that is used as a count or byte length of what follows, so it can be at most `remaining`
    /// divided by `minimumElementSize` (each element takes at least that many bytes). Checked before any allocation.
    @inlinable public mutating func readCount(minimumElementSize: Int = 1, _ context: String = "") throws(DecodingError) -> Int {
        let start = self.offset
        let n = try self.readVarUInt()
        guard minimumElementSize == 0 || n <= UInt64(self.remaining / minimumElementSize) else {
            throw DecodingError(.lengthTooLarge(n), offset: start, context: context)
        }
        return Int(n)
    }

    /// Reads a lib0 varInt: sign and magnitude, the sign in bit 0x40 of the first byte (not zigzag).
    ///
    /// Returns the magnitude and the sign separately so that negative zero (`0x40`) survives; lib0's
    /// `UintOptRleDecoder` depends on it.
    @inlinable public mutating func readVarIntWithSign() throws(DecodingError) -> (magnitude: UInt64, negative: Bool) {
        let start = self.offset
        let first = try self.readUInt8()
        var value = UInt64(first & 0x3F)
        let negative = first & 0x40 != 0
        if first & 0x80 == 0 { return (value, negative) }
        var shift: UInt64 = 6
        while true {
            let byte = try self.readUInt8()
            if shift < 57 {
                value |= UInt64(byte & 0x7F) << shift
            } else if byte & 0x7F != 0 {
                throw DecodingError(.varIntOverflow, offset: start)
            }
            if byte < 0x80 { break }
            shift += 7
            guard shift <= 70 else { throw DecodingError(.varIntOverflow, offset: start) }
        }
        guard value <= Self.maxSafeInteger else { throw DecodingError(.varIntOverflow, offset: start) }
        return (value, negative)
    }

    /// Reads a lib0 varInt as a signed integer (negative zero becomes 0).
    @inlinable public mutating func readVarInt() throws(DecodingError) -> Int64 {
        let (magnitude, negative) = try self.readVarIntWithSign()
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// Reads `count` raw bytes as a slice of the input (no copy). Checks the length first.
    @inlinable public mutating func readBytes(count: Int) throws(DecodingError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= self.remaining else { throw self.error(.unexpectedEnd(needed: count - self.remaining)) }
        let slice = self.bytes[self.position ..< self.position + count]
        self.position += count
        return slice
    }

    /// Reads a lib0 varUint8Array: a varUint length, then that many bytes (a slice of the input, no copy).
    @inlinable public mutating func readVarBytes() throws(DecodingError) -> ArraySlice<UInt8> {
        let start = self.offset
        let n = try self.readVarUInt()
        guard n <= UInt64(self.remaining) else {
            throw DecodingError(.unexpectedEnd(needed: Int(n) - self.remaining), offset: start, context: "byte array")
        }
        return try self.readBytes(count: Int(n))
    }

    /// Reads every remaining byte.
    @inlinable public mutating func readRest() -> ArraySlice<UInt8> {
        let slice = self.bytes[self.position...]
        self.position = self.bytes.endIndex
        return slice
    }

    /// Reads a lib0 varString as validated UTF-8 bytes (no copy) plus its length in UTF-16 code units.
    ///
    /// lib0 decodes with a fatal `TextDecoder`: invalid UTF-8 throws, and a leading BOM is kept.
    @inlinable public mutating func readVarStringBytes() throws(DecodingError) -> (utf8: ArraySlice<UInt8>, utf16Count: Int) {
        let start = self.offset
        let bytes = try self.readVarBytes()
        guard let count = UTF8Validation.utf16Count(bytes) else { throw DecodingError(.invalidUTF8, offset: start, context: "string") }
        return (bytes, count)
    }

    /// Reads a lib0 varString.
    @inlinable public mutating func readVarString() throws(DecodingError) -> String {
        let (bytes, _) = try self.readVarStringBytes()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a big-endian IEEE-754 float32 (lib0 `readFloat32`).
    @inlinable public mutating func readFloat32() throws(DecodingError) -> Float {
        let b = try self.readBytes(count: 4)
        var bits: UInt32 = 0
        for byte in b { bits = bits << 8 | UInt32(byte) }
        return Float(bitPattern: bits)
    }

    /// Reads a big-endian IEEE-754 float64 (lib0 `readFloat64`).
    @inlinable public mutating func readFloat64() throws(DecodingError) -> Double {
        Double(bitPattern: try self.readBigEndianUInt64())
    }

    /// Reads a big-endian signed 64-bit integer (lib0 `readBigInt64`).
    @inlinable public mutating func readBigInt64() throws(DecodingError) -> Int64 {
        Int64(bitPattern: try self.readBigEndianUInt64())
    }

    @inlinable mutating func readBigEndianUInt64() throws(DecodingError) -> UInt64 {
        let b = try self.readBytes(count: 8)
        var bits: UInt64 = 0
        for byte in b { bits = bits << 8 | UInt64(byte) }
        return bits
    }

    /// Throws `trailingBytes` unless every byte was read.
    public func expectEnd(_ context: String = "") throws(DecodingError) {
        guard self.isAtEnd else { throw self.error(.trailingBytes(count: self.remaining), context) }
    }
}
