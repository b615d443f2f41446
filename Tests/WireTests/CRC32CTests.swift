import Testing
@testable import Wire

/// CRC-32C against the published check values and against a plain bit-by-bit reference, for every length and start
/// offset around the eight-byte steps.
struct CRC32CTests {
    /// The polynomial applied one bit at a time, the definition the tables must agree with.
    private static func reference(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        var value = ~crc
        for byte in bytes {
            value ^= UInt32(byte)
            for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1 }
        }
        return ~value
    }

    @Test("check value and the RFC 3720 §B.4 examples")
    func knownAnswers() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test("eight-byte steps agree with the bit-by-bit definition for every length and offset")
    func slicingMatchesReference() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<200).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for length in 0...(data.count - start) {
                let slice = data[start..<(start + length)]
                #expect(CRC32C.checksum(slice) == Self.reference(Array(slice)), "start \(start), length \(length)")
            }
        }
    }

    @Test("a non-contiguous collection is copied and gives the same answer")
    func nonContiguous() {
        let data = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let lazy = data.lazy.map { $0 }
        #expect(CRC32C.checksum(lazy) == CRC32C.checksum(data))
    }

    @Test("continuing from an earlier result equals one pass over both parts")
    func continuing() {
        let first = Array("write-ahead ".utf8)
        let second = Array("log record payload that is longer than eight bytes".utf8)
        let whole = CRC32C.checksum(first + second)
        #expect(CRC32C.checksum(second, continuing: CRC32C.checksum(first)) == whole)
        #expect(whole == Self.reference(first + second))
        #expect(CRC32C.checksum(second, continuing: 0x1234_5678) == Self.reference(second, continuing: 0x1234_5678))
    }
}
