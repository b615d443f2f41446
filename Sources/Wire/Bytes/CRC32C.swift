/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of the write-ahead log's
/// records.
///
/// Chosen over CRC-32 (IEEE) for its better error detection on short messages (RFC 3720 §B.4 uses it for iSCSI
/// for that reason). Contiguous bytes are checksummed eight at a time ("slicing-by-8": eight 256-entry tables, each
/// advancing the remainder by one more byte, so one step does eight lookups without a dependency chain between
/// them); other collections are copied into an array first. `CRC32C.checksum("123456789")` is `0xE3069283`, the standard check
/// value.
public enum CRC32C {
    /// The eight lookup tables of the reflected polynomial, one after another: entry `k * 256 + b` is the remainder
    /// of byte `b` followed by `k` zero bytes. Table 0 is the classic byte-at-a-time table.
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 {
                value = value & 1 == 1 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1
            }
            tables[index] = value
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = tables[Int(previous & 0xff)] ^ (previous >> 8)
            }
        }
        return tables
    }()

    /// The CRC-32C of `bytes`, continuing from `crc` (the result of an earlier call) when given.
    public static func checksum<Bytes: Collection<UInt8>>(_ bytes: Bytes, continuing crc: UInt32 = 0) -> UInt32 {
        let value =
            bytes.withContiguousStorageIfAvailable { update(~crc, with: UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { update(~crc, with: $0) }
        return ~value
    }

    /// Advances the (inverted) remainder `value` over `buffer`: eight bytes per step, then the rest one by one.
    static func update(_ value: UInt32, with buffer: UnsafeRawBufferPointer) -> UInt32 {
        var value = value
        tables.withUnsafeBufferPointer { table in
            var offset = 0
            let count = buffer.count
            while count - offset >= 8 {
                let low = value ^ UInt32(littleEndianBytes: buffer, at: offset)
                let high = UInt32(littleEndianBytes: buffer, at: offset + 4)
                value =
                    table[7 * 256 + Int(low & 0xff)] ^ table[6 * 256 + Int((low >> 8) & 0xff)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xff)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xff)] ^ table[2 * 256 + Int((high >> 8) & 0xff)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xff)] ^ table[Int(high >> 24)]
                offset += 8
            }
            while offset < count {
                value = table[Int((value ^ UInt32(buffer[offset])) & 0xff)] ^ (value >> 8)
                offset += 1
            }
        }
        return value
    }
}

extension UInt32 {
    /// Four bytes of `buffer` from `offset`, least significant first (the caller checks the bounds).
    fileprivate init(littleEndianBytes buffer: UnsafeRawBufferPointer, at offset: Int) {
        self =
            UInt32(buffer[offset]) | UInt32(buffer[offset + 1]) << 8 | UInt32(buffer[offset + 2]) << 16
            | UInt32(buffer[offset + 3]) << 24
    }
}
