/// Appends lib0-encoded values to a byte array; the counterpart of ``ByteReader``. Writing never fails.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// Creates an empty writer, optionally reserving capacity.
    public init(capacity: Int = 0) {
        self.bytes = []
        self.bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written.
    @inlinable public var count: Int { self.bytes.count }

    /// Appends one byte.
    @inlinable public mutating func write(_ byte: UInt8) { self.bytes.append(byte) }

    /// Appends raw bytes without a length prefix.
    @inlinable public mutating func write<C: Collection>(bytes: C) where C.Element == UInt8 { self.bytes.append(contentsOf: bytes) }

    /// Appends a lib0 varUint.
    @inlinable public mutating func writeVarUInt(_ value: UInt64) {
        var n = value
        while n > 0x7F {
            self.bytes.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        self.bytes.append(UInt8(n))
    }

    /// Appends a lib0 varUint from an `Int` (must be non-negative).
    @inlinable public mutating func writeVarUInt(_ value: Int) { self.writeVarUInt(UInt64(value)) }

    /// Appends a lib0 varInt (sign bit 0x40 of the first byte); `negative` with magnitude 0 writes negative zero.
    @inlinable public mutating func writeVarInt(magnitude: UInt64, negative: Bool) {
        var n = magnitude
        var first = UInt8(n & 0x3F)
        if negative { first |= 0x40 }
        n >>= 6
        if n > 0 { first |= 0x80 }
        self.bytes.append(first)
        while n > 0 {
            var byte = UInt8(n & 0x7F)
            n >>= 7
            if n > 0 { byte |= 0x80 }
            self.bytes.append(byte)
        }
    }

    /// Appends a lib0 varInt.
    @inlinable public mutating func writeVarInt(_ value: Int64) {
        self.writeVarInt(magnitude: value.magnitude, negative: value < 0)
    }

    /// Appends a lib0 varUint8Array: the length, then the bytes.
    @inlinable public mutating func writeVarBytes<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.writeVarUInt(UInt64(bytes.count))
        self.bytes.append(contentsOf: bytes)
    }

    /// Appends a lib0 varString (UTF-8 byte length, then UTF-8).
    @inlinable public mutating func writeVarString(_ string: String) {
        var s = string
        s.withUTF8 { self.writeVarBytes($0) }
    }

    /// Appends a big-endian float32.
    @inlinable public mutating func writeFloat32(_ value: Float) {
        let bits = value.bitPattern
        for shift in stride(from: 24, through: 0, by: -8) { self.bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }

    /// Appends a big-endian float64.
    @inlinable public mutating func writeFloat64(_ value: Double) { self.writeBigEndian(value.bitPattern) }

    /// Appends a big-endian signed 64-bit integer.
    @inlinable public mutating func writeBigInt64(_ value: Int64) { self.writeBigEndian(UInt64(bitPattern: value)) }

    @inlinable mutating func writeBigEndian(_ bits: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { self.bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }
}
